import Foundation
import Switchboard

/// Converts the WordLlama wheel (PyPI `wordllama` 0.4.0.post1), or a directory holding its
/// unpacked files, into an `EmbeddingPack`.
public enum EmbeddingImporter {
    /// The wheel members the import reads, relative to the wheel's root.
    public static let weightsMember = "wordllama/weights/l2_supercat_256.safetensors"
    public static let tokenizerMember = "wordllama/tokenizers/l2_supercat_tokenizer_config.json"
    public static let licenseMember = "wordllama-0.4.0.post1.dist-info/licenses/LICENSE"
    /// The name given to the imported pack.
    public static let packName = "wordllama-l2_supercat-256"

    /// Imports from `path`: a wheel (zip) file, or a directory containing the members above
    /// (an unpacked wheel).
    public static func importPack(from path: String) throws(EmbeddingError) -> EmbeddingPack {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file or directory")
        }
        let read: (String) throws(EmbeddingError) -> [UInt8]
        if isDirectory.boolValue {
            read = { (member) throws(EmbeddingError) -> [UInt8] in
                let file = (path as NSString).appendingPathComponent(member)
                guard FileManager.default.fileExists(atPath: file) else { throw .missingMember(source: path, name: member) }
                return try readFile(file)
            }
        } else {
            let archive = try ZipArchive(bytes: try readFile(path), source: path)
            read = { (member) throws(EmbeddingError) -> [UInt8] in try archive.extract(member) }
        }
        let (tokens, merges, specials) = try TokenizerJSON.read(try read(tokenizerMember))
        let tokenizer: BPETokenizer
        do { tokenizer = try BPETokenizer(tokens: tokens, merges: merges, specialIDs: specials) } catch {
            throw .badTokenizer(reason: error.description)
        }
        let matrix = try SafeTensors.readMatrix(try read(weightsMember))
        guard matrix.rows == tokens.count else {
            throw .badSafetensors(reason: "\(matrix.rows) vectors for \(tokens.count) tokens")
        }
        guard matrix.values.allSatisfy(\.isFinite) else { throw .badSafetensors(reason: "a vector holds a non-finite value") }
        let license = String(decoding: try read(licenseMember), as: UTF8.self)
        return EmbeddingPack(name: packName, source: "PyPI wordllama 0.4.0.post1: \(weightsMember), \(tokenizerMember)",
                             license: license, tokenizer: tokenizer, dimensions: matrix.columns, vectors: matrix.values)
    }

    static func readFile(_ path: String) throws(EmbeddingError) -> [UInt8] {
        do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }
}

/// Where set-up caches the converted pack, and how training finds it.
public enum EmbeddingPackLocation {
    /// The environment variable naming a pack file, overriding the default location.
    public static let environmentVariable = "SWITCHBOARD_EMBEDDINGS"
    /// The environment variable naming the cache directory (default `~/.cache/switchboard`).
    public static let cacheEnvironmentVariable = "SWITCHBOARD_CACHE"
    /// The pack's file name in the cache directory.
    public static let fileName = "wordllama-l2_supercat-256.swemb"

    /// `$SWITCHBOARD_EMBEDDINGS`, else `$SWITCHBOARD_CACHE/NAME`, else `~/.cache/switchboard/NAME`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment[environmentVariable], !explicit.isEmpty { return explicit }
        let cache = environment[cacheEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".cache/switchboard")
        return (cache as NSString).appendingPathComponent(fileName)
    }
}
