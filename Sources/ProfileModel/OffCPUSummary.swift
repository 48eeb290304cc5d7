/// What an off-CPU reading counted: time per thread and process, and how every interval ended,
/// so nobody reads more into the graph than the capture holds.
public struct OffCPUSummary: Sendable {
    /// The off-CPU time counted for one thread (a tid within one process).
    public struct Thread: Sendable {
        /// Thread id (the pid when the input gave only that); negative for a record with neither,
        /// told apart by comm.
        public var tid: Int32
        /// Process id; nil when the input did not say.
        public var pid: Int?
        /// The thread's comm, the latest seen.
        public var comm: [UInt8]
        /// The comm of its process's main thread, when the input said.
        public var processComm: [UInt8]?
        /// Its process in the capture's `ProcessTree`, when the input has one.
        public var process: UInt32?
        /// Off-CPU time counted in the headline (idle time apart), open-at-end waits included.
        public var nanoseconds: UInt64 = 0
        /// The same by switch-out state.
        public var byState = OffCPUStates()
        /// Time after a switch-out whose end could not be dated (see `OffCPUPart.undated`).
        public var undatedNanoseconds: UInt64 = 0
        /// Of `nanoseconds`, waits still open at the end of the capture (cut there).
        public var openAtEndNanoseconds: UInt64 = 0
        /// The one wait of an idle thread (see `OffCPUAccountant`): drawn, not in the headline.
        public var idleNanoseconds: UInt64 = 0
        /// Intervals counted for the thread (records, for inputs with totals only), its idle wait included.
        public var intervals: Int = 0
        /// Whether the thread is idle (its wait is `idleNanoseconds`).
        public var isIdle: Bool { idleNanoseconds > 0 }
    }

    /// Every thread seen, in first-seen order; `thread(tid:pid:comm:...)` returns indices into it.
    public private(set) var threads: [Thread] = []
    /// False for inputs that carry totals only (bcc, bpftrace, timehist): no interval counts.
    public var hasIntervals = true
    private var index: [Int32: Int32] = [:]

    /// Switch-outs of real threads (not the idle task) seen.
    public var switchOuts = 0
    /// Switches away from the idle task: only a system-wide capture has them.
    public var idleSwitchOuts = 0
    /// Intervals closed by their switch-in.
    public var switchInsMatched = 0
    /// Intervals whose switch-in was not recorded, dated by sched_stat_runtime.
    public var recoveredByRuntime = 0
    /// Intervals whose switch-in was not recorded, closed at the wakeup or the CPU's previous switch.
    public var recoveredByEstimate = 0
    /// Intervals whose switch-in was not recorded, with no evidence of when: all undated.
    public var unmatched = 0
    /// Intervals still open when the capture ended: cut at its end and counted.
    public var openAtEnd = 0
    /// Time of the waits still open at the end (cut there), summed over threads.
    public var openAtEndNanoseconds: UInt64 = 0
    /// Waits that began before the capture: the thread's first event is its switch-in (their
    /// start and stack were not recorded; counted here only, not drawn).
    public var waitsBeforeCapture = 0
    /// Time of those waits from the capture's first event to their switch-in, summed (reported, not drawn).
    public var waitsBeforeCaptureNanoseconds: UInt64 = 0
    /// Threads that exited (state X or Z at their last switch-out).
    public var exited = 0
    /// Switch-outs left out by --state, --pid, --tid or --comm.
    public var filtered = 0
    /// Intervals shorter than --min-block-us.
    public var tooShort = 0
    /// First and last event time seen (ns).
    public private(set) var firstTime: UInt64 = .max
    /// Latest event time seen (ns of perf's clock); 0 before any event.
    public private(set) var lastTime: UInt64 = 0

    /// `--time`: the ranges the counted time was clipped to; nil for the whole capture.
    public var window: TimeWindow?

    /// An empty summary; the off-CPU loaders fill it as they read.
    public init() {}

    package mutating func note(time: UInt64) {
        if time < firstTime { firstTime = time }
        if time > lastTime { lastTime = time }
    }

