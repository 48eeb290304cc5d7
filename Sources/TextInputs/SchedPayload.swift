/// The scheduler tracepoints flame reads for off-CPU time, as `perf script` prints their payloads.
public enum SchedEventKind: Sendable, Equatable {
    case switchTask
    case wakeup
    case runtime
    case other

    /// The kind of an event name as perf prints it (`sched:sched_switch`, padded or not).
    public static func of(_ event: UnsafeBufferPointer<UInt8>) -> SchedEventKind {
        func ends(_ s: String) -> Bool { event.count >= s.utf8.count && event.suffix(s.utf8.count).elementsEqual(s.utf8) }
        if ends("sched:sched_switch") { return .switchTask }
        // sched_waking comes first (it is what perf sched record records); sched_wakeup follows it
        // on the target CPU. A new task's first wakeup (sched_wakeup_new) ends no wait.
        if ends("sched:sched_waking") || ends("sched:sched_wakeup") { return .wakeup }
        if ends("sched:sched_stat_runtime") { return .runtime }
        return .other
    }
}

/// `prev_comm=… prev_pid=… prev_prio=… prev_state=… ==> next_comm=… next_pid=… next_prio=…`.
///
/// Comms are not quoted and may contain spaces (`io worker`) or `=`, so the payload is split at
/// the fixed ` prev_pid=`, ` prev_state=`, ` ==> next_comm=` and ` next_pid=` anchors.
public struct SwitchPayload {
    /// Comm of the task switched out, a slice of the payload bytes (may hold spaces).
    public var prevComm: UnsafeBufferPointer<UInt8>
    /// `prev_pid=`: thread id (kernel pid) of the task switched out; 0 is the idle task.
    public var prevPid: Int
    /// `prev_state=` as perf prints it (`S`, `D`, `R+`, `I`, ...), a slice of the payload bytes.
    public var prevState: UnsafeBufferPointer<UInt8>
    /// Comm of the task switched in, a slice of the payload bytes.
    public var nextComm: UnsafeBufferPointer<UInt8>
    /// `next_pid=`: thread id (kernel pid) of the task switched in; 0 is the idle task.
    public var nextPid: Int

    /// Nil when the payload is not a sched_switch payload.
    public static func parse(_ p: UnsafeBufferPointer<UInt8>) -> SwitchPayload? {
        guard p.starts(with: "prev_comm=".utf8),
              let pidAt = find(p, " prev_pid=", from: 10),
              let stateAt = find(p, " prev_state=", from: pidAt),
              let arrow = find(p, " ==> next_comm=", from: stateAt),
              let nextPidAt = findLast(p, " next_pid=", after: arrow),
              let prevPid = integer(p, pidAt + 10), let nextPid = integer(p, nextPidAt + 10) else { return nil }
        let stateStart = stateAt + 12
        var stateEnd = stateStart
        while stateEnd < arrow && p[stateEnd] != 0x20 { stateEnd += 1 }
        return SwitchPayload(prevComm: slice(p, 10, pidAt), prevPid: prevPid.0, prevState: slice(p, stateStart, stateEnd),
                             nextComm: slice(p, arrow + 15, nextPidAt), nextPid: nextPid.0)
    }
}

/// `comm=… pid=… …` of sched_wakeup, sched_waking and sched_stat_runtime (`runtime=… [ns]`).
public struct TaskPayload {
    /// `comm=`: the task's comm, a slice of the payload bytes (may hold spaces).
    public var comm: UnsafeBufferPointer<UInt8>
    /// `pid=`: thread id (kernel pid) of the woken task, or of the running one for sched_stat_runtime.
    public var pid: Int
    /// sched_stat_runtime's `runtime=` in nanoseconds.
    public var runtime: UInt64?

    /// Nil when the payload has no `comm=` and ` pid=` fields.
    public static func parse(_ p: UnsafeBufferPointer<UInt8>) -> TaskPayload? {
        guard p.starts(with: "comm=".utf8), let pidAt = find(p, " pid=", from: 5),
              let (pid, afterPid) = integer(p, pidAt + 5) else { return nil }
        var runtime: UInt64?
        if let at = find(p, " runtime=", from: afterPid), let (value, _) = integer(p, at + 9), value >= 0 {
            runtime = UInt64(value)
        }
        return TaskPayload(comm: slice(p, 5, pidAt), pid: pid, runtime: runtime)
    }
}

/// The first index of `needle` in `p` at or after `from`.
private func find(_ p: UnsafeBufferPointer<UInt8>, _ needle: String, from: Int) -> Int? {
    let n = Array(needle.utf8)
    guard n.count <= p.count else { return nil }
    var i = from
    while i + n.count <= p.count {
        if p[i] == n[0] {
            var j = 1
            while j < n.count && p[i + j] == n[j] { j += 1 }
            if j == n.count { return i }
        }
        i += 1
    }
    return nil
}

/// The last index of `needle` in `p` after `after` (a next_comm may itself contain ` next_pid=`).
private func findLast(_ p: UnsafeBufferPointer<UInt8>, _ needle: String, after: Int) -> Int? {
    var found: Int?
    var from = after + 1
    while let i = find(p, needle, from: from) {
        found = i
        from = i + 1
    }
    return found
}

/// A decimal integer (optionally negative) at `at`, and the index after it.
private func integer(_ p: UnsafeBufferPointer<UInt8>, _ at: Int) -> (Int, Int)? {
    var i = at
    var negative = false
    if i < p.count && p[i] == 0x2D { negative = true; i += 1 }
    let start = i
    var v = 0
    while i < p.count && isDigit(p[i]) {
        guard v < Int.max / 10 - 10 else { return nil }
        v = v * 10 + Int(p[i] &- 0x30)
        i += 1
    }
    guard i > start else { return nil }
    return (negative ? -v : v, i)
}
