/// Byte helpers shared by the parsers of aggregated off-CPU text (bcc, bpftrace, timehist).
enum OffCPUText {
    /// The line without a trailing "\r" (CRLF input) and trailing spaces.
    @inline(__always)
    static func trimEnd(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var end = line.count
        while end > 0 && isSpace(line[end - 1]) { end -= 1 }
        return slice(line, 0, end)
    }

    /// Whether `line` starts with `prefix` at `offset`.
    @inline(__always)
    static func has(_ line: UnsafeBufferPointer<UInt8>, _ prefix: StaticString, at offset: Int = 0) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard offset >= 0, line.count - offset >= count else { return false }
        let p = prefix.utf8Start
        for i in 0..<count where line[offset + i] != p[i] { return false }
        return true
    }

    /// Whether `line` ends with `suffix`.
    static func ends(_ line: UnsafeBufferPointer<UInt8>, _ suffix: StaticString) -> Bool {
        has(line, suffix, at: line.count - suffix.utf8CodeUnitCount)
    }

    /// The first index at or after `from` where `needle` starts, or nil.
    static func find(_ line: UnsafeBufferPointer<UInt8>, _ needle: StaticString, from: Int = 0) -> Int? {
        let count = needle.utf8CodeUnitCount
        var i = from
        while i + count <= line.count {
            if has(line, needle, at: i) { return i }
            i += 1
        }
        return nil
    }

    /// The bytes as an unsigned decimal number: nil when empty, not all digits, or past 64 bits.
    static func wholeNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var value: UInt64 = 0
        for b in bytes {
            guard isDigit(b) else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b &- 0x30))
            if o1 || o2 { return nil }
            value = s
        }
        return value
    }

    /// An id (tid, pid) printed in decimal, possibly negative (`-1` for exited threads).
    static func id(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if let first = bytes.first, first == 0x2D {
            return wholeNumber(slice(bytes, 1, bytes.count)).flatMap { $0 <= UInt64(Int.max) ? -Int($0) : nil }
        }
        return wholeNumber(bytes).flatMap { $0 <= UInt64(Int.max) ? Int($0) : nil }
    }
}
