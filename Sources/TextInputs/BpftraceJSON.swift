/// A cursor over one line of bpftrace's `-f json` output: just enough JSON to walk
/// `{"type": ..., "data": {"@name": {"key": value, ...}}}` without building a document.
struct JSONCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var p = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// A JSON number: a whole number that fits, one that does not, or anything else (negative,
    /// fractional, exponent).
    enum Number { case whole(UInt64), overflow, other }

    var atEnd: Bool { p >= bytes.count }

    mutating func skipSpace() {
        while p < bytes.count && (bytes[p] == 0x20 || bytes[p] == 0x09 || bytes[p] == 0x0A || bytes[p] == 0x0D) { p += 1 }
    }

    /// Consumes `byte` (after white space) if it is next.
    mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard p < bytes.count, bytes[p] == byte else { return false }
        p += 1
        return true
    }

    mutating func peek() -> UInt8? {
        skipSpace()
        return p < bytes.count ? bytes[p] : nil
    }

    /// Reads a string into `out` (replaced), decoding escapes to UTF-8; false when malformed.
    mutating func string(into out: inout [UInt8]) -> Bool {
        out.removeAll(keepingCapacity: true)
        guard take(0x22) else { return false }
        while p < bytes.count {
            let b = bytes[p]
            p += 1
            switch b {
            case 0x22:
                return true
            case 0x5C:
                guard p < bytes.count else { return false }
                let e = bytes[p]
                p += 1
                switch e {
                case 0x6E: out.append(0x0A)
                case 0x74: out.append(0x09)
                case 0x72: out.append(0x0D)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x75:
                    guard var scalar = hex4() else { return false }
                    if scalar >= 0xD800 && scalar < 0xDC00, p + 1 < bytes.count, bytes[p] == 0x5C, bytes[p + 1] == 0x75 {
                        p += 2
                        guard let low = hex4(), low >= 0xDC00 && low < 0xE000 else { return false }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    appendUTF8(Unicode.Scalar(scalar) ?? "\u{FFFD}", to: &out)
                default: out.append(e)  // \" \\ \/
                }
            default:
                out.append(b)
            }
        }
        return false
    }

    private mutating func hex4() -> UInt32? {
        guard p + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let d = hexValue(bytes[p]) else { return nil }
            value = value << 4 | UInt32(d)
            p += 1
        }
        return value
    }

    private func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        out.append(contentsOf: UTF8.encode(scalar)!)
    }

    /// The bytes of the number token at the cursor (digits, sign, point, exponent), taken; nil
    /// when there is none.
    private mutating func numberToken() -> UnsafeBufferPointer<UInt8>? {
        skipSpace()
        let start = p
        while p < bytes.count {
            let b = bytes[p]
            guard isDigit(b) || b == 0x2D || b == 0x2B || b == 0x2E || b == 0x65 || b == 0x45 else { break }
            p += 1
        }
        return p > start ? slice(bytes, start, p) : nil
    }

    /// Reads a number token; nil when the next value is not a number.
    mutating func number() -> Number? {
        guard let token = numberToken() else { return nil }
        if let value = OffCPUText.wholeNumber(token) { return .whole(value) }
        return token.allSatisfy(isDigit) ? .overflow : .other
    }

    /// A JSON number as a Double (fractions and exponents too); nil when there is none.
    mutating func double() -> Double? {
        guard let token = numberToken(), token.count < 40 else { return nil }
        return Double(String(decoding: token, as: UTF8.self))
    }

    /// Skips any value (string, number, literal, array, object); false when malformed.
    mutating func skipValue() -> Bool {
        guard let b = peek() else { return false }
        switch b {
        case 0x22:
            var scratch: [UInt8] = []
            return string(into: &scratch)
        case 0x7B, 0x5B:
            let close: UInt8 = b == 0x7B ? 0x7D : 0x5D
            p += 1
            if take(close) { return true }
            repeat {
                if b == 0x7B {
                    var scratch: [UInt8] = []
                    guard string(into: &scratch), take(0x3A) else { return false }
                }
                guard skipValue() else { return false }
            } while take(0x2C)
            return take(close)
        default:
            let start = p
            while p < bytes.count && !(bytes[p] == 0x2C || bytes[p] == 0x7D || bytes[p] == 0x5D || isSpace(bytes[p])) { p += 1 }
            return p > start
        }
    }
}
