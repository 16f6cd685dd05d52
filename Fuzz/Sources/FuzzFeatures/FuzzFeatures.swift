import Switchboard

/// Traps with `message` unless `condition` holds (`precondition` drops its message in release builds).
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// A small float model (2^10 buckets, 3 labels) with default features, for the prediction path.
let classifier: Classifier = {
    let features = FeatureConfiguration(bucketBits: 10)
    let stride = ModelContents.rowStride(forLabels: 3)
    let weights = (0 ..< features.bucketCount * stride).map { i in i % stride < 3 ? Float(i % 17) / 17 - 0.5 : 0 }
    let contents = ModelContents(labels: ["a", "b", "c"], features: features,
                                 idf: (0 ..< features.bucketCount).map { 1 + Float($0 % 5) / 5 }, rowStride: stride,
                                 weights: weights, bias: [0.1, 0, -0.1])
    return try! Classifier(contents: contents)
}()

/// IDF values for small bucket counts (larger ones run without IDF: allocating 2^24 floats per
/// input would only slow the fuzzer down).
nonisolated(unsafe) var idfByBits: [Int: [Float]] = [:]

nonisolated(unsafe) let scratch = FeatureScratch()  // libFuzzer calls from one thread
nonisolated(unsafe) let other = FeatureScratch()

/// libFuzzer entry point. The first 3 bytes pick a feature configuration (bucket bits 10...24,
/// n-gram ranges 0...8, folding, sublinear TF, IDF, joint or per-family norms); the rest is the
/// text, decoded as UTF-8 with replacement of invalid bytes (as `predict` reads standard input).
/// Checks: every bucket is below the bucket count and appears once (once per n-gram family under
/// per-family norms), every value is finite, the vector has unit norm (or is empty), extraction
/// is deterministic and independent of what the scratch held before, and prediction answers a
/// label in range (or none exactly when there are no features).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFeatures(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 3 else { return 0 }
    let c0 = data[0], c1 = data[1], c2 = data[2]
    let configuration = FeatureConfiguration(
        bucketBits: 10 + Int(c0 % 15), wordNGramMin: Int(c1 & 0x0F) % 9, wordNGramMax: Int(c1 >> 4) % 9,
        charNGramMin: Int(c2 & 0x0F) % 9, charNGramMax: Int(c2 >> 4) % 9,
        foldDiacritics: c0 & 0x10 != 0, sublinearTF: c0 & 0x20 != 0, useIDF: c0 & 0x40 != 0 && c0 % 15 <= 2,
        normalization: c0 & 0x80 != 0 ? .joint : .perFamily)
    let text = String(decoding: UnsafeBufferPointer(start: data + 3, count: size - 3), as: UTF8.self)

    let p = classifier.predict(text, scratch: scratch)
    check(p.labelIndex >= -1 && p.labelIndex < 3, "label index \(p.labelIndex)")
    check((p.labelIndex == -1) == (classifier.extractor.features(of: text).isEmpty), "no label iff no features")
    if p.labelIndex >= 0 { check(p.probability >= 0 && p.probability <= 1.0001, "probability \(p.probability)") }

    guard configuration.problem == nil else { return 0 }
    let extractor = FeatureExtractor(configuration)
    var idf: [Float]? = nil
    if configuration.useIDF {
        if idfByBits[configuration.bucketBits] == nil {
            idfByBits[configuration.bucketBits] = (0 ..< configuration.bucketCount).map { 1 + Float($0 % 7) / 3 }
        }
        idf = idfByBits[configuration.bucketBits]
    }
    func extract(_ into: FeatureScratch) -> ([UInt32], [Float]) {
        if let idf { idf.withUnsafeBufferPointer { extractor.extract(text, idf: $0, into: into) } }
        else { extractor.extract(text, idf: nil, into: into) }
        return (Array(into.buckets), Array(into.values))
    }
    let (buckets, values) = extract(scratch)
    check(buckets.count == values.count, "\(buckets.count) buckets, \(values.count) values")
    check(buckets.allSatisfy { Int($0) < configuration.bucketCount }, "bucket out of range")
    // Per family, a word n-gram and a character n-gram that share a bucket stay two entries.
    let allowed = configuration.normalization == .perFamily ? 2 : 1
    check(Dictionary(grouping: buckets, by: { $0 }).values.allSatisfy { $0.count <= allowed },
          "a bucket appears more often than its n-gram families allow")
    check(values.allSatisfy { $0.isFinite && $0 > 0 }, "a value is not finite and positive")
    if !values.isEmpty {
        let norm = values.reduce(Float(0)) { $0 + $1 * $1 }
        check(abs(norm - 1) < 1e-3, "squared norm \(norm)")
    }
    // The same text through a scratch that last held something else.
    if let idf { idf.withUnsafeBufferPointer { extractor.extract("an unrelated earlier query", idf: $0, into: other) } }
    else { extractor.extract("an unrelated earlier query", idf: nil, into: other) }
    let (buckets2, values2) = extract(other)
    check(buckets2 == buckets && values2 == values, "extraction depends on the scratch's history")
    return 0
}
