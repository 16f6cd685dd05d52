import Foundation
import Testing

/// A JSON value that keeps each number's text as printed, so that float32 noise can be seen.
private indirect enum Parsed {
    case null, bool(Bool), integer(String), number(String), string(String)
    case array([Parsed]), object([String: Parsed])
}

/// A strict little JSON reader (the whole text must be one value).
private struct Reader {
    let bytes: [UInt8]
    var at = 0

    static func parse(_ text: String) -> Parsed? {
        var r = Reader(bytes: Array(text.utf8))
        guard let v = r.value() else { return nil }
        r.space()
        return r.at == r.bytes.count ? v : nil
    }

    mutating func space() { while at < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[at]) { at += 1 } }

    mutating func literal(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard bytes.count - at >= w.count, Array(bytes[at..<at + w.count]) == w else { return false }
        at += w.count
        return true
    }

    mutating func value() -> Parsed? {
        space()
        guard at < bytes.count else { return nil }
        switch bytes[at] {
        case UInt8(ascii: "{"):
            at += 1
            var members: [String: Parsed] = [:]
            space()
            if literal("}") { return .object(members) }
            repeat {
                space()
                guard case .string(let key)? = value() else { return nil }
                space()
                guard literal(":"), let v = value() else { return nil }
                members[key] = v
                space()
            } while literal(",")
            return literal("}") ? .object(members) : nil
        case UInt8(ascii: "["):
            at += 1
            var items: [Parsed] = []
            space()
            if literal("]") { return .array(items) }
            repeat {
                guard let v = value() else { return nil }
                items.append(v)
                space()
            } while literal(",")
            return literal("]") ? .array(items) : nil
        case UInt8(ascii: "\""):
            let start = at
            at += 1
            while at < bytes.count, bytes[at] != UInt8(ascii: "\"") { at += bytes[at] == UInt8(ascii: "\\") ? 2 : 1 }
            at += 1
            guard at <= bytes.count else { return nil }
            let s = try? JSONSerialization.jsonObject(with: Data(bytes[start..<at]), options: .fragmentsAllowed)
            return (s as? String).map(Parsed.string)
        default:
            if literal("null") { return .null }
            if literal("true") { return .bool(true) }
            if literal("false") { return .bool(false) }
            let start = at
            while at < bytes.count, "+-.0123456789eE".utf8.contains(bytes[at]) { at += 1 }
            let token = String(decoding: bytes[start..<at], as: UTF8.self)
            guard Double(token) != nil else { return nil }
            return token.contains(where: { ".eE".contains($0) }) ? .number(token) : .integer(token)
        }
    }
}

/// The vocabulary as `switchboard json-schema` prints it.
private struct Vocabulary {
    var commands: [String: String] = [:]
    var shapes: [String: (required: [String: String], optional: [String: String], aliases: [String: String])] = [:]

    static func load() throws -> Vocabulary {
        let r = try run(["json-schema"])
        try #require(r.status == 0, "json-schema failed: \(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        var v = Vocabulary()
        v.commands = try #require(object["commands"] as? [String: String])
        for (name, shape) in try #require(object["shapes"] as? [String: [String: [String: String]]]) {
            v.shapes[name] = (shape["required"] ?? [:], shape["optional"] ?? [:], shape["aliases"] ?? [:])
        }
        return v
    }

    /// Problems of `value` against `type` (see `JSONVocabulary` in the CLI), at `path`.
    func check(_ value: Parsed, _ type: String, _ path: String) -> [String] {
        if type.hasSuffix("?") {
            if case .null = value { return [] }
            return check(value, String(type.dropLast()), path)
        }
        switch (type, value) {
        case ("integer", .integer), ("number", .number), ("number", .integer), ("string", .string),
             ("boolean", .bool), ("object", .object): return []
        case (_, .array(let items)) where type.hasPrefix("["):
            let inner = String(type.dropFirst().dropLast())
            return items.enumerated().flatMap { check($1, inner, "\(path)[\($0)]") }
        case (_, .object(let members)) where type.hasPrefix("{"):
            let inner = String(type.dropFirst().dropLast())
            return members.flatMap { check($1, inner, "\(path).\($0)") }
        case (_, .object(let members)) where type.hasPrefix("@"):
            guard let shape = shapes[String(type.dropFirst())] else { return ["\(path): no shape \(type)"] }
            var problems = shape.required.keys.filter { members[$0] == nil }.map { "\(path): missing \($0)" }
            for (key, member) in members {
                guard let t = shape.required[key] ?? shape.optional[key] else {
                    problems.append("\(path): \(key) is not in the vocabulary")
                    continue
                }
                problems += check(member, t, "\(path).\(key)")
            }
            return problems
        default: return ["\(path): expected \(type), got \(value)"]
        }
    }
}

/// Numbers printed longer than the 32-bit float they exactly are (0.009999999776482582).
private func floatNoise(_ value: Parsed, _ path: String = "") -> [String] {
    switch value {
    case .number(let token):
        let d = Double(token)!
        let f = Float(d)
        return Double(f) == d && f.description.count < token.count ? ["\(path): \(token) (the float \(f))"] : []
    case .array(let items): return items.enumerated().flatMap { floatNoise($1, "\(path)[\($0)]") }
    case .object(let members): return members.flatMap { floatNoise($1, "\(path).\($0)") }
    default: return []
    }
}

