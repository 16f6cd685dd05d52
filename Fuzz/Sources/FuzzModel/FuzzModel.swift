import Switchboard

/// Traps with `message` unless `condition` holds (`precondition` drops its message in release builds).
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

let queries = ["reset my password", "", "?!", "日本語のテキスト", "café ☕ don't", String(repeating: "word ", count: 50)]

/// Decodes `bytes`; a model that loads is then used every way a caller can use it.
func exercise(_ bytes: [UInt8]) {
    let storage: ModelStorage
    do {
        storage = try ModelFile.decode(bytes, source: "fuzz")
    } catch {
        let message = error.description
        check(!message.isEmpty && !message.contains("\n"), "bad error message: \(message)")
        return
    }
    let b = storage.sizeBreakdown
    check(b.header + b.labels + b.metadata + b.idf + b.bias + b.weights + b.scales + b.padding + b.checksum + b.semantic == storage.byteCount,
          "size breakdown \(b) does not add up to \(storage.byteCount)")
    check(!storage.labels.isEmpty && storage.bias.count == storage.labels.count, "labels/bias")
    let classifier = Classifier(storage: storage)
    let scratch = FeatureScratch()
    for text in queries {
        let p = classifier.predict(text, scratch: scratch)
        check(p.labelIndex >= -1 && p.labelIndex < storage.labels.count, "label index \(p.labelIndex)")
        _ = classifier.rankedHypotheses(for: text, maximumCount: 3, scratch: scratch)
        _ = classifier.routedLabel(for: text, scratch: scratch)
        _ = classifier.logits(for: text, scratch: scratch)
    }
    // What loads must survive a round trip when the encoder accepts it (it refuses a little more:
    // negative or non-finite row scales), and re-encoding must be deterministic.
    let contents = storage.contents()
    if let block = contents.semantic, let pooler = try? TokenPooler(block) {
        // Pooled features are finite, or all zero with `false` (huge scales can overflow a sum).
        let pooled = SemanticScratch()
        for text in queries {
            let ok = pooler.pool(text, into: pooled)
            let features = (0 ..< pooler.featureCount).map { pooled.pooled[$0] }
            check(ok ? features.allSatisfy(\.isFinite) : features.allSatisfy { $0 == 0 }, "pooled features \(features)")
        }
    }
    if let again = try? ModelFile.encode(contents) {
        guard let back = try? ModelFile.decode(again) else { fatalError("an encoded model does not decode") }
        let twice = try? ModelFile.encode(back.contents())
        check(twice == again, "re-encoding is not deterministic")
        check(back.labels == storage.labels && back.features == storage.features, "round trip changed labels or features")
        check(back.contents().semantic == contents.semantic, "round trip changed the semantic block")
    }
    _ = contents.quantizedInt8()
}

/// libFuzzer entry point: the bytes as they are (mostly stopped by the magic, version, length
/// and checksum checks), then with their last 8 bytes replaced by the right checksum, so that
/// mutations reach the header, section-table, label and metadata checks and, when those pass,
/// prediction on the loaded model.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    exercise(bytes)
    if bytes.count >= 16 {
        var fixed = bytes
        let checksum = XXH64.hash(Array(fixed.dropLast(8)))
        withUnsafeBytes(of: checksum.littleEndian) { fixed.replaceSubrange(fixed.count - 8 ..< fixed.count, with: $0) }
        exercise(fixed)
    }
    return 0
}
