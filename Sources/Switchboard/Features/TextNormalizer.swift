/// Text normalization and tokenization, on unicode scalars (never `Character`s).
///
/// Rules, applied to each scalar in order:
/// - Letters (any script), digits and combining marks are word characters. Digits are kept
///   as they are: in support queries they carry meaning ("2fa", "error 404").
/// - An apostrophe (' or ’) between word characters is dropped and joins the word
///   ("don't" → "dont"), so contractions stay one token.
/// - Everything else (spaces, punctuation, symbols, emoji) separates words and is dropped.
///   Emoji therefore give no features; a query of only punctuation has no features.
/// - Letters are lowercased (full Unicode lowercase mapping, first scalar for the rare
///   multi-scalar mappings). With `foldDiacritics`, precomposed Latin and Greek letters lose
///   their diacritics (é → e) and combining marks are dropped.
/// - Scripts without spaces (Chinese, Japanese, Thai) form long tokens; their character
///   n-grams are what carry the signal.
///
/// ASCII text and text that is already lowercase never allocate here.
@usableFromInline
enum TextNormalizer {
    /// Appends the normalized scalars of `text` to `scalars`, and the end index (exclusive)
    /// of each token to `tokenEnds`.
    @inlinable
    static func tokenize(_ text: String, fold: Bool,
                         scalars: inout ScratchBuffer<UInt32>, tokenEnds: inout ScratchBuffer<Int32>) {
        var inToken = false
        for s in text.unicodeScalars {
            let v = s.value
            if v < 0x80 {
                let b = UInt8(v)
                if b &- 0x61 < 26 || b &- 0x30 < 10 {  // a-z, 0-9
                    scalars.append(v); inToken = true; continue
                }
                if b &- 0x41 < 26 { // A-Z
                    scalars.append(v | 0x20); inToken = true; continue
                }
                if b == 0x27 && inToken { continue }  // apostrophe joins
            } else if v == 0x2019 && inToken { // right single quotation mark as apostrophe
                continue
            } else if let mapped = wordScalar(s, fold: fold) {
                if mapped != 0 { scalars.append(mapped); inToken = true }
                continue
            }
            if inToken { tokenEnds.append(Int32(scalars.count)); inToken = false }
        }
        if inToken { tokenEnds.append(Int32(scalars.count)) }
    }

    /// The normalized form of a non-ASCII word scalar, 0 for a scalar that is part of a word
    /// but folded away (a combining mark under `fold`), or nil for a separator.
    @usableFromInline
    static func wordScalar(_ s: Unicode.Scalar, fold: Bool) -> UInt32? {
        let p = s.properties
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return fold ? 0 : s.value
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            var v = s.value
            if p.changesWhenLowercased, let first = p.lowercaseMapping.unicodeScalars.first {
                v = first.value
            }
            if fold { v = DiacriticFolding.base(of: v) }
            return v
        default:
            return nil
        }
    }
}
