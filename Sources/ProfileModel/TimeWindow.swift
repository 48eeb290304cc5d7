/// The times a `--time` selection keeps, in ns of perf's clock: one or more ranges, each
/// inclusive at both ends, as `perf script --time` keeps samples (`perf_time__ranges_skip_sample`).
/// A sample without a time (0) is always kept, as perf keeps it. Intervals (off-CPU waits) are
/// clipped: only their part inside the ranges counts.
public struct TimeWindow: Sendable, Equatable {
    /// An inclusive range; `start` 0 and `end` `UInt64.max` are open sides.
    public struct Range: Sendable, Equatable {
        public var start: UInt64
        public var end: UInt64

        public init(start: UInt64, end: UInt64) {
            self.start = start
            self.end = end
        }
    }

    /// The ranges, in order.
    public let ranges: [Range]

    public init(_ ranges: [Range]) { self.ranges = ranges }

    /// Whether a sample at `time` is kept.
    @inline(__always)
    public func keeps(_ time: UInt64) -> Bool {
        if time == 0 { return true }
        for r in ranges where time >= r.start && time <= r.end { return true }
        return false
    }

    /// The part of the interval from `start`, `length` ns long, inside the ranges: its length,
    /// and where that part begins (the first overlap).
    @inline(__always)
    public func clip(start: UInt64, length: UInt64) -> (length: UInt64, start: UInt64) {
        let end = start &+ length
        var kept: UInt64 = 0
        var first = start
        for r in ranges {
            // An inclusive end keeps the nanosecond it names: the range covers [start, end + 1).
            let rEnd = r.end == .max ? UInt64.max : r.end + 1
            let a = max(start, r.start), b = min(end, rEnd)
            guard b > a else { continue }
            if kept == 0 { first = a }
            kept &+= b - a
        }
        return (kept, first)
    }

    /// The earliest time kept, and the latest (`UInt64.max` when open).
    public var start: UInt64 { ranges.first?.start ?? 0 }
    public var end: UInt64 { ranges.last?.end ?? .max }

    /// How much of the span from `first` to `last` the ranges cover, in ns: the wall time a
    /// selection stands for.
    public func covered(first: UInt64, last: UInt64) -> UInt64 {
        guard last > first else { return 0 }
        return clip(start: first, length: last - first).length
    }

    /// The ranges as perf prints times (`1234.567890,1235.000000`), for messages.
    public var description: String {
        let s = TimeWindow.seconds
        return ranges.map { (r: Range) -> String in
            (r.start == 0 ? "" : s(r.start)) + "," + (r.end == .max ? "" : s(r.end))
        }.joined(separator: " ")
    }

    /// A time as perf prints it: seconds with six decimals (`1234.567890`).
    public static func seconds(_ t: UInt64) -> String {
        let frac = String((t % 1_000_000_000) / 1000)
        return "\(t / 1_000_000_000)." + String(repeating: "0", count: 6 - frac.count) + frac
    }
}
