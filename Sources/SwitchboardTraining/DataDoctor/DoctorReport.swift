/// One row a finding points at.
public struct DoctorRow: Sendable, Equatable {
    /// The file the row came from.
    public var file: String
    /// Its physical line (1-based), 0 when the data did not come from a file.
    public var line: Int
    public var text: String
    /// Its given label.
    public var label: String

    public init(file: String, line: Int, text: String, label: String) {
        self.file = file
        self.line = line
        self.text = text
        self.label = label
    }

    /// "FILE:LINE".
    public var location: String { "\(file):\(line)" }
}

/// What a finding is about, most harmful first (the order `DoctorReport.findings` keeps).
public enum DoctorFindingKind: String, Sendable, CaseIterable, Comparable {
    /// The same text (after normalization) under different labels: the model is taught both.
    case conflict
    /// A test row equal or near-equal to a training row: the test figure is inflated.
    case leak
    /// A row whose out-of-fold prediction confidently disagrees with its label.
    case suspectedLabelError = "suspected_label_error"
    /// Texts under different labels that are nearly the same (same words, or hashed n-gram sets
    /// with Jaccard similarity at least `DuplicateScan.nearDuplicateJaccard`).
    case nearDuplicate = "near_duplicate"
    /// Rows with no word left after normalization: they give the model nothing.
    case emptyText = "empty_text"
    /// A label with fewer than `DataDoctor.smallLabelRows` rows.
    case smallLabel = "small_label"
    /// The largest label has at least `DataDoctor.imbalanceRatio` times the rows of the smallest.
    case imbalance
    /// Most texts look like identifiers (digits, hex, UUIDs): probably the wrong text column.
    case idLikeTexts = "id_like_texts"
    /// Rows of one word.
    case shortText = "short_text"
    /// The same text (after normalization) more than once under one label.
    case duplicate

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Whether `--strict` fails on this kind.
    public var isBlocking: Bool { self == .conflict || self == .leak }
}

/// One problem in the data, with the rows involved.
public struct DoctorFinding: Sendable {
    public var kind: DoctorFindingKind
    /// One line saying what is wrong.
    public var message: String
    public var rows: [DoctorRow]
    /// For a suspected label error: the label the out-of-fold model prefers.
    public var suggestedLabel: String? = nil
    /// For a suspected label error: the normalized margin p(suggested) − p(given), in (0, 1];
    /// for a near-duplicate or leak: the Jaccard similarity of the hashed n-gram sets.
    public var score: Double? = nil

    public init(kind: DoctorFindingKind, message: String, rows: [DoctorRow], suggestedLabel: String? = nil,
                score: Double? = nil) {
        self.kind = kind
        self.message = message
        self.rows = rows
        self.suggestedLabel = suggestedLabel
        self.score = score
    }
}

/// What `DataDoctor.examine` found.
public struct DoctorReport: Sendable {
    /// Findings, most harmful kind first; within a kind, the strongest first.
    public var findings: [DoctorFinding]
    public var trainingRowCount: Int
    public var testRowCount: Int
    public var labelCount: Int
    /// Rows that repeat an earlier row's normalized text under the same label.
    public var duplicateRowCount: Int
    /// Out-of-fold accuracy of the model, when label errors were looked for.
    public var outOfFoldAccuracy: Double?
    /// Folds used for the out-of-fold predictions (0 when they were skipped).
    public var folds: Int

    /// The number of findings of `kind`.
    public func count(_ kind: DoctorFindingKind) -> Int { findings.lazy.filter { $0.kind == kind }.count }

    /// Whether `--strict` fails: there are conflicts or leaks.
    public var hasBlockingFindings: Bool { findings.contains { $0.kind.isBlocking } }
}
