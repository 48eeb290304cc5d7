/// The text formats flame reads, told apart by content, never by file name.
public enum InputFormat: String, Sendable {
    /// `perf script` output (also `perf sched script`).
    case perfScript = "perf script"
    /// Folded stacks: `frame;frame;frame COUNT`.
    case folded = "folded stacks"
    /// perf's binary `perf.data` (file or pipe mode), read by the PerfData module.
    case perfData = "perf.data"
    /// bcc `offcputime`/`offwaketime` default (multi-line) output, read by `BccOffCPUParser`.
    case bccOffCPU = "bcc offcputime output"
    /// A bpftrace map dump as text, read by `BpftraceParser`.
    case bpftrace = "bpftrace map dump"
    /// A bpftrace map dump with `-f json`, read by `BpftraceParser`.
    case bpftraceJSON = "bpftrace JSON map dump"
    /// `perf sched timehist` output, read by `TimehistParser`.
    case timehist = "perf sched timehist output"

    /// Whether the input holds off-CPU time a tool already measured (`WaitRecord`s), not samples.
    public var isAggregatedOffCPU: Bool {
        switch self {
        case .bccOffCPU, .bpftrace, .bpftraceJSON, .timehist: return true
        case .perfScript, .folded, .perfData: return false
        }
    }

    /// How many bytes of the input `detect` looks at.
    public static let sniffBytes = 256 * 1024

    /// Detects the format from the start of `source`, reading more when the first lines are
    /// longer than the sniff window (folded stacks of very deep recursion).
    public static func detect(_ source: ByteSource) throws -> InputFormat {
        let magic = try source.peek(8)
        // "PERFILE2" in either byte order (the byte-swapped one is refused with a clear error later).
        if magic.elementsEqual("PERFILE2".utf8) || magic.elementsEqual("2ELIFREP".utf8) { return .perfData }
        // A perf.data cut within its magic: the perf.data reader says how short it is.
        if magic.count >= 4 && magic.count < 8 && "PERFILE2".utf8.starts(with: magic) { return .perfData }
        var window = sniffBytes
        while true {
            let prefix = try source.peek(window)
            let whole = prefix.count < window
            if let format = try detect(prefix, file: source.name, wholeInput: whole) { return format }
            if window > ByteSource.maxLineLength {
                let lines = prefix.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
                throw InputError.lineTooLong(file: source.name, line: lines, limit: ByteSource.maxLineLength)
            }
            window = min(window * 8, ByteSource.maxLineLength + 1)
        }
    }

    /// Detects the format from the start of the input. Throws `InputError` naming the first
    /// line that fits no format; nil when the prefix ends inside the first line and more
    /// input is needed (never when `wholeInput`). The off-CPU text formats are told apart by
    /// their own lines (bpftrace's `@map[`, bcc's comm and `waker:` lines, timehist's header or
    /// `time [cpu] comm[tid]` lines); lines they share (indented frames, tools' stderr notes)
    /// make it look further.
    public static func detect(_ prefix: UnsafeBufferPointer<UInt8>, file: String, wholeInput: Bool = true) throws -> InputFormat? {
        var lineNumber = 0
        var foldedLines = 0
        var firstOdd: (Int, String)?
        var start = 0
        let n = prefix.count
        var examined = 0
        while start < n && examined < 200 {
            var end = start
            while end < n && prefix[end] != 0x0A { end += 1 }
            let complete = end < n
            lineNumber += 1
            var line = slice(prefix, start, end)
            start = end + 1
            if let last = line.last, last == 0x0D { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
            if line.isEmpty || line[0] == 0x23 { continue }
            if !complete && !wholeInput {
                // Cut by the window: judge it only when it is not the first line.
                if examined == 0 && foldedLines == 0 { return nil }
                break
            }
            examined += 1
            if line[0] == 0x09 && FrameLine.parse(line) != nil { return .perfScript }
            if line[0] != 0x09, let header = ScriptHeader.parse(line), header.event != nil {
                return .perfScript
            }
            if ScriptHeader.isSideBand(line) { return .perfScript }
            switch offCPUHint(line) {
            case .format(let format): return format
            case .undecided:
                // Not counted against the look-ahead: bcc prints up to 254 frames per record.
                examined -= 1
                if firstOdd == nil { firstOdd = (lineNumber, InputError.excerpt(line)) }
                continue
            case .none: break
            }
            if FoldedParser.looksFolded(line) {
                foldedLines += 1
                continue
            }
            if firstOdd == nil { firstOdd = (lineNumber, InputError.excerpt(line)) }
            if foldedLines == 0 { break }
        }
        if foldedLines > 0 { return .folded }
        if let (line, excerpt) = firstOdd {
            throw InputError.unknownFormat(file: file, line: line, found: excerpt)
        }
        throw InputError.empty(file: file)
    }

    private enum Hint {
        case format(InputFormat)
        /// A line the off-CPU formats share (stack frames, tools' stderr notes): look further.
        case undecided
        case none
    }

    /// What a line says about the off-CPU text formats.
    private static func offCPUHint(_ line: UnsafeBufferPointer<UInt8>) -> Hint {
        if OffCPUText.has(line, "{\"type\"") { return .format(.bpftraceJSON) }
        if line[0] == 0x40 {
            var i = 1
            while i < line.count && isWordByte(line[i]) { i += 1 }
            if i < line.count && (line[i] == 0x5B || OffCPUText.has(line, ": ", at: i)) { return .format(.bpftrace) }
            return .none
        }
        if OffCPUText.has(line, "Attaching "), OffCPUText.ends(line, "probes...") || OffCPUText.ends(line, "probe...") {
            return .format(.bpftrace)
        }
        if OffCPUText.has(line, "ERROR: "), OffCPUText.find(line, "RLIMIT_MEMLOCK") != nil
            || OffCPUText.has(line, "ERROR: failed to look up stack id") {
            return .undecided
        }
        if OffCPUText.has(line, "Tracing off-CPU time (us)") || OffCPUText.has(line, "Tracing blocked time (us)") {
            return .format(.bccOffCPU)
        }
        if OffCPUText.has(line, "    ") {
            let body = slice(line, 4, line.count)
            if OffCPUText.has(body, "waker:") || OffCPUText.has(body, "target:")
                || OffCPUText.has(body, "[Missed Kernel Stack]") || OffCPUText.has(body, "[Missed User Stack]")
                || (OffCPUText.has(body, "- ") && OffCPUText.ends(body, ")")) {
                return .format(.bccOffCPU)
            }
        }
        var columns = TimehistColumns()
        if columns.readHeader(line) && OffCPUText.find(line, "task name") != nil { return .format(.timehist) }
        if TimehistLine.parse(OffCPUText.trimEnd(line), columns: columns) != nil { return .format(.timehist) }
        if TimehistLine.isNoise(line) { return .undecided }
        if OffCPUText.has(line, "    ") && !FoldedParser.looksFolded(line) { return .undecided }
        return .none
    }
}
