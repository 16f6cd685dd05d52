/// The report's charts as inline SVG.
enum ReportCharts {
    /// Plot area of the line charts, in SVG units.
    static let width = 460.0, height = 280.0, margin = 48.0

    /// Heatmap of `labels` × `labels`: off-diagonal cells shaded by count, the diagonal in grey.
    static func heatmap(labels: [String], matrix: [[Int]]) -> String {
        guard !labels.isEmpty else { return "<p>No confusions.</p>" }
        let cell = 18.0, labelWidth = 190.0
        let side = Double(labels.count) * cell
        let offMax = max(1, matrix.enumerated().flatMap { i, row in row.enumerated().filter { $0.offset != i }.map(\.element) }
            .max() ?? 1)
        var svg = "<svg class=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(labelWidth + side + 90))\" "
            + "height=\"\(Int(labelWidth + side + 10))\" role=\"img\" aria-label=\"confusion heatmap\">"
        for (i, label) in labels.enumerated() {
            let y = labelWidth + Double(i) * cell + cell * 0.7
            svg += "<text x=\"\(labelWidth - 4)\" y=\"\(y)\" text-anchor=\"end\">\(HTML.escape(short(label)))</text>"
            let x = labelWidth + Double(i) * cell + cell * 0.7
            svg += "<text transform=\"translate(\(x),\(labelWidth - 4)) rotate(-60)\">\(HTML.escape(short(label)))</text>"
        }
        for (i, row) in matrix.enumerated() {
            for (j, count) in row.enumerated() {
                let fill: String
                if i == j {
                    fill = count == 0 ? "#f4f4f4" : "#d0d7de"
                } else {
                    let t = count == 0 ? 0 : 0.15 + 0.85 * Double(count) / Double(offMax)
                    fill = count == 0 ? "#ffffff" : "rgba(207,34,46,\(HTML.fixed(t, 3)))"
                }
                let x = labelWidth + Double(j) * cell, y = labelWidth + Double(i) * cell
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell - 1)\" height=\"\(cell - 1)\" fill=\"\(fill)\">"
                    + "<title>\(HTML.escape(labels[i])) → \(HTML.escape(labels[j])): \(count)</title></rect>"
            }
        }
        return svg + "</svg>"
    }

    /// Answered accuracy against coverage, with the threshold's point marked when there is one.
    static func coverageCurve(_ points: [CoveragePoint], marked: (coverage: Double, accuracy: Double, threshold: Float)?) -> String {
        guard !points.isEmpty else { return "<p>No answerable rows.</p>" }
        let low = min(points.map(\.answeredAccuracy).min() ?? 0, marked?.accuracy ?? 1)
        let yMin = max(0, (low * 10).rounded(.down) / 10)
        func x(_ c: Double) -> Double { margin + c * width }
        func y(_ a: Double) -> Double { margin / 2 + (1 - (a - yMin) / max(1e-9, 1 - yMin)) * height }
        var svg = frame(xLabel: "coverage (fraction answered)", yLabel: "answered accuracy", yMin: yMin)
        let path = points.map { "\(HTML.fixed(x($0.coverage), 1)),\(HTML.fixed(y($0.answeredAccuracy), 1))" }
        svg += "<polyline class=\"curve\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\" points=\"\(path.joined(separator: " "))\"/>"
        if let m = marked {
            svg += "<circle cx=\"\(HTML.fixed(x(m.coverage), 1))\" cy=\"\(HTML.fixed(y(m.accuracy), 1))\" r=\"5\" fill=\"#cf222e\">"
                + "<title>threshold \(m.threshold)</title></circle>"
                + "<text x=\"\(HTML.fixed(x(m.coverage) - 8, 1))\" y=\"\(HTML.fixed(y(m.accuracy) + 18, 1))\" text-anchor=\"end\">"
                + "threshold \(HTML.fixed(Double(m.threshold), 3)): coverage \(HTML.percent(m.coverage, 1)), "
                + "accuracy \(HTML.percent(m.accuracy, 1))</text>"
        }
        return svg + "</svg>"
    }

    /// Accuracy per confidence bin against the diagonal of perfect calibration.
    static func reliability(_ bins: [ReliabilityBin]) -> String {
        var svg = frame(xLabel: "confidence (top probability)", yLabel: "accuracy", yMin: 0)
        svg += "<line x1=\"\(margin)\" y1=\"\(margin / 2 + height)\" x2=\"\(margin + width)\" y2=\"\(margin / 2)\" "
            + "stroke=\"#8c959f\" stroke-dasharray=\"4 3\"/>"
        for bin in bins where bin.count > 0 {
            let x0 = margin + bin.lower * width, w = (bin.upper - bin.lower) * width - 2
            let h = bin.accuracy * height
            svg += "<rect x=\"\(HTML.fixed(x0 + 1, 1))\" y=\"\(HTML.fixed(margin / 2 + height - h, 1))\" "
                + "width=\"\(HTML.fixed(w, 1))\" height=\"\(HTML.fixed(h, 1))\" fill=\"#54aeff\">"
                + "<title>confidence \(HTML.fixed(bin.lower, 2))–\(HTML.fixed(bin.upper, 2)): \(bin.count) rows, "
                + "accuracy \(HTML.percent(bin.accuracy, 1)), mean confidence \(HTML.percent(bin.confidence, 1))</title></rect>"
            let cy = margin / 2 + height - bin.confidence * height
            svg += "<circle cx=\"\(HTML.fixed(x0 + 1 + w / 2, 1))\" cy=\"\(HTML.fixed(cy, 1))\" r=\"3\" fill=\"#1f2328\"/>"
        }
        return svg + "</svg>"
    }

    /// An SVG start tag with axes, ticks every 0.1 (y from `yMin`) and axis labels; not closed.
    static func frame(xLabel: String, yLabel: String, yMin: Double) -> String {
        let bottom = margin / 2 + height
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width + margin * 1.5))\" "
            + "height=\"\(Int(height + margin * 1.6))\" role=\"img\">"
            + "<rect x=\"\(margin)\" y=\"\(margin / 2)\" width=\"\(width)\" height=\"\(height)\" fill=\"#fafbfc\" stroke=\"#d0d7de\"/>"
        for k in 0...10 {
            let x = margin + Double(k) / 10 * width
            svg += "<text x=\"\(HTML.fixed(x, 1))\" y=\"\(bottom + 14)\" text-anchor=\"middle\">\(HTML.fixed(Double(k) / 10, 1))</text>"
            let value = yMin + Double(k) / 10 * (1 - yMin)
            let y = bottom - Double(k) / 10 * height
            svg += "<text x=\"\(margin - 4)\" y=\"\(HTML.fixed(y + 4, 1))\" text-anchor=\"end\">\(HTML.fixed(value, 2))</text>"
        }
        svg += "<text x=\"\(margin + width / 2)\" y=\"\(bottom + 32)\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        svg += "<text transform=\"translate(12,\(margin / 2 + height / 2)) rotate(-90)\" text-anchor=\"middle\">"
            + "\(HTML.escape(yLabel))</text>"
        return svg
    }

    /// A label cut to 28 characters for axis text (the full name is in each cell's tooltip).
    static func short(_ label: String) -> String {
        label.count <= 28 ? label : String(label.prefix(27)) + "…"
    }
}
