import ProfileModel
import Dispatch
import PerfData
import TextInputs
import Symbolize
import Capture

/// Folds a `perf.data` file as its `perf script` text would fold: every sample's stack, named
/// by the rules that fold perf script text (`PerfDataStacks`), so both inputs fold identically
/// (stackcollapse naming, event choice, --pid/--tid, --inline, --srcline).
///
/// User frames go to the symbolizer as (binary path, file offset), checked against the build-ids
/// the file recorded; kernel frames are named from the kallsyms matching the recorded kernel.
/// A view of a `CaptureWalk`: it shares the walk (and its symbols) with the off-CPU view.
final class OnCPUPerfDataLoader: CaptureView {
    private let file: PerfDataFile
    private let stacks: PerfDataStacks
    private let eventNames: [[UInt8]]
    private let fixedPeriod: [UInt64?]
    private let hasTime: [Bool]
    private let filter: ProcessFilter
    /// `--time`: the samples kept.
    private let window: TimeWindow?
    private let activity = ProcessActivity()

    /// The on-CPU view of `walk`, folded with `options`; throws when `--time` cannot be placed.
    init(walk: CaptureWalk, options: CollapseOptions) throws {
        file = walk.file
        window = try options.window(in: walk.file)
        stacks = PerfDataStacks(capture: walk.stacks, file: file, options: options)
        stacks.collapser.profile.spanTotals = try options.spanTotals(in: walk.file)
        // In a capture of cpu-clock next to scheduler tracepoints, the on-CPU graph is the
        // clock's, whichever event came first.
        if options.eventFilter == nil, let sampling = file.header.samplingEventAmongTracepoints {
            stacks.collapser.preferEvent(sampling.name)
        }
        let events = file.header.events
        eventNames = events.map { Array($0.name.utf8) }
        fixedPeriod = events.map(\.fixedPeriod)
        hasTime = events.map { $0.sampleType.contains(.time) }
        filter = stacks.collapser.options.filter
    }

    let readsScheduler = false

    /// One sample of the walk.
    func sample(_ s: PerfSample, _ event: SchedulerEvent?) {
        guard let index = s.eventIndex, index < eventNames.count else { return }
        // perf script --time skips a sample outside the ranges before anything else looks at it.
        if let window, hasTime[index], !window.keeps(s.time) { return }
        let processes = stacks.processes
        let collapser = stacks.collapser
        let weight = eventNames[index].withUnsafeBufferPointer {
            collapser.admit(event: $0, period: fixedPeriod[index] ?? s.period)
        }
        guard let weight, filter.isEmpty || stacks.admits(s, filter) else { return }
        if hasTime[index] { collapser.profile.noteTime(s.time) }
        let node = stacks.node(of: s, root: stacks.root(of: s))
        stacks.add(node, weight: weight)
        activity.addOnCPU(processes.process(pid: s.pid), weight: weight)
        if stacks.keepsTimeline {
            stacks.log(time: hasTime[index] ? s.time : nil, pid: s.pid, tid: s.tid, node: node, weight: weight)
        }
    }

    /// Any other record of the walk: the shared state follows it.
    func record(_ record: PerfRecord) {}

    /// The profile once the walk has ended with `report`, with notes for lost events, damage
    /// (what was read before it is kept), and symbol sources not found.
    func finish(_ report: PerfReadReport) throws -> Profile {
        let events = file.header.events
        let profile = stacks.profile()
        if let kept = profile.event, let e = events.first(where: { $0.name == kept }) {
            profile.recordedWithoutCallStacks = !e.sampleType.contains(.callchain) && !e.sampleType.contains(.stackUser)
        }
        try stacks.requireRoots(filter)
        profile.processes = activity.table(stacks.processes, onCPU: profile.unit, offCPU: nil,
                                           lost: (report.lostEvents, report.lostSamples), everySelected: filter.choosesProcesses)
        profile.diagnostics += report.notes.map(Diagnostic.init)
        if report.error != nil, report.samples > 0 {
            profile.diagnostics.append(.warning(.damage, subject: file.name, "drew the \(report.samples) samples read before the damage"))
        }
        profile.diagnostics += stacks.takeWarnings() + stacks.stackWarnings
        if let error = report.error, report.samples == 0 {
            throw InputError.unreadable(file: file.name, reason: error.description)
        }
        return profile
    }
}

/// Appends lowercase hex digits (no `0x`), as perf script prints addresses.
@inline(__always)
func appendHex(_ value: UInt64, to out: inout [UInt8]) {
    var shift = (64 - value.leadingZeroBitCount + 3) / 4 * 4
    if shift == 0 { out.append(0x30); return }
    while shift > 0 {
        shift -= 4
        let d = UInt8(truncatingIfNeeded: (value >> UInt64(shift)) & 0xF)
        out.append(d < 10 ? 0x30 + d : 0x57 + d)
    }
}
