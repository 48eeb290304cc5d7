/// Receives the lines of folded-stack text (`root;child;leaf COUNT`).
public protocol FoldedVisitor: AnyObject {
    /// One stack, root first, frames separated by `;`, with its weight.
    func stack(_ frames: UnsafeBufferPointer<UInt8>, count: UInt64, line: Int)
}

/// A streaming parser of folded stacks, the format of stackcollapse-*.pl and `flame fold`.
public struct FoldedParser {
    public init() {}

    /// Parses all of `source`; lines without a count are skipped and reported.
    public func parse(_ source: ByteSource, into visitor: FoldedVisitor) throws -> ParseReport {
        var report = ParseReport()
        try source.forEachLine { rawLine, number in
            report.lines = number
            var line = rawLine
            while let last = line.last, isSpace(last) { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
            if line.isEmpty || line[0] == 0x23 { return true }
            if let (stack, count) = FoldedParser.split(line) {
                report.records += 1
                visitor.stack(stack, count: count, line: number)
            } else {
                report.unrecognizedLines += 1
                if report.firstUnrecognized == nil {
                    report.firstUnrecognized = (number, InputError.excerpt(line))
                }
            }
            return true
        }
        return report
    }

    /// Splits `stack COUNT` at the last run of whitespace. Nil when the count is missing,
    /// not a whole number, or does not fit in 64 bits.
    public static func split(_ line: UnsafeBufferPointer<UInt8>) -> (UnsafeBufferPointer<UInt8>, UInt64)? {
        var end = line.count
        while end > 0 && isSpace(line[end - 1]) { end -= 1 }
        var p = end
        while p > 0 && isDigit(line[p - 1]) { p -= 1 }
        guard p < end, p > 0, isSpace(line[p - 1]) else { return nil }
        var value: UInt64 = 0
        for i in p..<end {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(line[i] &- 0x30))
            if o1 || o2 { return nil }
            value = s
        }
        var stackEnd = p - 1
        while stackEnd > 0 && isSpace(line[stackEnd - 1]) { stackEnd -= 1 }
        guard stackEnd > 0 else { return nil }
        return (slice(line, 0, stackEnd), value)
    }
}
