/// `--time`, as `perf script --time` spells it, before it is applied to a capture: absolute
/// ranges in seconds of perf's clock (`START,STOP`, either side empty for open; several ranges
/// separated by spaces), or slices of the capture in percent (`10%-20%`, `10%/2` for the second
/// 10% slice, `50%` for the first half, several separated by commas). Percent slices become
/// times with the capture's first and last sample times (`window(first:last:)`).
public struct TimeSelection: Sendable, Equatable, CustomStringConvertible {
    /// A range in ns; 0 stands for an open side, as in perf.
    public struct Absolute: Sendable, Equatable {
        public var start: UInt64
        public var end: UInt64
    }

    /// A slice as fractions (0...1) of the capture, from its first to its last sample.
    public struct Percent: Sendable, Equatable {
        public var start: Double
        public var end: Double
    }

    /// The ranges given, absolute or in percent.
    public enum Ranges: Sendable, Equatable {
        case absolute([Absolute])
        case percent([Percent])
    }

    /// The ranges as parsed.
    public let ranges: Ranges
    /// The option's text, as given.
    public let text: String

    /// Why a `--time` value is not one perf would accept.
    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public let reason: String
        public var description: String { "--time \(text): \(reason)" }
    }

    /// Parses `text` by the rules of perf's `perf_time__parse_for_ranges` (tools/perf/util/time-utils.c).
    public init(_ text: String) throws {
        self.text = text
        func invalid(_ reason: String) -> Invalid { Invalid(text: text, reason: reason) }
        if text.contains("%") {
            ranges = .percent(try TimeSelection.percentRanges(text, invalid))
            return
        }
        // Absolute: one range per comma; ranges separated by white space.
        let commas = text.reduce(0) { $0 + ($1 == "," ? 1 : 0) }
        guard commas > 0 else { throw invalid("give START,STOP in seconds as perf script prints them (either may be empty), or a slice such as 10%-20%") }
        let pieces = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard pieces.count == commas, pieces.allSatisfy({ $0.filter { $0 == "," }.count == 1 }) else {
            throw invalid("several ranges are separated by spaces, each START,STOP")
        }
        var out: [Absolute] = []
        for piece in pieces {
            let parts = piece.split(separator: ",", omittingEmptySubsequences: false)
            guard let start = TimeSelection.nanoseconds(parts[0]), let end = TimeSelection.nanoseconds(parts[1]) else {
                throw invalid("\(piece) is not START,STOP in seconds (at most 9 decimals)")
            }
            if end != 0 && end < start { throw invalid("\(piece) ends before it starts") }
            out.append(Absolute(start: start, end: end))
        }
        for i in out.indices.dropLast() where out[i].end >= out[i + 1].start {
            throw invalid("the ranges must be in order and must not overlap")
        }
        ranges = .absolute(out)
    }

    /// Whether the selection needs the capture's first and last sample times.
    public var needsSampleTimes: Bool {
        if case .percent = ranges { return true }
        return false
    }

    public var description: String { text }

    /// The ranges as times: percent slices of the span from `first` to `last` (ns), as perf sets
    /// them (`set_percent_time`: rounded, and one ns short of the next slice unless at the end).
    public func window(first: UInt64, last: UInt64) -> TimeWindow {
        switch ranges {
        case .absolute(let r):
            return TimeWindow(r.map { TimeWindow.Range(start: $0.start, end: $0.end == 0 ? .max : $0.end) })
        case .percent(let r):
            let total = last &- first
            return TimeWindow(r.map { p in
                let start = first &+ UInt64((p.start * Double(total)).rounded())
                var end = first &+ UInt64((p.end * Double(total)).rounded())
                if end > start && end != last { end -= 1 }
                return TimeWindow.Range(start: start, end: end)
            })
        }
    }

    /// An absolute selection's window (no capture needed); nil for percent slices.
    public var absoluteWindow: TimeWindow? {
        needsSampleTimes ? nil : window(first: 0, last: 0)
    }

    /// perf's `parse_nsec_time`: seconds, optionally `.` and up to 9 decimals; empty is 0 (open).
    static func nanoseconds(_ s: Substring) -> UInt64? {
        if s.isEmpty { return 0 }
        let dot = s.firstIndex(of: ".")
        let whole = s[..<(dot ?? s.endIndex)]
        let fraction = dot.map { s[s.index(after: $0)...] } ?? ""
        guard whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber), fraction.count <= 9,
              fraction.allSatisfy({ $0.isASCII && $0.isNumber }), !(whole.isEmpty && dot == nil) else { return nil }
        let seconds = whole.isEmpty ? 0 : UInt64(whole)
        let padded = fraction + String(repeating: "0", count: 9 - fraction.count)
        guard let seconds, let ns = UInt64(padded), seconds <= UInt64.max / 1_000_000_000 else { return nil }
        return seconds * 1_000_000_000 + ns
    }

    /// perf's `perf_time__percent_parse_str`: `P%/N` slices, else `P%-Q%` ranges, else one `P%`.
    private static func percentRanges(_ text: String, _ invalid: (String) -> Invalid) throws -> [Percent] {
        func percent(_ s: Substring) throws -> Double {
            guard s.hasSuffix("%"), let d = Double(s.dropLast()), d.isFinite else { throw invalid("\(s) is not a percentage") }
            return d / 100
        }
        func checked(_ p: Percent) throws -> Percent {
            guard (0...1).contains(p.start), (0...1).contains(p.end) else { throw invalid("a slice must lie within 0% and 100%") }
            return p
        }
        let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
        if text.contains("/") {
            return try pieces.map { piece in
                let parts = piece.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count == 2, let n = Int(parts[1]) else { throw invalid("\(piece) is not P%/N (the Nth slice of P%)") }
                let size = try percent(parts[0])
                guard size > 0 else { throw invalid("\(piece): a slice must be larger than 0%") }
                return try checked(Percent(start: size * Double(n - 1), end: size * Double(n)))
            }
        }
        if text.contains("-") {
            return try pieces.map { piece in
                let parts = piece.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw invalid("\(piece) is not P%-Q%") }
                return try checked(Percent(start: try percent(parts[0]), end: try percent(parts[1])))
            }
        }
        guard pieces.count == 1 else { throw invalid("several slices are P%-Q% or P%/N, separated by commas") }
        return [try checked(Percent(start: 0, end: try percent(pieces[0])))]
    }
}
