extension CSV {
    /// RFC 4180 field quoting for output: the field is quoted when it contains a comma, quote,
    /// CR or LF, has leading or trailing space or tab, or starts with U+FEFF (which a reader
    /// would take for a byte order mark); inner quotes are doubled. NUL cannot be written:
    /// readers reject it.
    public static func quote(_ field: String) -> String {
        var out: [UInt8] = []
        appendField(field, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends one record: quoted fields joined with commas, ending with "\n". A record made of
    /// one empty field is written as `""`, since an empty line would be skipped as blank.
    public static func appendRecord(_ fields: [String], to out: inout [UInt8]) {
        if fields.count == 1 && fields[0].utf8.isEmpty {
            out.append(CSVBytes.quote)
            out.append(CSVBytes.quote)
        }
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(CSVBytes.comma) }
            appendField(field, to: &out)
        }
        out.append(CSVBytes.lf)
    }

    /// Appends `field`, quoted when needed (the same rule and code as batch labeling's output).
    static func appendField(_ field: String, to out: inout [UInt8]) {
        var field = field
        field.withUTF8 { FastFormat.appendCSVField($0, to: &out) }
    }
}
