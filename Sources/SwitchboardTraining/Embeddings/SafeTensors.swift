import Foundation

/// Reads the single two-dimensional tensor of a safetensors file as Float32.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON
/// (`{"NAME": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`), then
/// the raw row-major data, offsets relative to the end of the header. F16 and F32 are accepted;
/// F16 is widened exactly.
enum SafeTensors {
    /// The matrix of `bytes`: rows, columns and `rows × columns` floats.
    static func readMatrix(_ bytes: [UInt8]) throws(EmbeddingError) -> (rows: Int, columns: Int, values: [Float]) {
        guard bytes.count >= 8 else { throw .badSafetensors(reason: "shorter than its 8-byte header length") }
        let headerLength = bytes[0 ..< 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(bytes.count - 8), headerLength <= 100_000_000 else {
            throw .badSafetensors(reason: "header length \(headerLength) exceeds the file")
        }
        let dataStart = 8 + Int(headerLength)
        let json = try? JSONSerialization.jsonObject(with: Data(bytes[8 ..< dataStart]))
        guard let header = json as? [String: Any] else { throw .badSafetensors(reason: "header is not a JSON object") }
        let tensors = header.filter { $0.key != "__metadata__" }
        guard tensors.count == 1, let (name, value) = tensors.first, let tensor = value as? [String: Any] else {
            throw .badSafetensors(reason: "expected exactly one tensor, found \(tensors.count)")
        }
        guard let dtype = tensor["dtype"] as? String, let shape = tensor["shape"] as? [Int], shape.count == 2,
              let offsets = tensor["data_offsets"] as? [Int], offsets.count == 2 else {
            throw .badSafetensors(reason: "tensor \(name) lacks dtype, a 2-d shape or data_offsets")
        }
        let width: Int
        switch dtype {
        case "F16": width = 2
        case "F32": width = 4
        default: throw .badSafetensors(reason: "dtype \(dtype) is not F16 or F32")
        }
        let (rows, columns) = (shape[0], shape[1])
        guard rows > 0, columns > 0, rows <= 1 << 24, columns <= 1 << 16 else {
            throw .badSafetensors(reason: "shape \(shape) is out of range")
        }
        let length = rows * columns * width
        guard offsets[0] >= 0, offsets[1] - offsets[0] == length, offsets[1] <= bytes.count - dataStart else {
            throw .badSafetensors(reason: "data_offsets \(offsets) do not match shape \(shape) and the file size")
        }
        let start = dataStart + offsets[0]
        var values = [Float](repeating: 0, count: rows * columns)
        bytes.withUnsafeBytes { raw in
            for i in 0 ..< values.count {
                if width == 2 {
                    values[i] = halfToFloat(UInt16(raw[start + 2 * i]) | UInt16(raw[start + 2 * i + 1]) << 8)
                } else {
                    values[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self).littleEndian)
                }
            }
        }
        return (rows, columns, values)
    }

    /// IEEE-754 binary16 bits to Float32 (exact: subnormals, infinities and NaNs kept).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | mantissa << 13)
    }
}
