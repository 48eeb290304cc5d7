import PerfData

/// One scheduler tracepoint of a capture, decoded: a switch, a wakeup or a runtime tally.
package enum SchedulerEvent {
    /// `sched:sched_switch`: `prevPid` (named `prevComm`) left the CPU in `prevState` (the kernel's
    /// raw bits, see `SchedulerEvents.letters`) and `nextPid` got it.
    case switched(prevComm: [UInt8], prevPid: Int64, prevState: UInt64, nextPid: Int64, event: Int)
    /// `sched:sched_waking` or `sched:sched_wakeup`: thread `pid` was woken, in the context (and
    /// with the stack) of the sample's own thread, its waker, unless `context` says an interrupt
    /// raised it (see `WakeContext`). `names`: whether this event names the waker (sched_waking
    /// always; sched_wakeup when the file has no sched_waking, as it can fire on the wakee's CPU).
    case woken(pid: Int64, context: WakeContext, namesWaker: Bool)
    /// `sched:sched_stat_runtime`: thread `pid` ran `runtime` ns.
    case ran(pid: Int64, runtime: Int64)
    /// A switch or runtime whose payload lacks a field it needs: nothing can be taken from it.
    case unreadable
}

/// Where a wakeup ran, from the tracepoint's `common_flags` (the kernel's TRACE_FLAG_* bits).
package struct WakeContext: Equatable, Sendable {
    /// The raw `common_flags` byte (0 when the format has none).
    package var flags: UInt8
    /// In a hard interrupt (TRACE_FLAG_HARDIRQ 0x08) or an NMI (0x40): no thread woke anyone.
    package var hardInterrupt: Bool { flags & 0x48 != 0 }
    /// Serving a softirq (TRACE_FLAG_SOFTIRQ 0x10): on the way out of an interrupt, or in the
    /// thread that re-enabled bottom halves (a loopback send), which is then the waker.
    package var softInterrupt: Bool { flags & 0x10 != 0 }

    package init(flags: UInt8) { self.flags = flags }
}

/// Decodes the scheduler tracepoints of a perf.data file by the tracepoint formats the file
/// carries (never by fixed offsets): the one place a capture's switches, wakeups and runtimes are
/// read, for every view that needs them.
package final class SchedulerEvents {
    private enum Decoder {
        case switchTask(prevComm: TracepointField, prevPid: TracepointField, prevState: TracepointField,
                        nextPid: TracepointField, states: SchedStateLetters)
        case wakeup(pid: TracepointField, flags: TracepointField?, namesWaker: Bool)
        case runtime(pid: TracepointField, runtime: TracepointField)
        case other
    }

    private let decoders: [Decoder]
    /// Scheduler events of the file that are sampled instead of recorded one by one (period != 1
    /// or a frequency), with how: most of their switches are missing.
    package let sampledEvents: [String]
    /// Whether the file records wakeups that name their waker (sched_waking, else sched_wakeup).
    package let namesWakers: Bool
    /// Whether those wakeups are sched_wakeup only (which may fire on the wakee's CPU, in another
    /// thread's context: some wakers are then wrong).
    package let wakersFromWakeupOnly: Bool

    /// The decoders of `file`'s events.
    package init(file: PerfDataFile) {
        let events = file.header.events
        let hasWaking = events.indices.contains { file.tracepointFormat(event: $0)?.fullName == "sched:sched_waking" }
        let decoders: [Decoder] = events.indices.map { i in
            guard let f = file.tracepointFormat(event: i) else { return .other }
            switch f.fullName {
            case "sched:sched_switch":
                guard let c = f.field("prev_comm"), let p = f.field("prev_pid"), let s = f.field("prev_state"),
                      let n = f.field("next_pid") else { return .other }
                return .switchTask(prevComm: c, prevPid: p, prevState: s, nextPid: n,
                                   states: SchedStateLetters(f.flagTables["prev_state"] ?? []))
            case "sched:sched_waking", "sched:sched_wakeup":
                let names = f.fullName == "sched:sched_waking" || !hasWaking
                return f.field("pid").map { .wakeup(pid: $0, flags: f.field("common_flags"), namesWaker: names) } ?? .other
            case "sched:sched_stat_runtime":
                guard let p = f.field("pid"), let r = f.field("runtime") else { return .other }
                return .runtime(pid: p, runtime: r)
            default:
                return .other
            }
        }
        var sampled: [String] = []
        for (i, e) in events.enumerated() {
            if case .other = decoders[i] { continue }
            if e.freq || e.samplePeriodOrFreq != 1 {
                sampled.append("\(e.name) (\(e.freq ? "\(e.samplePeriodOrFreq) Hz" : "period \(e.samplePeriodOrFreq)"))")
            }
        }
        self.decoders = decoders
        sampledEvents = sampled
        let wakeups = decoders.contains { if case .wakeup = $0 { return true }; return false }
        namesWakers = wakeups
        wakersFromWakeupOnly = wakeups && !hasWaking
    }

    /// The scheduler event sample `s` is, or nil for any other event (and for a wakeup without
    /// its pid, which still shows its thread alive).
    package func decode(_ s: PerfSample) -> SchedulerEvent? {
        guard let index = s.eventIndex, index < decoders.count else { return nil }
        let raw = s.raw
        switch decoders[index] {
        case let .switchTask(prevComm, prevPid, prevState, nextPid, _):
            guard let prev = TracepointFormat.integer(prevPid, in: raw), let next = TracepointFormat.integer(nextPid, in: raw),
                  let state = TracepointFormat.integer(prevState, in: raw) else { return .unreadable }
            var comm: [UInt8] = []
            if let b = TracepointFormat.bytes(prevComm, in: raw) {
                for byte in b { if byte == 0 { break }; comm.append(byte) }
            }
            return .switched(prevComm: comm, prevPid: prev, prevState: UInt64(bitPattern: state), nextPid: next, event: index)
        case let .wakeup(pid, flags, names):
            let context = WakeContext(flags: flags.flatMap { TracepointFormat.integer($0, in: raw) }.map { UInt8(truncatingIfNeeded: $0) } ?? 0)
            return TracepointFormat.integer(pid, in: raw).map { .woken(pid: $0, context: context, namesWaker: names) }
        case let .runtime(pid, runtime):
            guard let tid = TracepointFormat.integer(pid, in: raw), let r = TracepointFormat.integer(runtime, in: raw) else {
                return .unreadable
            }
            return .ran(pid: tid, runtime: r)
        case .other:
            return nil
        }
    }

    /// The letters of a switch's `prevState` (`perf script`'s, as the file's format prints them).
    package func letters(_ state: UInt64, event: Int, into out: inout [UInt8]) {
        guard case let .switchTask(_, _, _, _, states) = decoders[event] else { out.removeAll(); return }
        states.letters(state, into: &out)
    }
}
