/// A growing byte buffer for SVG output with escaping and fast number formatting.
///
/// Frame names are attacker-controlled: everything that came from input goes through
/// `text(_:)`, which writes well-formed, markup-free XML character data from any bytes.
struct SVGBuffer {
    var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Writes a trusted string (numbers, fixed markup) without escaping.
    mutating func trusted(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    /// Writes untrusted text escaped for XML text and attribute values: markup characters
    /// become entities, invalid UTF-8, control characters and bidi overrides become U+FFFD,
    /// and line breaks become spaces (titles use them as separators).
    mutating func text(_ input: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let n = input.count
        while i < n {
            let b = input[i]
            if b < 0x80 {
                switch b {
                case 0x26: raw("&amp;")
                case 0x3C: raw("&lt;")
                case 0x3E: raw("&gt;")
                case 0x22: raw("&quot;")
                case 0x27: raw("&#39;")
                case 0x09, 0x0A, 0x0D: bytes.append(0x20)
                case 0x00...0x1F, 0x7F: replacement()
                default: bytes.append(b)
                }
                i += 1
                continue
            }
            // Decode one UTF-8 scalar by hand; anything malformed becomes U+FFFD.
            let (scalar, length) = SVGBuffer.decode(input, i)
            if let scalar, SVGBuffer.isAllowed(scalar) {
                bytes.append(contentsOf: input[i..<(i + length)])
            } else {
                replacement()
            }
            i += length
        }
    }

    mutating func text(_ s: String) {
        var copy = s
        copy.withUTF8 { text($0) }
    }

    @inline(__always) private mutating func replacement() {
        bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
    }

    /// Decodes the scalar at `i`: (value or nil when malformed, bytes consumed >= 1).
    static func decode(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32?, Int) {
        let b0 = s[i]
        let need: Int
        var value: UInt32
        switch b0 {
        case 0xC2...0xDF: need = 1; value = UInt32(b0 & 0x1F)
        case 0xE0...0xEF: need = 2; value = UInt32(b0 & 0x0F)
        case 0xF0...0xF4: need = 3; value = UInt32(b0 & 0x07)
        default: return (nil, 1)
        }
        guard i + need < s.count else { return (nil, 1) }
        for k in 1...need {
            let c = s[i + k]
            guard c & 0xC0 == 0x80 else { return (nil, 1) }
            value = value << 6 | UInt32(c & 0x3F)
        }
        // Reject overlong forms, surrogates and values past U+10FFFF.
        let minimum: UInt32 = need == 1 ? 0x80 : need == 2 ? 0x800 : 0x10000
        if value < minimum || (value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF { return (nil, 1) }
        return (value, need + 1)
    }

    /// Characters XML 1.0 allows that also cannot reorder or hide surrounding text.
    static func isAllowed(_ v: UInt32) -> Bool {
        if v >= 0x80 && v <= 0x9F { return false }                 // C1 controls
        if v == 0xFFFE || v == 0xFFFF { return false }
        if (v >= 0x202A && v <= 0x202E) || (v >= 0x2066 && v <= 0x2069) || v == 0x200E || v == 0x200F { return false }
        if v == 0x2028 || v == 0x2029 { return false }
        return true
    }

    /// Writes a non-negative integer in decimal without building a String.
    @inline(__always) mutating func int<T: BinaryInteger>(_ v: T) {
        var value = UInt64(clamping: v)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        withUnsafeMutableBytes(of: &digits) { scratch in
            var i = scratch.count
            repeat {
                i -= 1
                scratch[i] = UInt8(0x30 + value % 10)
                value /= 10
            } while value > 0
            bytes.append(contentsOf: scratch[i...])
        }
    }

    /// `v` with thousands separators, as `ValueFormat.grouped` ("1,234,567").
    mutating func grouped(_ v: UInt64) {
        var value = v
        var scratch: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 20 digits and 6 commas fit
        withUnsafeMutableBytes(of: &scratch) { buf in
            var i = buf.count, n = 0
            repeat {
                if n > 0 && n % 3 == 0 { i -= 1; buf[i] = 0x2C }
                i -= 1
                buf[i] = UInt8(0x30 + value % 10)
                value /= 10
                n += 1
            } while value > 0
            bytes.append(contentsOf: buf[i...])
        }
    }

    /// `part` of `whole` as `ValueFormat.percent` writes it ("12.34%"), the same arithmetic.
    mutating func percent(_ part: UInt64, of whole: UInt64) {
        guard whole > 0 else { raw("0.00%"); return }
        let hundredths = (Double(part) / Double(whole) * 10000).rounded()
        let scaled = (hundredths / 100 * 100).rounded()
        guard scaled >= 0 && scaled < 1e19 else { trusted(ValueFormat.percent(part, of: whole)); return }
        let s = UInt64(scaled)
        int(s / 100)
        bytes.append(0x2E)
        bytes.append(UInt8(0x30 + s % 100 / 10))
        bytes.append(UInt8(0x30 + s % 10))
        bytes.append(0x25)
    }

    /// A non-negative coordinate with at most two decimals, trailing zeros dropped.
    mutating func coord(_ v: Double) {
        var x = (v * 100).rounded()
        if x < 0 { bytes.append(0x2D); x = -x }
        let whole = UInt64(x) / 100
        let frac = UInt64(x) % 100
        int(whole)
        if frac != 0 {
            bytes.append(0x2E)
            bytes.append(UInt8(0x30 + frac / 10))
            if frac % 10 != 0 { bytes.append(UInt8(0x30 + frac % 10)) }
        }
    }
}
