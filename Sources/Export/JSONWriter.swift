/// Appends JSON text to a byte buffer. Frame names are any bytes (perf prints what the binary
/// holds), so every string is made valid: invalid UTF-8 becomes U+FFFD, quotes, backslashes and
/// control characters are escaped, and so are U+2028/U+2029, which older JavaScript parsers
/// (chrome://tracing's) take for line ends.
struct JSONWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func raw(_ piece: [UInt8]) {
        bytes.append(contentsOf: piece)
    }

    mutating func string(_ text: String) {
        bytes.append(contentsOf: JSONWriter.quoted(text))
    }

    mutating func integer<T: BinaryInteger>(_ value: T) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Nanoseconds as microseconds with three decimals (trace-event timestamps), exact.
    mutating func microseconds(_ nanoseconds: UInt64) {
        integer(nanoseconds / 1000)
        let frac = nanoseconds % 1000
        if frac != 0 {
            bytes.append(UInt8(ascii: "."))
            bytes.append(UInt8(ascii: "0") + UInt8(frac / 100))
            bytes.append(UInt8(ascii: "0") + UInt8(frac / 10 % 10))
            bytes.append(UInt8(ascii: "0") + UInt8(frac % 10))
        }
    }

    /// `bytes` as a JSON string literal, quotes included.
    static func quoted(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        quoted(String(decoding: raw, as: UTF8.self))
    }

    /// `text` as a JSON string literal, quotes included.
    static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(text.utf8.count + 2)
        let hex = Array("0123456789abcdef".utf8)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20, 0x2028, 0x2029:
                let v = scalar.value
                out += Array("\\u".utf8)
                out += [hex[Int(v >> 12 & 0xF)], hex[Int(v >> 8 & 0xF)], hex[Int(v >> 4 & 0xF)], hex[Int(v & 0xF)]]
            default:
                UTF8.encode(scalar) { out.append($0) }
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }
}
