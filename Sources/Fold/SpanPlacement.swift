import ProfileModel
import PerfData
import TextInputs

/// `--spans FILE` as a reading takes it: the spans as read, and how far to move them.
public struct SpanRequest: Sendable {
    /// The spans, times as written (µs made ns).
    public var spans: ChromeTraceSpans
    /// `--spans-offset`: ns added to every span time (the capture's time of the spans' 0);
    /// nil: the spans are on CLOCK_MONOTONIC (or the wall clock, with HEADER_CLOCK_DATA).
    public var offset: Int64?

    public init(spans: ChromeTraceSpans, offset: Int64?) {
        self.spans = spans
        self.offset = offset
    }
}

/// How a reading places `--spans` on a capture's clock (`CollapseOptions.spans`): spans in µs of
/// CLOCK_MONOTONIC line up with a capture recorded with `-k CLOCK_MONOTONIC` as they are; spans
/// on the wall clock (µs since 1970) are moved by the capture's HEADER_CLOCK_DATA; spans that
/// count from their own 0 need `--spans-offset`. Anything else is refused, naming what is needed.
extension CollapseOptions {
    /// ns since the epoch past which span times are taken for the wall clock (2001-09-09).
    static let wallClockFloor: UInt64 = 1_000_000_000_000_000_000

    /// The spans placed on `file`'s clock, with their totals to fill; nil without `--spans`.
    package func spanTotals(in file: PerfDataFile) throws -> SpanTotals? {
        guard let request = spans else { return nil }
        let spansFile = request.spans.file
        guard !request.spans.spans.isEmpty else {
            throw InputError.selection(file: spansFile, detail: "--spans: no span in it (X events, B/E or b/e pairs)")
        }
        let events = file.header.events
        let monotonic = !events.isEmpty && events.allSatisfy { $0.useClockID && $0.clockID == 1 }
        var shift: Int64 = request.offset ?? 0
        if request.offset == nil {
            guard monotonic else {
                let clock = events.first.map { $0.useClockID ? "clock \($0.clockID)" : "perf's own clock" } ?? "perf's own clock"
                throw InputError.selection(file: file.name, detail: "--spans \(spansFile): this capture was recorded on \(clock), "
                    + "not CLOCK_MONOTONIC, so the spans' times cannot be placed on it: record with flame record (it passes "
                    + "-k CLOCK_MONOTONIC) or perf record -k CLOCK_MONOTONIC, or give --spans-offset SECONDS (the capture's "
                    + "time of the spans' 0)")
            }
            let first = request.spans.spans.map(\.start).min() ?? 0
            if first >= Self.wallClockFloor {
                guard let clock = file.header.clockData, clock.clockID == 1 else {
                    throw InputError.selection(file: file.name, detail: "--spans \(spansFile): the spans are on the wall clock "
                        + "(µs since 1970), and this capture has no HEADER_CLOCK_DATA to place them with (perf 5.9 or later "
                        + "writes it with -k): give --spans-offset SECONDS")
                }
                shift = Int64(clamping: clock.clockNanoseconds) - Int64(clamping: clock.wallNanoseconds)
            }
        }
        let placed = request.spans.spans.compactMap { $0.shifted(by: shift) }
        if let lo = file.header.sampleTimeFirst, let hi = file.header.sampleTimeLast, hi > 0,
           !placed.contains(where: { $0.end >= lo && $0.start <= hi }) {
            let a = placed.map(\.start).min() ?? 0, b = placed.map(\.end).max() ?? 0
            throw InputError.selection(file: spansFile, detail: "--spans: none of its \(request.spans.spans.count) spans "
                + "(\(TimeWindow.seconds(a))–\(TimeWindow.seconds(b))) falls inside the capture \(file.name) "
                + "(\(TimeWindow.seconds(lo))–\(TimeWindow.seconds(hi))): its times must be µs of CLOCK_MONOTONIC, or give "
                + "--spans-offset SECONDS if they count from the program's start")
        }
        return SpanTotals(placed)
    }

    /// Throws for `--spans` on input `name` that is not perf.data: text does not say which clock
    /// its times are on.
    package func requireNoSpans(file name: String) throws {
        guard let request = spans else { return }
        throw InputError.selection(file: name, detail: "--spans \(request.spans.file): spans need a perf.data capture "
            + "(its header says which clock its times are on); record with flame record or perf record -k CLOCK_MONOTONIC")
    }
}
