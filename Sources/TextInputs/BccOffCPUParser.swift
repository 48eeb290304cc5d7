/// A streaming parser of the default (multi-line) output of bcc's `offcputime` and `offwaketime`
/// (bcc 0.26 print statements), working on bytes.
///
/// `offcputime` prints one record per stack pair, sorted by value:
///
///     Tracing off-CPU time (us) of all threads by user + kernel stack... Hit Ctrl-C to end.
///
///         finish_task_switch          kernel frames, leaf first
///         --                          with -d, when both stacks exist
///         clock_nanosleep             user frames, leaf first
///         -                slow sleeper (12121)      comm and the thread id
///             20768                   microseconds
///
/// `offwaketime` prints the waker first, root first, then the blocked task, leaf first:
///
///         waker:           ping 12119
///         __GI___write                waker user frames, then kernel frames (each without its leaf)
///         -                           with -d
///         anon_pipe_write
///         --               --
///         anon_pipe_read              blocked kernel frames, then user frames, leaf first
///         target:          pong 12120
///             2694
///
/// Records get frames root first (user root..leaf, then kernel root..leaf, bcc's `-f` order);
/// `[Missed Kernel Stack]`-style placeholders and the `-d` delimiter are kept as frames, the
/// delimiter as `-` as in `-f -d` output. The printed id is the thread id (`tid`); bcc prints no
/// process id. Values are microseconds, the tools' unit. The waker's comm ends `waker`; a sleep
/// that no recorded wakeup ended (waker comm empty, no stack) has an empty `waker`.
public struct BccOffCPUParser {
    /// A parser; it keeps nothing between inputs.
    public init() {}

    /// Parses all of `source`, calling `visitor` for each record; returns what was skipped.
    public func parse(_ source: ByteSource, into visitor: WaitRecordVisitor) throws -> ParseReport {
        var report = ParseReport()
        var state = BccRecordState()
        try source.forEachLine { raw, number in
            report.lines = number
            let line = OffCPUText.trimEnd(raw)
            state.take(line, number: number, report: &report, visitor: visitor)
            return true
        }
        if let start = state.start {
            report.dropRecord(line: start, "the input ends inside this record (no value line)")
        }
        return report
    }
}

/// The record being read, between its first line and its value line.
private struct BccRecordState {
    /// Line of the record's first line, nil between records.
    var start: Int?
    /// Blocked-task frames as printed (leaf first).
    var printed: [[UInt8]] = []
    /// offwaketime: the waker part, as printed (root first), and whether it is still being read.
    var waker: [[UInt8]] = []
    var wakerComm: [UInt8] = []
    var inWaker = false
    /// The comm line was read: only the value line may follow.
    var comm: [UInt8]?
    var tid: Int?

    mutating func reset() {
        start = nil
        printed.removeAll(keepingCapacity: true)
        waker.removeAll(keepingCapacity: true)
        wakerComm.removeAll(keepingCapacity: true)
        inWaker = false
        comm = nil
        tid = nil
    }

    mutating func dropIfOpen(_ report: inout ParseReport, _ reason: @autoclosure () -> String) {
        if let s = start { report.dropRecord(line: s, reason()) }
        reset()
    }

