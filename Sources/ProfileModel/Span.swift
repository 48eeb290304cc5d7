/// One phase of the program's own making: a named stretch of time from a span file
/// (`--spans`, Chrome trace events), in ns of perf's clock once placed on the capture. Its window
/// is inclusive at both ends, as a `--time START,STOP` range is: a span and `--time` of its start
/// and end keep the same samples and the same parts of waits.
public struct Span: Sendable, Equatable {
    /// The event's name (attacker-controlled text: escape it where it is drawn).
    public var name: String
    /// Start and end, ns.
    public var start: UInt64
    public var end: UInt64
    /// Its row on the time strip: 0, or the first row free at its start (below the spans it
    /// starts inside or beside).
    public var row: Int

    public init(name: String, start: UInt64, end: UInt64, row: Int = 0) {
        self.name = name
        self.start = start
        self.end = end
        self.row = row
    }

    /// The span's wall time, ns.
    public var wall: UInt64 { end - start }

    /// The span as a `--time` selection of the capture.
    public var window: TimeWindow { TimeWindow([.init(start: start, end: end)]) }

    /// The span moved by `offset` ns (negative: earlier); nil when it would leave the clock's range.
    public func shifted(by offset: Int64) -> Span? {
        guard let s = Span.add(start, offset), let e = Span.add(end, offset) else { return nil }
        return Span(name: name, start: s, end: e, row: row)
    }

    private static func add(_ t: UInt64, _ offset: Int64) -> UInt64? {
        if offset >= 0 {
            let (v, o) = t.addingReportingOverflow(UInt64(offset))
            return o ? nil : v
        }
        let d = offset.magnitude
        return t >= d ? t - d : nil
    }
}
