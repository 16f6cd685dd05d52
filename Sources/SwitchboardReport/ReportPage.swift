extension EvaluationReport {
    /// The whole report as one self-contained HTML document: inline CSS, SVG and script, no
    /// network access. Every text from the data or the model is escaped.
    public func html() -> String {
        let title = "Switchboard evaluation: \(modelName)"
        var body = "<h1>\(HTML.escape(title))</h1><p class=\"source\">Test data: \(HTML.escape(source))</p>"
        body += section("Headline", headline())
        body += section("Per label", perLabelTable(),
                        note: "Click a column's heading to sort by it (again to reverse). Initially sorted by F1, worst first.")
        body += section("Confusions", confusionsView())
        body += section("Coverage and accuracy", coverageView())
        body += section("Reliability", ReportCharts.reliability(reliability),
                        note: "Bars: accuracy of the in-scope rows per confidence bin (\(reliability.count) bins); "
                            + "dots: their mean confidence; dashed: perfect calibration. ECE "
                            + "\(HTML.fixed(evaluation.ece)).")
        body += section("Model", HTML.pairs(options, id: "options"))
        if !bench.isEmpty { body += section("Latency (switchboard bench)", HTML.pairs(bench, id: "bench")) }
        body += "<p id=\"script-status\" class=\"status\">script not run</p>"
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<title>\(HTML.escape(title))</title><style>\(ReportAssets.css)</style></head>"
            + "<body>\(body)<script>\(ReportAssets.script)</script></body></html>\n"
    }

    func section(_ heading: String, _ content: String, note: String? = nil) -> String {
        "<section><h2>\(HTML.escape(heading))</h2>" + (note.map { "<p class=\"note\">\(HTML.escape($0))</p>" } ?? "")
            + content + "</section>"
    }

    /// The headline figures as tiles.
    func headline() -> String {
        let m = evaluation.metrics
        var tiles: [(String, String)] = [("examples", "\(m.examples)"), ("accuracy", HTML.percent(m.accuracy)),
                                          ("macro-F1", HTML.fixed(m.macroF1)), ("ECE", HTML.fixed(evaluation.ece))]
        if let a = evaluation.abstention {
            tiles += [("threshold", HTML.fixed(Double(a.threshold), 3)), ("coverage", HTML.percent(a.coverage)),
                      ("answered accuracy", HTML.percent(a.answeredAccuracy))]
            if unknownRows > 0 {
                tiles += [("in-scope accuracy", HTML.percent(a.inScopeAccuracy)),
                          ("unknown recall", a.unknownRecall.map { HTML.percent($0) } ?? "n/a")]
            }
        }
        let cells = tiles.map { "<div class=\"tile\"><div class=\"value\">\(HTML.escape($0.1))</div>"
            + "<div class=\"name\">\(HTML.escape($0.0))</div></div>" }
        var note = "Unknown label: \(unknownLabel) (\(unknownRows) test rows)."
        if evaluation.abstention == nil { note += " No threshold: the model never abstains." }
        return "<div class=\"tiles\" id=\"headline\">\(cells.joined())</div><p class=\"note\">\(HTML.escape(note))</p>"
    }

    /// The sortable per-label table; `data-v` holds each cell's sort key.
    func perLabelTable() -> String {
        let head = ["label", "precision", "recall", "F1", "support"].enumerated().map { i, name in
            "<th data-col=\"\(i)\" data-type=\"\(i == 0 ? "text" : "number")\">\(name)</th>"
        }.joined()
        let labels = evaluation.metrics.perLabel.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let rows = labels.map { label -> String in
            let l = evaluation.metrics.perLabel[label]!
            let numbers = [l.precision, l.recall, l.f1].map { "<td data-v=\"\($0)\">\(HTML.fixed($0, 3))</td>" }
            return "<tr><td data-v=\"\(HTML.escape(label))\">\(HTML.escape(label))</td>\(numbers.joined())"
                + "<td data-v=\"\(l.support)\">\(l.support)</td></tr>"
        }
        return "<table id=\"per-label\" class=\"sortable\"><thead><tr>\(head)</tr></thead><tbody>"
            + rows.joined() + "</tbody></table>"
    }

    /// The heatmap of the most confused labels and the top confusions with their queries; with
    /// unknown-label rows, what those were answered as, in a list of their own.
    func confusionsView() -> String {
        let all = evaluation.metrics.confusions
        let inScope = all.filter { $0.label != unknownLabel }
        let total = inScope.reduce(0) { $0 + $1.count }, unknown = all.reduce(0) { $0 + $1.count } - total
        var note = "\(total) misrouted in-scope rows in \(inScope.count) distinct confusions"
            + (unknownRows > 0 ? "; \(unknown) answered \(unknownLabel) rows (listed below)." : ".")
        note += " Heatmap: the \(heatmapLabels.count) labels most involved in in-scope confusions; row = true label, "
            + "column = predicted; hover a cell for its count."
        var html = "<p class=\"note\">\(HTML.escape(note))</p>"
        html += "<div class=\"confusions\"><div>\(ReportCharts.heatmap(labels: heatmapLabels, matrix: heatmap))</div>"
        html += confusionList(topConfusions, id: "top-confusions") + "</div>"
        if unknownRows > 0 {
            html += "<h3>\(HTML.escape(unknownLabel)) rows answered as a label</h3>"
                + confusionList(unknownConfusions, id: "unknown-confusions")
        }
        return html
    }

    func confusionList(_ items: [ConfusionExamples], id: String) -> String {
        var html = "<ol id=\"\(id)\" class=\"confusion-list\">"
        for item in items {
            let c = item.confusion
            html += "<li><span class=\"pair\">\(HTML.escape(c.label)) → \(HTML.escape(c.predictedDisplayName))</span> "
                + "<span class=\"count\">\(c.count)</span><ul>"
                + item.queries.map { "<li class=\"query\">\(HTML.escape($0))</li>" }.joined() + "</ul></li>"
        }
        return html + "</ol>"
    }

    /// The coverage–accuracy curve, with the threshold's operating point.
    func coverageView() -> String {
        let marked = evaluation.abstention.map { (coverage: $0.coverage, accuracy: $0.answeredAccuracy, threshold: $0.threshold) }
        let note = "Answering only the most confident rows: each point is the fraction answered and the accuracy of the "
            + "answers (an answered unknown-label row is wrong)."
            + (marked == nil ? " No threshold to mark." : " Red: the threshold in use.")
        return "<p class=\"note\">\(HTML.escape(note))</p>" + ReportCharts.coverageCurve(curve, marked: marked)
    }
}