    mutating func take(_ line: UnsafeBufferPointer<UInt8>, number: Int, report: inout ParseReport,
                       visitor: WaitRecordVisitor) {
        if line.isEmpty {
            dropIfOpen(&report, "a blank line before the record's value line")
            return
        }
        guard OffCPUText.has(line, "    ") else {
            if OffCPUText.has(line, "Tracing off-CPU time") || OffCPUText.has(line, "Tracing blocked time") {
                dropIfOpen(&report, "a header line before the record's value line")
            } else if !(OffCPUText.has(line, "WARNING: ") || OffCPUText.has(line, "WARN: ")) {
                // bcc's own stderr notes are skipped silently; other lines may be interleaved
                // output and do not end the record.
                report.unrecognized(line, number: number)
            }
            return
        }
        if OffCPUText.has(line, "        "), let first = line.firstIndex(where: { !isSpace($0) }),
           isDigit(line[first]) || line[first] == 0x2D {
            value(slice(line, first, line.count), line: line, number: number, report: &report, visitor: visitor)
            return
        }
        let body = slice(line, 4, line.count)
        let isWakerLine = OffCPUText.has(body, "waker:")
        if comm != nil || isWakerLine {
            dropIfOpen(&report, isWakerLine ? "the next record began before this one's value line"
                                            : "a frame after the record's comm line, where its value was expected")
        }
        if start == nil { start = number }
        if isWakerLine {
            inWaker = true
            if let (name, _) = splitLast(labelled(line), openParen: false) { wakerComm = Array(name) }
            return
        }
        if OffCPUText.has(body, "--"), isSeparator(body) {
            inWaker = false
            return
        }
        if OffCPUText.has(body, "target:"), let (name, id) = splitLast(labelled(line), openParen: false) {
            comm = Array(name)
            tid = id
            return
        }
        if body.count == 2 && OffCPUText.has(body, "--") || body.count == 1 && body[0] == 0x2D {
            // -d delimiter: offcputime prints `--`, offwaketime `-`; -f prints `-` for both.
            if inWaker { waker.append([0x2D]) } else { printed.append([0x2D]) }
            return
        }
        if body[0] == 0x2D, body.count > 1, body[1] == 0x20, let (name, id) = splitLast(labelled(line), openParen: true) {
            comm = Array(name)
            tid = id
            return
        }
        if inWaker { waker.append(Array(body)) } else { printed.append(Array(body)) }
    }

    /// The value line: emits the record when its comm line was read.
    mutating func value(_ digits: UnsafeBufferPointer<UInt8>, line: UnsafeBufferPointer<UInt8>, number: Int,
                        report: inout ParseReport, visitor: WaitRecordVisitor) {
        guard let name = comm, let first = start else {
            if start == nil {
                report.unrecognized(line, number: number)
            } else {
                dropIfOpen(&report, "a value line without the comm line before it")
            }
            return
        }
        guard let micros = OffCPUText.wholeNumber(digits) else {
            dropIfOpen(&report, "the value \(InputError.excerpt(digits)) is not a whole number that fits in 64 bits")
            return
        }
        var wakerFrames: [[UInt8]] = []
        if !waker.isEmpty || !wakerComm.isEmpty {
            wakerFrames = waker
            wakerFrames.append(wakerComm)
        }
        let record = WaitRecord(comm: name, tid: tid, frames: printed.reversed(), waker: wakerFrames,
                                blockedMicroseconds: micros)
        report.records += 1
        visitor.record(record, line: first)
        reset()
    }

    /// The text after `    LABEL` padded to 16 columns and one space (`"    %-16s "`).
    private func labelled(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var p = 4
        while p < line.count && !isSpace(line[p]) { p += 1 }
        // The label's padding and the space after it end at column 21; a shorter run (hand-edited
        // text) ends at the first non-space.
        while p < line.count && p < 21 && line[p] == 0x20 { p += 1 }
        return slice(line, p, line.count)
    }

    /// `comm (tid)` (offcputime) or `comm tid` (offwaketime), split at the last separator so the
    /// comm may contain spaces and parentheses.
    private func splitLast(_ text: UnsafeBufferPointer<UInt8>, openParen: Bool) -> (UnsafeBufferPointer<UInt8>, Int)? {
        var end = text.count
        if openParen {
            guard end > 0, text[end - 1] == 0x29 else { return nil }
            end -= 1
        }
        var p = end
        while p > 0 && (isDigit(text[p - 1]) || text[p - 1] == 0x2D) { p -= 1 }
        guard p < end, let id = OffCPUText.id(slice(text, p, end)) else { return nil }
        if openParen {
            guard p >= 1, text[p - 1] == 0x28 else { return nil }
            p -= 1
        }
        // The comm is empty when the line is `label  tid` (no waker recorded).
        guard p == 0 || text[p - 1] == 0x20 else { return nil }
        return (slice(text, 0, max(0, p - 1)), id)
    }

    /// `--               --`, offwaketime's line between the waker and the blocked task.
    private func isSeparator(_ body: UnsafeBufferPointer<UInt8>) -> Bool {
        guard body.count > 4, OffCPUText.ends(body, "--") else { return false }
        for i in 2..<(body.count - 2) where body[i] != 0x20 { return false }
        return true
    }
}