@Suite struct JSONVocabularyTests {
    /// The naming rules every member of the vocabulary keeps.
    @Test func vocabularyFollowsItsNamingRules() throws {
        let v = try Vocabulary.load()
        for (shape, members) in v.shapes {
            for (alias, original) in members.aliases {
                // An alias restates a required number of the same object in another unit.
                #expect(members.required[alias] == "number", "\(shape).\(alias): an alias is a required number")
                #expect(members.required[original] == "number", "\(shape).\(alias) restates \(original), not a required number")
            }
            for (name, type) in members.required.merging(members.optional, uniquingKeysWith: { a, _ in a })
            where members.aliases[name] == nil {
                let at = "\(shape).\(name)"
                #expect(name != "probability", "\(at): say confidence")
                #expect(!["seconds", "examples", "epochs", "bits", "samples", "queries", "threads", "bytes"].contains(name),
                        "\(at): ambiguous name")
                #expect(![ "_ms", "_us", "_ns", "_mb", "_percent"].contains(where: name.hasSuffix), "\(at): use seconds, bytes or fractions")
                if name.hasSuffix("_count") { #expect(type == "integer", "\(at): a count is an integer") }
                if name.hasSuffix("_bytes") { #expect(["integer", "integer?", "{integer}"].contains(type), "\(at)") }
                if name.hasSuffix("_seconds") { #expect(type == "number", "\(at): seconds are a number") }
                if type.hasPrefix("[") { #expect(name.hasSuffix("s") || name == "top", "\(at): a list has a plural name") }
                if name == "labels" { #expect(type == "[string]", "\(at): labels is a list of names") }
            }
        }
        for (command, shape) in v.commands {
            #expect(v.shapes[shape]?.required["schema"] == "integer", "\(command) prints no schema version")
        }
    }

    /// Runs `arguments`, and checks each stdout line against the command's shape.
    private func check(_ arguments: [String], command: String, _ v: Vocabulary, status: Int32 = 0) throws {
        let r = try run(arguments + ["--json"])
        try #require(r.status == status, "\(arguments) exited \(r.status): \(r.stderr)")
        let shape = try #require(v.commands[command], "\(command) is not in the vocabulary")
        let lines = r.stdout.split(separator: "\n")
        #expect(!lines.isEmpty, "\(command) printed nothing")
        for line in lines {
            let parsed = try #require(Reader.parse(String(line)), "\(command): not JSON: \(line)")
            guard case .object(let members) = parsed, case .integer("1")? = members["schema"] else {
                Issue.record("\(command): no \"schema\": 1 in \(line)")
                continue
            }
            let problems = v.check(parsed, "@" + shape, command) + floatNoise(parsed, command)
            #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
        }
    }

    @Test func everyModelCommandPrintsTheVocabulary() throws {
        let v = try Vocabulary.load()
        try withDataDirectory { dir in
            let train = "\(dir)/train.csv", model = "\(dir)/m"
            let quick = ["--bucket-bits", "12", "--epochs", "5", "--threads", "1"]
            try check(["train", train, "--output", model] + quick, command: "train", v)
            try check(["train", train, "--output", "\(dir)/cal", "--validation", train, "--unknown-label", "music",
                       "--l2", "0.01"] + quick, command: "train", v)
            try check(["evaluate", model, train], command: "evaluate", v)
            try check(["evaluate", model, train, "--threshold", "0.5", "--unknown-label", "music"], command: "evaluate", v)
            try check(["calibrate", model, train, "--output", "\(dir)/c2"], command: "calibrate", v)
            try check(["predict", model, "hello there", "!!!", "--top-k", "2"], command: "predict", v)
            try check(["inspect", "\(dir)/cal"], command: "inspect", v)
            try check(["compress", model, "--output", "\(dir)/small"], command: "compress", v)
            try check(["inspect", "\(dir)/small"], command: "inspect", v)
            try check(["bench", model, "--iterations", "200", "--threads", "1"], command: "bench", v)
            try check(["explain", model, "hello there", "play jazz"], command: "explain", v)
            try check(["doctor", train, "--test", train, "--folds", "2", "--embeddings", "none"] + quick, command: "doctor", v)
        }
    }

    static let wheel = (ProcessInfo.processInfo.environment["SWITCHBOARD_CACHE"]
        ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/switchboard").path)
        + "/wordllama-0.4.0.post1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: wheel), "no WordLlama wheel: run scripts/fetch-embeddings.sh"))
    func embeddingCommandsPrintTheVocabulary() throws {
        let v = try Vocabulary.load()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try check(["embeddings", "import", Self.wheel, "--output", "\(dir)/pack"], command: "embeddings import", v)
        try #"{"text": "hello", "ids": [1]}"#.write(toFile: "\(dir)/ref.jsonl", atomically: true, encoding: .utf8)
        try check(["embeddings", "check-ids", "\(dir)/pack", "\(dir)/ref.jsonl"], command: "embeddings check-ids", v,
                  status: 1)
    }

    /// Every subcommand whose help lists a --json option has a shape, and the other way round.
    @Test func everyCommandWithJSONIsInTheVocabulary() throws {
        let v = try Vocabulary.load()
        let all = ["train", "evaluate", "calibrate", "predict", "inspect", "bench", "label", "compress", "explain",
                   "serve", "report", "doctor", "embeddings import", "embeddings tokenize", "embeddings check-ids"]
        for command in all {
            let r = try run(command.split(separator: " ").map(String.init) + ["--help"])
            #expect(r.status == 0)
            let hasJSON = r.stdout.contains("\n  --json ")
            #expect(hasJSON == (v.commands[command] != nil), "\(command): --json \(hasJSON), in the vocabulary \(v.commands[command] != nil)")
        }
    }
}
