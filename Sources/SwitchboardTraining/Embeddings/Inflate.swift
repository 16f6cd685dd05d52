/// A raw DEFLATE (RFC 1951) decoder: stored, fixed-Huffman and dynamic-Huffman blocks.
///
/// Canonical Huffman codes are decoded with per-length counts and a symbol table (the
/// method of zlib's `puff`). Every read is bounds-checked: damaged input throws
/// `EmbeddingError.corruptArchive` and never reads outside `input`.
enum Inflate {
    /// Decompresses `input` (raw DEFLATE, no zlib or gzip wrapper) into exactly
    /// `expectedSize` bytes; fewer or more bytes of output is an error.
    static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int,
                           member: String) throws(EmbeddingError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: expectedSize)
        let written = output.withUnsafeMutableBufferPointer { out -> Int? in
            var state = State(input: input, output: out)
            return state.run() ? state.outCount : nil
        }
        guard let written else { throw .corruptArchive(member: member, reason: "invalid DEFLATE data") }
        guard written == expectedSize else {
            throw .corruptArchive(member: member, reason: "inflated to \(written) bytes, expected \(expectedSize)")
        }
        return output
    }

    /// A canonical Huffman code: how many codes of each length, and the symbols in code order.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int]

        /// Builds the code from per-symbol lengths; nil if the lengths over-subscribe the code
        /// space (an incomplete code is allowed, as in zlib, for single-code distance trees).
        init?(lengths: ArraySlice<Int>) {
            symbols = [Int](repeating: 0, count: lengths.count)
            for length in lengths { counts[length] += 1 }
            var left = 1
            for length in 1 ..< 16 {
                left = left * 2 - counts[length]
                if left < 0 { return nil }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1 ..< 15 { offsets[length + 1] = offsets[length] + counts[length] }
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99,
                             115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
                               1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
                                12, 13, 13]
    /// The order in which dynamic blocks list the code-length code's lengths.
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    static let fixed: (lengths: Huffman, distances: Huffman) = {
        var lengths = [Int](repeating: 8, count: 288)
        for i in 144 ..< 256 { lengths[i] = 9 }
        for i in 256 ..< 280 { lengths[i] = 7 }
        return (Huffman(lengths: lengths[...])!, Huffman(lengths: [Int](repeating: 5, count: 30)[...])!)
    }()

    struct State {
        let input: UnsafeRawBufferPointer
        let output: UnsafeMutableBufferPointer<UInt8>
        var inPosition = 0
        var outCount = 0
        var bitBuffer = 0
        var bitCount = 0

        init(input: UnsafeRawBufferPointer, output: UnsafeMutableBufferPointer<UInt8>) {
            self.input = input
            self.output = output
        }

        /// Decodes every block; false on any error.
        mutating func run() -> Bool {
            var last = false
            while !last {
                guard let final = bits(1), let type = bits(2) else { return false }
                last = final == 1
                let ok: Bool
                switch type {
                case 0: ok = stored()
                case 1: ok = codes(Inflate.fixed.lengths, Inflate.fixed.distances)
                case 2: ok = dynamic()
                default: ok = false
                }
                if !ok { return false }
            }
            return true
        }

        /// The next `count` bits (LSB first), or nil at the end of the input.
        mutating func bits(_ count: Int) -> Int? {
            var value = bitBuffer
            while bitCount < count {
                guard inPosition < input.count else { return nil }
                value |= Int(input[inPosition]) << bitCount
                inPosition += 1
                bitCount += 8
            }
            bitBuffer = value >> count
            bitCount -= count
            return value & ((1 << count) - 1)
        }

        mutating func stored() -> Bool {
            bitBuffer = 0
            bitCount = 0
            guard inPosition + 4 <= input.count else { return false }
            let length = Int(input[inPosition]) | Int(input[inPosition + 1]) << 8
            let complement = Int(input[inPosition + 2]) | Int(input[inPosition + 3]) << 8
            inPosition += 4
            guard length == (~complement & 0xFFFF), inPosition + length <= input.count,
                  outCount + length <= output.count else { return false }
            for i in 0 ..< length { output[outCount + i] = input[inPosition + i] }
            inPosition += length
            outCount += length
            return true
        }

        /// The next symbol of `code`, or nil on an invalid code or the end of the input.
        mutating func decode(_ code: Huffman) -> Int? {
            var value = 0, first = 0, index = 0
            for length in 1 ..< 16 {
                guard let bit = bits(1) else { return nil }
                value |= bit
                let count = code.counts[length]
                if value - count < first { return code.symbols[index + (value - first)] }
                index += count
                first = (first + count) << 1
                value <<= 1
            }
            return nil
        }

        mutating func codes(_ lengthCode: Huffman, _ distanceCode: Huffman) -> Bool {
            while true {
                guard let symbol = decode(lengthCode) else { return false }
                if symbol < 256 {
                    guard outCount < output.count else { return false }
                    output[outCount] = UInt8(symbol)
                    outCount += 1
                } else if symbol == 256 {
                    return true
                } else {
                    let s = symbol - 257
                    guard s < 29, let extra = bits(Inflate.lengthExtra[s]),
                          let d = decode(distanceCode), d < 30,
                          let dExtra = bits(Inflate.distanceExtra[d]) else { return false }
                    let length = Inflate.lengthBase[s] + extra
                    let distance = Inflate.distanceBase[d] + dExtra
                    guard distance <= outCount, outCount + length <= output.count else { return false }
                    for i in 0 ..< length { output[outCount + i] = output[outCount - distance + i] }
                    outCount += length
                }
            }
        }

        mutating func dynamic() -> Bool {
            guard let nlen = bits(5), let ndist = bits(5), let ncode = bits(4) else { return false }
            let lengthCount = nlen + 257, distanceCount = ndist + 1
            guard lengthCount <= 286, distanceCount <= 30 else { return false }
            var lengths = [Int](repeating: 0, count: 320)
            for i in 0 ..< ncode + 4 {
                guard let l = bits(3) else { return false }
                lengths[Inflate.codeLengthOrder[i]] = l
            }
            guard let lencode = Huffman(lengths: lengths[0 ..< 19]) else { return false }
            var index = 0
            while index < lengthCount + distanceCount {
                guard var symbol = decode(lencode) else { return false }
                if symbol < 16 {
                    lengths[index] = symbol
                    index += 1
                    continue
                }
                var repeated = 0
                if symbol == 16 {
                    guard index > 0, let r = bits(2) else { return false }
                    repeated = lengths[index - 1]
                    symbol = 3 + r
                } else if symbol == 17 {
                    guard let r = bits(3) else { return false }
                    symbol = 3 + r
                } else {
                    guard let r = bits(7) else { return false }
                    symbol = 11 + r
                }
                guard index + symbol <= lengthCount + distanceCount else { return false }
                for _ in 0 ..< symbol { lengths[index] = repeated; index += 1 }
            }
            guard lengths[256] != 0,
                  let lengthCode = Huffman(lengths: lengths[0 ..< lengthCount]),
                  let distanceCode = Huffman(lengths: lengths[lengthCount ..< lengthCount + distanceCount])
            else { return false }
            return codes(lengthCode, distanceCode)
        }
    }
}
