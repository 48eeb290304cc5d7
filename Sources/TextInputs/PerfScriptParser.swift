import ProfileModel
/// Receives the records of `perf script` text as the parser meets them.
public protocol PerfScriptVisitor: AnyObject {
    /// A record starts. Its frames follow, innermost first.
    func record(_ header: ScriptHeader, line: Int)
    /// One callchain frame of the current record.
    func frame(_ frame: FrameLine, line: Int)
    /// A non-frame line inside a record (srcline output such as `  file.c:37`).
    func sourceLine(_ text: UnsafeBufferPointer<UInt8>, line: Int)
    /// The current record is complete.
    func endRecord()
    /// The current record was cut off by the end of the input and must not be counted.
    func discardRecord()
}

/// What the parser saw besides records, for the one-time warnings on stderr.
public struct ParseReport: Sendable {
    /// Lines that were neither headers, frames, srclines nor comments.
    public var unrecognizedLines = 0
    /// The first of them: line number and an escaped excerpt.
    public var firstUnrecognized: (line: Int, excerpt: String)?
    /// Frame lines met outside any record.
    public var orphanFrames = 0
    /// Line number of a final record cut off by the end of input, if any.
    public var truncatedRecordLine: Int?
    /// Number of records.
    public var records = 0
    /// Records with at least one callchain frame line (none: recorded without `-g`).
    public var recordsWithCallchain = 0
    /// Total lines read.
    public var lines = 0
    /// Records of an aggregated off-CPU input that were read but not delivered: cut short before
    /// the input ended, or with a value that is not a whole number of microseconds.
    public var droppedRecords = 0
    /// The first of them: line number and why.
    public var firstDropped: (line: Int, reason: String)?
    /// bpftrace maps that were not read, each once, as `@name: why`.
    public var skippedMaps: [String] = []
    /// `perf sched timehist` waits (or sch delays) on a thread's first line: no earlier line holds
    /// their stack (the thread blocked before the capture began, or is new), so they are not
    /// delivered. Zero waits are not counted.
    public var waitsWithoutStack = 0
    /// Their total, in microseconds.
    public var waitMicrosecondsWithoutStack: UInt64 = 0

    /// An empty report: nothing read yet.
    public init() {}

    /// Counts a record that is not delivered; `reason` is built only for the first one.
    public mutating func dropRecord(line: Int, _ reason: @autoclosure () -> String) {
        droppedRecords += 1
        if firstDropped == nil { firstDropped = (line, reason()) }
    }

    /// Counts an unrecognized line, keeping the first one's excerpt.
    public mutating func unrecognized(_ line: UnsafeBufferPointer<UInt8>, number: Int) {
        unrecognizedLines += 1
        if firstUnrecognized == nil { firstUnrecognized = (number, InputError.excerpt(line)) }
    }

    /// Adds the report of the part of the input that follows this one (line numbers shift).
    public mutating func merge(_ next: ParseReport) {
        if firstUnrecognized == nil, let f = next.firstUnrecognized {
            firstUnrecognized = (f.line + lines, f.excerpt)
        }
        if firstDropped == nil, let f = next.firstDropped {
            firstDropped = (f.line + lines, f.reason)
        }
        unrecognizedLines += next.unrecognizedLines
        orphanFrames += next.orphanFrames
        recordsWithCallchain += next.recordsWithCallchain
        truncatedRecordLine = next.truncatedRecordLine.map { $0 + lines } ?? truncatedRecordLine
        records += next.records
        droppedRecords += next.droppedRecords
        skippedMaps += next.skippedMaps.filter { !skippedMaps.contains($0) }
        waitsWithoutStack += next.waitsWithoutStack
        waitMicrosecondsWithoutStack &+= next.waitMicrosecondsWithoutStack
        lines += next.lines
    }

