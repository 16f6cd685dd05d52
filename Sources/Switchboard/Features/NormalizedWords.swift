extension FeatureExtractor {
    /// The words of `text` as the features see them: lowercased, apostrophes joined,
    /// punctuation and emoji dropped, diacritics folded when the configuration folds them (see
    /// `TextNormalizer`). Two texts with the same words get the same word n-grams. Allocates;
    /// for data tools, not for the query path.
    public func normalizedWords(of text: String) -> [String] {
        var scalars = ScratchBuffer<UInt32>(capacity: 64)
        var ends = ScratchBuffer<Int32>(capacity: 16)
        defer { scalars.free(); ends.free() }
        TextNormalizer.tokenize(text, fold: configuration.foldDiacritics, scalars: &scalars, tokenEnds: &ends)
        var words: [String] = []
        words.reserveCapacity(ends.count)
        var start = 0
        for t in 0 ..< ends.count {
            let end = Int(ends[t])
            var word = String.UnicodeScalarView()
            for i in start ..< end { word.append(Unicode.Scalar(scalars[i]) ?? "\u{FFFD}") }
            words.append(String(word))
            start = end
        }
        return words
    }
}
