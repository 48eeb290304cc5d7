/// A streaming parser of `perf sched timehist` output (perf 6.1), working on bytes.
///
/// A line is printed when a task is switched out, at time t:
///
///     time [cpu] [visual]  comm[tid/pid]  wait  sch-delay  run  [state] [next: comm[tid]]  chain
///
/// Its wait time is the off-CPU interval that ended when the run before t began; its chain (kernel
/// leaf first, `a <- b <- c`, cut at `--max-stack`, 5 by default, with `schedule`-like frames left
/// out by perf) is the stack the task blocks in at t, which belongs to the task's next interval.
/// So a record pairs each line's wait with the chain, state, comm and pid of the same thread's
/// previous line, and is delivered with the line number of the wait. A wait on a thread's first
/// line has no known stack: it is counted in the report (`waitsWithoutStack`), not delivered; a
/// thread's last chain has no closing wait. Waits under a microsecond give records of 0.
///
/// Times are msec with 3 decimals (perf truncates nanoseconds to whole microseconds), read
/// exactly: `blockedMicroseconds` is wait minus sch delay, `runqueueMicroseconds` the sch delay.
/// perf 6.1 reports no sch delay for preempted tasks (state `R`): their whole wait is "blocked".
/// The state (`--state`) is kept as printed, but perf 6.1's letters predate kernel 6.x: it prints
/// `K` for kernel `I`, swaps `X` and `Z`, and `W` for exiting tasks there; `I` on idle lines.
/// Without callchains at record time, records have no frames. User frames, when the chain
/// reaches them, are `[unknown]` (timehist does not name them).
///
/// `<idle>` lines and `:-1[-1/pid]` lines (threads that already exited share tid -1) are never
/// charged; `-w` wakeup and `-M` migration lines, the header and the `-S` summary are skipped.
public struct TimehistParser {
    /// A parser; it keeps nothing between inputs.
    public init() {}

    /// Parses all of `source`, calling `visitor` for each record; returns what was skipped.
    public func parse(_ source: ByteSource, into visitor: WaitRecordVisitor) throws -> ParseReport {
        var report = ParseReport()
        var columns = TimehistColumns()
        var inSummary = false
        var previous: [Int: TimehistPending] = [:]
        try source.forEachLine { raw, number in
            report.lines = number
            let line = OffCPUText.trimEnd(raw)
            guard !line.isEmpty else { return true }
            guard let event = TimehistLine.parse(line, columns: columns) else {
                if columns.readHeader(line) { return true }
                // -S/-s: "Runtime summary" (or "Idle-time summary" with -I) starts the tables.
                if OffCPUText.has(line, "Runtime summary") || OffCPUText.has(line, "Idle-time summary") {
                    inSummary = true
                }
                if !inSummary && !TimehistLine.isNoise(line) { report.unrecognized(line, number: number) }
                return true
            }
            guard let wait = event.wait, event.tid > 0 else { return true }
            if let earlier = previous[event.tid] {
                let queued = min(wait.delay, wait.total)
                let record = WaitRecord(comm: earlier.comm, pid: earlier.pid, tid: event.tid, state: earlier.state,
                                        frames: earlier.frames, blockedMicroseconds: wait.total - queued,
                                        runqueueMicroseconds: queued)
                report.records += 1
                visitor.record(record, line: number)
            } else if wait.total > 0 || wait.delay > 0 {
                report.waitsWithoutStack += 1
                report.waitMicrosecondsWithoutStack &+= max(wait.total, wait.delay)
            }
            previous[event.tid] = TimehistPending(comm: Array(event.comm), pid: event.pid,
                                                  state: event.state.map { Array($0) }, frames: event.rootFirstChain())
            return true
        }
        return report
    }
}

/// What a thread's latest line said about the interval it starts.
private struct TimehistPending {
    var comm: [UInt8]
    var pid: Int?
    var state: [UInt8]?
    var frames: [[UInt8]]
}

/// The optional columns, as the header announced them (nil: no header seen, guess per line).
struct TimehistColumns {
    var visual: Bool?
    var state: Bool?

