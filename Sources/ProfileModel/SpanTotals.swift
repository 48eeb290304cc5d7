/// Per span (`Span`), what the capture's samples and waits inside its window add up to:
/// on-CPU weight and off-CPU time by state (`TimeBuckets.Lane`), summed over every thread the
/// reading selected. Spans may nest and overlap; each takes everything inside its own window,
/// exactly as `--time` of that window would. Memory grows with the spans, not with the samples.
public struct SpanTotals: Sendable {
    /// The spans, ordered by start (then by end, longest first).
    public let spans: [Span]
    /// The greatest end among spans[0...i]: a query stops walking back where it falls below.
    private let reach: [UInt64]
    /// Weight per (span, lane): `weights[i * lanes + lane]`.
    private var weights: [UInt64]
    private static let lanes = TimeBuckets.Lane.allCases.count

    public init(_ spans: [Span]) {
        let sorted = spans.sorted { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
        self.spans = sorted
        var reach: [UInt64] = []
        reach.reserveCapacity(sorted.count)
        var m: UInt64 = 0
        for s in sorted {
            m = max(m, s.end)
            reach.append(m)
        }
        self.reach = reach
        weights = Array(repeating: 0, count: sorted.count * SpanTotals.lanes)
    }

    /// The weight span `i` took in `lane`.
    public func total(_ i: Int, _ lane: TimeBuckets.Lane) -> UInt64 { weights[i * SpanTotals.lanes + Int(lane.rawValue)] }

    /// Off-CPU time of span `i`, all states.
    public func offCPU(_ i: Int) -> UInt64 {
        TimeBuckets.Lane.allCases.filter { $0 != .onCPU }.reduce(0) { $0 &+ total(i, $1) }
    }

    /// Adds `weight` for a sample at `time` (0: untimed, in no span).
    public mutating func add(lane: TimeBuckets.Lane = .onCPU, time: UInt64, weight: UInt64) {
        guard time > 0, weight > 0 else { return }
        var i = lastStarting(atOrBefore: time)
        while i >= 0 && reach[i] >= time {
            if spans[i].end >= time { weights[i * SpanTotals.lanes + Int(lane.rawValue)] &+= weight }
            i -= 1
        }
    }

    /// Adds an interval from `start`, `length` ns long, of `weight`: each span takes the share
    /// of it that falls inside its window (a span's end keeps the nanosecond it names).
    public mutating func add(lane: TimeBuckets.Lane, start: UInt64, length: UInt64, weight: UInt64) {
        guard start > 0, weight > 0 else { return }
        guard length > 0 else { return add(lane: lane, time: start, weight: weight) }
        let end = start &+ length
        var i = lastStarting(atOrBefore: end &- 1)
        while i >= 0 && reach[i] >= start {
            let s = spans[i]
            let a = max(start, s.start), b = min(end, s.end &+ 1)
            if b > a {
                let part = b - a == length ? weight : UInt64((Double(b - a) / Double(length) * Double(weight)).rounded())
                weights[i * SpanTotals.lanes + Int(lane.rawValue)] &+= part
            }
            i -= 1
        }
    }

    /// The index of the last span starting at or before `time`; -1 when none does.
    private func lastStarting(atOrBefore time: UInt64) -> Int {
        var lo = 0, hi = spans.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if spans[mid].start <= time { lo = mid + 1 } else { hi = mid }
        }
        return lo - 1
    }
}