    /// What the reading has to say about `file`, each with its place.
    public func diagnostics(file: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        if unrecognizedLines > 0, let first = firstUnrecognized {
            out.append(.warning(.skipped, subject: file, "\(unrecognizedLines) line(s) not understood and skipped (first at line \(first.line): \(first.excerpt))"))
        }
        if orphanFrames > 0 {
            out.append(.warning(.skipped, subject: file, "\(orphanFrames) frame line(s) outside any sample were skipped"))
        }
        if let line = truncatedRecordLine {
            out.append(.warning(.damage, subject: file, line: line,
                                "the last sample is cut off (no blank line ends its callchain); input truncated? It was not counted"))
        }
        if droppedRecords > 0, let first = firstDropped {
            out.append(.warning(.skipped, subject: file, line: first.line, "\(droppedRecords) record(s) skipped (first here: \(first.reason))"))
        }
        for map in skippedMaps {
            out.append(.warning(.skipped, subject: file, "bpftrace map \(map)"))
        }
        if waitsWithoutStack > 0 {
            out.append(.warning(.skipped, subject: file, "\(waitsWithoutStack) wait(s) of \(waitMicrosecondsWithoutStack) us in total ended on a "
                + "thread's first line, whose blocked stack is not in the input; they were not counted"))
        }
        return out
    }

    /// The diagnostics as printed, one per line, each starting with the file name.
    public func warnings(file: String) -> [String] { diagnostics(file: file).map(\.description) }
}

/// A streaming parser of `perf script` text that works on bytes.
///
/// Records are a header line, then frame lines (innermost first, tab-indented), then a blank
/// line. Records without a callchain are single lines; a record is closed by the next header
/// too, so such captures lose nothing. A final record whose callchain is not closed by a blank
/// line, in an input whose records are blank-terminated, is reported as truncated.
public struct PerfScriptParser {
    /// A parser; it keeps no state between `parse` calls.
    public init() {}

    /// Parses all of `source`, calling `visitor`; returns what was seen besides records.
    public func parse(_ source: ByteSource, into visitor: PerfScriptVisitor) throws -> ParseReport {
        var report = ParseReport()
        var inRecord = false
        var recordHasFrames = false
        var recordLine = 0
        var sawBlankTerminated = false

        try source.forEachLine { rawLine, number in
            report.lines = number
            var line = rawLine
            if let last = line.last, last == 0x0D { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
            if line.isEmpty {
                if inRecord {
                    visitor.endRecord()
                    inRecord = false
                    sawBlankTerminated = true
                }
                return true
            }
            let first = line[0]
            if first == 0x23 { return true }  // '#' comment
            if first != 0x09, let header = ScriptHeader.parse(line) {
                if header.event.map({ $0.starts(with: "PERF_RECORD_".utf8) }) ?? ScriptHeader.isSideBand(line) {
                    // --show-mmap-events and friends: no sample, but it ends one without a callchain.
                    if inRecord {
                        visitor.endRecord()
                        inRecord = false
                    }
                    return true
                }
                if inRecord { visitor.endRecord() }
                inRecord = true
                recordHasFrames = false
                recordLine = number
                report.records += 1
                visitor.record(header, line: number)
                // Without a callchain perf prints `addr sym (dso)` after the event.
                if header.event != nil, let p = header.payload.first, hexValue(p) != nil,
                   let frame = FrameLine.parse(header.payload) {
                    visitor.frame(frame, line: number)
                }
                return true
            }
            if let frame = FrameLine.parse(line) {
                if inRecord {
                    if !recordHasFrames { report.recordsWithCallchain += 1 }
                    recordHasFrames = true
                    visitor.frame(frame, line: number)
                } else {
                    report.orphanFrames += 1
                }
                return true
            }
            if inRecord && (first == 0x20 || first == 0x09) && !isBlank(line) {
                visitor.sourceLine(line, line: number)
                return true
            }
            report.unrecognizedLines += 1
            if report.firstUnrecognized == nil {
                report.firstUnrecognized = (number, InputError.excerpt(line))
            }
            return true
        }
        if inRecord {
            if recordHasFrames || sawBlankTerminated {
                visitor.discardRecord()
                report.truncatedRecordLine = recordLine
            } else {
                visitor.endRecord()
            }
        }
        return report
    }
}

private func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    for b in line where !isSpace(b) { return false }
    return true
}