    /// Takes the three header lines; false for any other line.
    mutating func readHeader(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        if let task = OffCPUText.find(line, "task name"), OffCPUText.find(line, "wait time") != nil {
            // `cpu  012  task name`: -V puts one digit per CPU between the two.
            if let cpu = OffCPUText.find(line, "cpu"), cpu + 3 <= task {
                visual = slice(line, cpu + 3, task).contains(where: { !isSpace($0) })
            }
            state = OffCPUText.ends(line, "state")
            return true
        }
        if OffCPUText.find(line, "[tid/pid]") != nil && OffCPUText.find(line, "(msec)") != nil { return true }
        return OffCPUText.has(line, "---------------")
    }
}

/// One event line of timehist output; slices point into the line.
struct TimehistLine {
    struct Wait {
        /// Wait time and sch delay, in microseconds.
        var total: UInt64
        var delay: UInt64
    }

    var comm: UnsafeBufferPointer<UInt8>
    var tid: Int
    var pid: Int?
    /// Nil on `awakened:`/`migrated:` lines.
    var wait: Wait?
    var state: UnsafeBufferPointer<UInt8>?
    var chain: UnsafeBufferPointer<UInt8>

    /// Lines perf writes to stderr that a `2>&1` capture mixes in.
    static func isNoise(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        OffCPUText.has(line, "Samples do not have callchains")
    }

    /// Parses `time [cpu] ...`; nil when the line is not an event line.
    static func parse(_ line: UnsafeBufferPointer<UInt8>, columns: TimehistColumns) -> TimehistLine? {
        let n = line.count
        var p = skipSpaces(line, 0)
        let timeStart = p
        while p < n && (isDigit(line[p]) || line[p] == 0x2E) { p += 1 }
        guard p > timeStart, p < n, line[p] == 0x20 else { return nil }
        p = skipSpaces(line, p)
        guard p < n, line[p] == 0x5B else { return nil }
        p += 1
        let cpuStart = p
        while p < n && isDigit(line[p]) { p += 1 }
        guard p > cpuStart, p < n, line[p] == 0x5D else { return nil }
        p = skipSpaces(line, p + 1)
        // -V: one of `s`/`i`/`m` (or nothing, on wakeup lines) in a column of its own.
        if p + 2 < n, line[p] == 0x73 || line[p] == 0x69 || line[p] == 0x6D, line[p + 1] == 0x20,
           columns.visual ?? (line[p + 2] == 0x20) {
            p = skipSpaces(line, p + 1)
        }
        let taskStart = p
        if OffCPUText.has(line, "<idle>", at: p) {
            var event = TimehistLine(comm: slice(line, p, p + 6), tid: 0, pid: nil, wait: nil, state: nil,
                                     chain: slice(line, n, n))
            event.wait = parseNumbers(line, from: p + 6)?.0
            return event
        }
        // The task is `comm[tid]` or `comm[tid/pid]`, comm with any bytes: try each `]` that is
        // followed by a space, from the left, until the rest of the line fits.
        var close = p
        while close < n {
            guard line[close] == 0x5D, close + 1 == n || line[close + 1] == 0x20,
                  let (tid, pid, open) = bracketIds(line, close: close, from: taskStart) else {
                close += 1
                continue
            }
            let comm = slice(line, taskStart, open)
            let after = skipSpaces(line, close + 1)
            if OffCPUText.has(line, "awakened: ", at: after) || OffCPUText.has(line, "migrated: ", at: after) {
                return TimehistLine(comm: comm, tid: tid, pid: pid, wait: nil, state: nil, chain: slice(line, n, n))
            }
            if let (wait, end) = parseNumbers(line, from: close + 1) {
                var event = TimehistLine(comm: comm, tid: tid, pid: pid, wait: wait, state: nil, chain: slice(line, n, n))
                event.parseTail(line, from: end, columns: columns)
                return event
            }
            close += 1
        }
        return nil
    }