    /// The index of thread `tid` in `threads` (added when new; its comm is the latest seen). A tid
    /// met again in another process is another thread.
    package mutating func thread(tid: Int32, pid: Int?, comm: [UInt8], processComm: [UInt8]? = nil, process: UInt32? = nil) -> Int32 {
        if let i = index[tid], process == nil || threads[Int(i)].process == nil || threads[Int(i)].process == process {
            threads[Int(i)].comm = comm
            if threads[Int(i)].pid == nil { threads[Int(i)].pid = pid }
            if let processComm { threads[Int(i)].processComm = processComm }
            if threads[Int(i)].process == nil { threads[Int(i)].process = process }
            return i
        }
        let i = Int32(threads.count)
        threads.append(Thread(tid: tid, pid: pid, comm: comm, processComm: processComm, process: process))
        index[tid] = i
        return i
    }

    package mutating func add(thread: Int32, nanoseconds: UInt64, undated: UInt64, state: OffCPUState = .sleeping, openAtEnd: Bool = false) {
        threads[Int(thread)].nanoseconds &+= nanoseconds
        threads[Int(thread)].byState[state] &+= nanoseconds
        threads[Int(thread)].undatedNanoseconds &+= undated
        if openAtEnd {
            threads[Int(thread)].openAtEndNanoseconds &+= nanoseconds
            self.openAtEnd += 1
            openAtEndNanoseconds &+= nanoseconds
        }
        threads[Int(thread)].intervals += 1
    }

    package mutating func addIdle(thread: Int32, nanoseconds: UInt64) {
        threads[Int(thread)].idleNanoseconds &+= nanoseconds
        threads[Int(thread)].intervals += 1
    }

    /// The comm to name a thread's process by: its process's main thread's, else its own.
    package func processComm(thread: Int32) -> [UInt8] {
        let t = threads[Int(thread)]
        if let c = t.processComm { return c }
        if let pid = t.pid, let i = index[Int32(truncatingIfNeeded: pid)], threads[Int(i)].pid == pid { return threads[Int(i)].comm }
        return t.comm
    }

    /// Time that could not be dated, over all threads.
    public var undatedNanoseconds: UInt64 { threads.reduce(0) { $0 &+ $1.undatedNanoseconds } }

    /// Intervals counted in the graph.
    public var counted: Int { threads.reduce(0) { $0 + $1.intervals } }

    /// Total off-CPU time counted in the headline (idle threads apart), summed over threads.
    public var totalNanoseconds: UInt64 { threads.reduce(0) { $0 &+ $1.nanoseconds } }

    /// Threads with counted off-CPU time.
    public var waitingThreads: Int { threads.filter { $0.nanoseconds > 0 }.count }

    /// The idle threads' waits, left out of the headline.
    public var idleNanoseconds: UInt64 { threads.reduce(0) { $0 &+ $1.idleNanoseconds } }
    /// How many threads were found idle (see `OffCPUAccountant`).
    public var idleThreads: Int { threads.filter(\.isIdle).count }

    /// Counted off-CPU time by switch-out state.
    public var byState: OffCPUStates { threads.reduce(into: OffCPUStates()) { $0.add($1.byState) } }

    /// Capture span from the first to the last event; with `--time`, the part of it the ranges cover.
    public var spanNanoseconds: UInt64 {
        guard lastTime > firstTime else { return 0 }
        return window?.covered(first: firstTime, last: lastTime) ?? lastTime - firstTime
    }

    /// The first and last time the counted time can lie at: the capture's, within `--time`'s ranges.
    public var countedRange: ClosedRange<UInt64>? {
        guard lastTime >= firstTime else { return nil }
        guard let window else { return firstTime...lastTime }
        let a = max(firstTime, window.start), b = min(lastTime, window.end)
        return a <= b ? a...b : nil
    }
}

