/// Receives the lines of folded-stack text (`root;child;leaf COUNT`).
public protocol FoldedVisitor: AnyObject {
    /// One stack, root first, frames separated by `;`, with its weight.
    func stack(_ frames: UnsafeBufferPointer<UInt8>, count: UInt64, line: Int)
}

/// A streaming parser of folded stacks, the format of stackcollapse-*.pl and `flame fold`.
public struct FoldedParser {
    /// The most the counts may add up to. Weights are 64-bit and would wrap past it, so a line
    /// whose count takes the total further is skipped and reported. A reader that scales counts
    /// (microseconds to nanoseconds) passes `UInt64.max` divided by its scale.
    public var maxTotal: UInt64

    /// A parser whose counts may add up to `maxTotal` (the default: any 64-bit total).
    public init(maxTotal: UInt64 = .max) {
        self.maxTotal = maxTotal
    }

    /// Parses all of `source`; lines without a count are skipped and reported, as are lines whose
    /// count does not fit in 64 bits or would take the total past `maxTotal`.
    public func parse(_ source: ByteSource, into visitor: FoldedVisitor) throws -> ParseReport {
        var report = ParseReport()
        var total: UInt64 = 0
        try source.forEachLine { rawLine, number in
            report.lines = number
            var line = rawLine
            while let last = line.last, isSpace(last) { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
            if line.isEmpty || line[0] == 0x23 { return true }
            switch FoldedParser.parts(line) {
            case .stack(let stack, let count):
                let (sum, overflow) = total.addingReportingOverflow(count)
                if overflow || sum > maxTotal {
                    report.dropRecord(line: number, "its count \(count) takes the total past \(maxTotal), the most a 64-bit weight holds")
                    return true
                }
                total = sum
                report.records += 1
                visitor.stack(stack, count: count, line: number)
            case .countTooLarge(let digits):
                report.dropRecord(line: number, "its count \(digits) does not fit in 64 bits")
            case .none:
                report.unrecognizedLines += 1
                if report.firstUnrecognized == nil {
                    report.firstUnrecognized = (number, InputError.excerpt(line))
                }
            }
            return true
        }
        return report
    }

    /// What a line is: a stack and its count, a stack whose count is a whole number too large for
    /// 64 bits (its first digits, for the message), or neither.
    public enum Parts {
        case stack(UnsafeBufferPointer<UInt8>, UInt64)
        case countTooLarge(String)
        case none
    }

    /// Splits `stack COUNT` at the last run of whitespace. Nil when the count is missing,
    /// not a whole number, or does not fit in 64 bits.
    public static func split(_ line: UnsafeBufferPointer<UInt8>) -> (UnsafeBufferPointer<UInt8>, UInt64)? {
        if case .stack(let stack, let count) = parts(line) { return (stack, count) }
        return nil
    }

    /// Whether the line has the shape of a folded stack, whatever the size of its count.
    public static func looksFolded(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        if case .none = parts(line) { return false }
        return true
    }

    /// Classifies one line (trailing whitespace ignored): stack and count, a count too large for 64 bits, or neither.
    public static func parts(_ line: UnsafeBufferPointer<UInt8>) -> Parts {
        var end = line.count
        while end > 0 && isSpace(line[end - 1]) { end -= 1 }
        var p = end
        while p > 0 && isDigit(line[p - 1]) { p -= 1 }
        guard p < end, p > 0, isSpace(line[p - 1]) else { return .none }
        var stackEnd = p - 1
        while stackEnd > 0 && isSpace(line[stackEnd - 1]) { stackEnd -= 1 }
        guard stackEnd > 0 else { return .none }
        var value: UInt64 = 0
        for i in p..<end {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(line[i] &- 0x30))
            if o1 || o2 {
                let digits = String(decoding: slice(line, p, min(end, p + 40)), as: UTF8.self)
                return .countTooLarge(end - p > 40 ? digits + "…" : digits)
            }
            value = s
        }
        return .stack(slice(line, 0, stackEnd), value)
    }
}
