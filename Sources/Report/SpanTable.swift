import ProfileModel

/// The table of the program's spans (`--spans`): per span its wall time, the on-CPU time of the
/// selected processes inside it and their off-CPU time, split by state. Columns begin with
/// `name, wall_ms, oncpu_ms, offcpu_ms`, as `flame top --spans --format csv` promises; CPU and
/// off-CPU are summed over the threads, so a phase that keeps two threads busy shows twice its
/// wall time on CPU.
public struct SpanTable: Sendable {
    /// One span's figures, ns.
    public struct Row: Sendable {
        public var span: Span
        public var onCPU: UInt64
        /// Off-CPU ns per state: sleeping, disk, runnable, other.
        public var offCPU: [UInt64]
        public var offCPUTotal: UInt64 { offCPU.reduce(0, &+) }
    }

    /// The off-CPU states of the columns, in order.
    public static let states: [TimeBuckets.Lane] = [.sleeping, .disk, .runnable, .other]

    /// The spans in time order.
    public let rows: [Row]
    /// Whether on-CPU weights are time (cpu-clock, task-clock): otherwise `oncpu_ms` is empty.
    public let onCPUIsTime: Bool
    /// Whether off-CPU time was counted (a capture of the scheduler's switches).
    public let hasOffCPU: Bool

    /// The spans of `on` (the on-CPU profile's totals) and `off` (the off-CPU one's), which hold the same spans.
    public init(on: SpanTotals?, off: SpanTotals?, onCPUIsTime: Bool) {
        let spans = (on ?? off)?.spans ?? []
        rows = spans.indices.map { i in
            Row(span: spans[i], onCPU: on?.total(i, .onCPU) ?? 0,
                offCPU: SpanTable.states.map { off?.total(i, $0) ?? 0 })
        }
        self.onCPUIsTime = onCPUIsTime
        hasOffCPU = off != nil
    }

    private init(rows: [Row], onCPUIsTime: Bool, hasOffCPU: Bool) {
        self.rows = rows
        self.onCPUIsTime = onCPUIsTime
        self.hasOffCPU = hasOffCPU
    }

    /// The `count` longest spans (by wall time; the earlier of equals), still in time order.
    public func longest(_ count: Int) -> SpanTable {
        guard rows.count > count else { return self }
        let keep = Set(rows.indices.sorted { rows[$0].span.wall != rows[$1].span.wall ? rows[$0].span.wall > rows[$1].span.wall : $0 < $1 }
            .prefix(count))
        return SpanTable(rows: rows.indices.filter(keep.contains).map { rows[$0] }, onCPUIsTime: onCPUIsTime, hasOffCPU: hasOffCPU)
    }

    static func ms(_ ns: UInt64) -> String {
        let us = (ns + 500) / 1000
        let frac = String(us % 1000)
        return "\(us / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
    }

    /// The table: name, wall_ms, oncpu_ms, offcpu_ms, the off-CPU states (`sleeping_ms`, ...), then
    /// `start` and `stop` in perf's seconds (a `--time` range that selects the same), and `row`,
    /// the span's row on the time strip (0, or below the spans it starts inside or beside).
    public var table: TextTable {
        let header = ["name", "wall_ms", "oncpu_ms", "offcpu_ms"] + SpanTable.states.map { "\($0)_ms" } + ["start", "stop", "row"]
        let body = rows.map { r -> [String] in
            [r.span.name, SpanTable.ms(r.span.wall),
             onCPUIsTime ? SpanTable.ms(r.onCPU) : "", hasOffCPU ? SpanTable.ms(r.offCPUTotal) : ""]
                + r.offCPU.map { hasOffCPU ? SpanTable.ms($0) : "" }
                + [TimeWindow.seconds(r.span.start), TimeWindow.seconds(r.span.end), String(r.span.row)]
        }
        return TextTable(header: header, rows: body, rightAligned: Set(1..<(header.count)), code: [0])
    }
}