extension OffCPUSummary {
    /// Lines for stderr: the total (thread time, idle threads apart), the processes with the most
    /// off-CPU time (their threads inline), and how every interval ended.
    public func report(processes limit: Int = 10, duration: (UInt64) -> String) -> [String] {
        struct Process { var name: [UInt8]; var pid: Int?; var ns: UInt64 = 0; var idle: UInt64 = 0; var idleThreads = 0; var threads: [Thread] = [] }
        var byKey: [String: Process] = [:]
        for t in threads where t.nanoseconds > 0 || t.undatedNanoseconds > 0 || t.isIdle {
            let key = t.pid.map { "p\($0)" } ?? "c" + String(decoding: t.comm, as: UTF8.self)
            var p = byKey[key] ?? Process(name: t.processComm ?? t.comm, pid: t.pid)
            if let pid = t.pid, Int(t.tid) == pid { p.name = t.comm }
            p.ns &+= t.nanoseconds
            if t.isIdle {
                p.idle &+= t.idleNanoseconds
                p.idleThreads += 1
            } else {
                p.threads.append(t)
            }
            byKey[key] = p
        }
        let processes = byKey.values.sorted { $0.ns != $1.ns ? $0.ns > $1.ns : $0.name.lexicographicallyPrecedes($1.name) }
        func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }
        let waiting = waitingThreads
        var head = "off-CPU: \(duration(totalNanoseconds)) of thread time"
        head += hasIntervals ? " in \(counted) intervals" : ""
        head += ", summed over \(waiting) thread\(waiting == 1 ? "" : "s") of \(processes.filter { $0.ns > 0 }.count) processes (not wall time)"
        if spanNanoseconds > 0 { head += ", over \(duration(spanNanoseconds)) of capture" }
        if idleThreads > 0 {
            head += "; \(duration(idleNanoseconds)) more of \(idleThreads) idle thread\(idleThreads == 1 ? "" : "s") (parked in one wait "
                + "for their whole life: drawn under [idle: …]) left out"
        }
        if undatedNanoseconds > 0 { head += "; \(duration(undatedNanoseconds)) more could not be dated" }
        var out = [head]
        for p in processes.prefix(limit) {
            let ts = p.threads.sorted { $0.nanoseconds > $1.nanoseconds }
            func undated(_ ns: UInt64) -> String { ns > 0 ? " (+\(duration(ns)) undated)" : "" }
            var line = "  \(text(p.name))" + (p.pid.map { " (pid \($0))" } ?? "") + ": \(duration(p.ns))"
            if ts.count > 1 || ts.first.map({ $0.tid >= 0 && Int($0.tid) != p.pid }) == true {
                // Negative ids stand for threads the input named by comm only.
                line += " = " + ts.prefix(6).map { "\(text($0.comm))\($0.tid >= 0 ? " \($0.tid)" : "") \(duration($0.nanoseconds))\(undated($0.undatedNanoseconds))" }
                    .joined(separator: ", ")
                if ts.count > 6 { line += ", \(ts.count - 6) more threads" }
            }
            if p.idleThreads > 0 { line += "; idle: \(p.idleThreads) thread\(p.idleThreads == 1 ? "" : "s"), \(duration(p.idle))" }
            out.append(line)
        }
        if processes.count > limit {
            let rest = processes.dropFirst(limit)
            out.append("  \(rest.count) more processes: \(duration(rest.reduce(0) { $0 &+ $1.ns }))")
        }
        guard hasIntervals else { return out }
        var ends = ["\(switchInsMatched) closed at their switch-in"]
        if recoveredByRuntime > 0 { ends.append("\(recoveredByRuntime) dated by sched_stat_runtime (switch-in not recorded)") }
        if recoveredByEstimate > 0 {
            ends.append("\(recoveredByEstimate) closed at the wakeup or the CPU's previous switch (switch-in not recorded)")
        }
        if unmatched > 0 { ends.append("\(unmatched) without any sign of their end") }
        if undatedNanoseconds > 0 {
            ends.append("\(duration(undatedNanoseconds)) between those estimates and the thread's next event is drawn "
                + "as [switch-in not recorded]")
        }
        if openAtEnd > 0 {
            ends.append("\(openAtEnd) still open at the end, cut there and counted (\(duration(openAtEndNanoseconds)), "
                + "drawn under \(String(decoding: OffCPUFrames.openAtEndFrame, as: UTF8.self)))")
        }
        if exited > 0 { ends.append("\(exited) ended by the thread's exit") }
        if tooShort > 0 { ends.append("\(tooShort) shorter than --min-block-us") }
        if filtered > 0 { ends.append("\(filtered) switch-outs left out by --state or the process filters") }
        out.append("intervals: " + ends.joined(separator: ", "))
        if waitsBeforeCapture > 0 {
            out.append("\(waitsBeforeCapture) wait\(waitsBeforeCapture == 1 ? "" : "s") had begun before the capture (\(duration(waitsBeforeCaptureNanoseconds)) from its start "
                + "to their end): not counted, since neither their start nor their stack was recorded")
        }
        return out
    }
}
