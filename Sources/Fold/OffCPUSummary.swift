/// What an off-CPU reading counted: time per thread and process, and how every interval ended,
/// so nobody reads more into the graph than the capture holds.
public struct OffCPUSummary: Sendable {
    public struct Thread: Sendable {
        public var tid: Int32
        public var pid: Int?
        public var comm: [UInt8]
        public var nanoseconds: UInt64 = 0
        /// Time after a switch-out whose end could not be dated (see `OffCPUPart.undated`).
        public var undatedNanoseconds: UInt64 = 0
        public var intervals: Int = 0
    }

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
    /// Intervals still open when the capture ended: dropped.
    public var openAtEnd = 0
    public var openAtEndNanoseconds: UInt64 = 0
    /// Threads that exited (state X or Z at their last switch-out).
    public var exited = 0
    /// Switch-outs left out by --state, --pid, --tid or --comm.
    public var filtered = 0
    /// Intervals shorter than --min-block-us.
    public var tooShort = 0
    /// First and last event time seen (ns).
    public private(set) var firstTime: UInt64 = .max
    public private(set) var lastTime: UInt64 = 0

    public init() {}

    mutating func note(time: UInt64) {
        if time < firstTime { firstTime = time }
        if time > lastTime { lastTime = time }
    }

    /// The index of thread `tid` in `threads` (added when new; its comm is the latest seen).
    mutating func thread(tid: Int32, pid: Int?, comm: [UInt8]) -> Int32 {
        if let i = index[tid] {
            threads[Int(i)].comm = comm
            if threads[Int(i)].pid == nil { threads[Int(i)].pid = pid }
            return i
        }
        let i = Int32(threads.count)
        threads.append(Thread(tid: tid, pid: pid, comm: comm))
        index[tid] = i
        return i
    }

    mutating func add(thread: Int32, nanoseconds: UInt64, undated: UInt64) {
        threads[Int(thread)].nanoseconds &+= nanoseconds
        threads[Int(thread)].undatedNanoseconds &+= undated
        threads[Int(thread)].intervals += 1
    }

    /// Time that could not be dated, over all threads.
    public var undatedNanoseconds: UInt64 { threads.reduce(0) { $0 &+ $1.undatedNanoseconds } }

    /// Intervals counted in the graph.
    public var counted: Int { threads.reduce(0) { $0 + $1.intervals } }

    /// Total off-CPU time counted.
    public var totalNanoseconds: UInt64 { threads.reduce(0) { $0 &+ $1.nanoseconds } }

    /// Capture span from the first to the last event.
    public var spanNanoseconds: UInt64 { lastTime > firstTime ? lastTime - firstTime : 0 }
}

extension OffCPUSummary {
    /// Lines for stderr: the total, the processes with the most off-CPU time (their threads
    /// inline), and how every interval ended.
    public func report(processes limit: Int = 10, duration: (UInt64) -> String) -> [String] {
        struct Process { var name: [UInt8]; var pid: Int?; var ns: UInt64 = 0; var threads: [Thread] = [] }
        var byKey: [String: Process] = [:]
        for t in threads where t.nanoseconds > 0 || t.undatedNanoseconds > 0 {
            let key = t.pid.map { "p\($0)" } ?? "c" + String(decoding: t.comm, as: UTF8.self)
            var p = byKey[key] ?? Process(name: t.comm, pid: t.pid)
            if let pid = t.pid, Int(t.tid) == pid { p.name = t.comm }
            p.ns &+= t.nanoseconds
            p.threads.append(t)
            byKey[key] = p
        }
        let processes = byKey.values.sorted { $0.ns != $1.ns ? $0.ns > $1.ns : $0.name.lexicographicallyPrecedes($1.name) }
        func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }
        var out = ["off-CPU: \(duration(totalNanoseconds))\(hasIntervals ? " in \(counted) intervals" : "") of \(threads.filter { $0.nanoseconds > 0 }.count) "
            + "threads in \(processes.count) processes" + (spanNanoseconds > 0 ? ", over \(duration(spanNanoseconds)) of capture" : "")
            + (undatedNanoseconds > 0 ? "; \(duration(undatedNanoseconds)) more could not be dated" : "")]
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
        if openAtEnd > 0 { ends.append("\(openAtEnd) still open at the end, dropped (\(duration(openAtEndNanoseconds)))") }
        if exited > 0 { ends.append("\(exited) ended by the thread's exit") }
        if tooShort > 0 { ends.append("\(tooShort) shorter than --min-block-us") }
        if filtered > 0 { ends.append("\(filtered) switch-outs left out by --state or the process filters") }
        out.append("intervals: " + ends.joined(separator: ", "))
        return out
    }
}