    /// The ids in `[tid]` or `[tid/pid]` ending at `close`, and the index of `[`. A `[tid]` task
    /// has pid == tid (perf prints the short form then, or when the pid is unknown).
    private static func bracketIds(_ line: UnsafeBufferPointer<UInt8>, close: Int, from: Int) -> (Int, Int?, Int)? {
        var open = close - 1
        while open > from && line[open] != 0x5B && line[open] != 0x5D { open -= 1 }
        guard open >= from, line[open] == 0x5B else { return nil }
        let inside = slice(line, open + 1, close)
        if let slash = inside.firstIndex(of: 0x2F) {
            guard let tid = OffCPUText.id(slice(inside, 0, slash)),
                  let pid = OffCPUText.id(slice(inside, slash + 1, inside.count)) else { return nil }
            return (tid, pid, open)
        }
        guard let tid = OffCPUText.id(inside) else { return nil }
        return (tid, tid, open)
    }

    /// Three `msec.usec` numbers (wait, sch delay, run time); the wait part and the index after.
    private static func parseNumbers(_ line: UnsafeBufferPointer<UInt8>, from: Int) -> (Wait, Int)? {
        var p = from
        var values: (UInt64, UInt64) = (0, 0)
        for i in 0..<3 {
            guard p < line.count, isSpace(line[p]) else { return nil }
            p = skipSpaces(line, p)
            guard let (value, end) = milliseconds(line, from: p) else { return nil }
            if i == 0 { values.0 = value } else if i == 1 { values.1 = value }
            p = end
        }
        guard p == line.count || isSpace(line[p]) else { return nil }
        return (Wait(total: values.0, delay: values.1), p)
    }

    /// `digits.ddd` msec as microseconds, exactly (3 decimals: more are cut, fewer scaled).
    private static func milliseconds(_ line: UnsafeBufferPointer<UInt8>, from: Int) -> (UInt64, Int)? {
        var p = from
        while p < line.count && isDigit(line[p]) { p += 1 }
        guard p > from, p < line.count, line[p] == 0x2E,
              let whole = OffCPUText.wholeNumber(slice(line, from, p)) else { return nil }
        p += 1
        var fraction: UInt64 = 0
        var digits = 0
        while p < line.count && isDigit(line[p]) {
            if digits < 3 { fraction = fraction * 10 + UInt64(line[p] &- 0x30) }
            digits += 1
            p += 1
        }
        guard digits > 0 else { return nil }
        for _ in min(digits, 3)..<3 { fraction *= 10 }
        let (micros, overflow) = whole.multipliedReportingOverflow(by: 1000)
        guard !overflow, micros <= UInt64.max - fraction else { return nil }
        return (micros + fraction, p)
    }

    /// `[state]  [next: comm[tid]]  [chain]` after the three numbers.
    private mutating func parseTail(_ line: UnsafeBufferPointer<UInt8>, from: Int, columns: TimehistColumns) {
        let n = line.count
        var p = skipSpaces(line, from)
        guard p < n else { return }
        // --state prints one letter (`%5c`); without a header, a short token of letters followed
        // by two spaces or the end is taken for it (chain frames are joined by single spaces).
        var q = p
        while q < n && !isSpace(line[q]) { q += 1 }
        let token = slice(line, p, q)
        let looksLikeState = token.count <= 2 && token.allSatisfy { ($0 | 0x20) &- 0x61 < 26 || $0 == 0x2B }
            && (q == n || (q + 1 < n && line[q + 1] == 0x20))
        if columns.state ?? looksLikeState {
            state = token
            p = skipSpaces(line, q)
        }
        if OffCPUText.has(line, "next: ", at: p) {
            // `next: comm[tid]`, padded: the chain, if any, follows the last run of 2+ spaces.
            var end = p + 6
            while end < n {
                if line[end] == 0x5D && (end + 1 == n || (end + 2 < n && line[end + 1] == 0x20 && line[end + 2] == 0x20)) {
                    break
                }
                end += 1
            }
            p = skipSpaces(line, min(end + 1, n))
        }
        chain = slice(line, p, n)
    }

    /// The chain root first: `a <- b <- c` gives c, b, a.
    func rootFirstChain() -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var end = chain.count
        while end > 0 {
            var start = end
            while start > 0 && !(start >= 4 && OffCPUText.has(chain, " <- ", at: start - 4)) { start -= 1 }
            frames.append(Array(slice(chain, start, end)))
            end = start >= 4 ? start - 4 : 0
        }
        return frames
    }
}
