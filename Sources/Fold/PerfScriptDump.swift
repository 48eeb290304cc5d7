import ProfileModel
import PerfData
import TextInputs
import Symbolize
import Capture

/// `flame script`: the samples of a perf.data file as `perf script` text, symbolized by flame,
/// for debugging and for diffing against perf. The header line always has `comm pid/tid`,
/// `[cpu]` when sampled, time, period when sampled, and the event (with the tracepoint payload);
/// frames are `address symbol+0xoffset (dso)` as perf prints them. flame reads it back as input.
///
/// `--call-graph dwarf` samples get their user stacks unwound (as `flame fold` unwinds them),
/// printed after the kernel frames; a stack cut by the end of perf's copy just ends, as in perf's
/// text. Inlined calls are not printed (perf prints them as extra `(inlined)` lines).
public final class PerfScriptDump {
    private let file: PerfDataFile
    private let symbols: PerfDataSymbols
    /// What to say on stderr: damage, lost events, symbol sources not found.
    public private(set) var diagnostics: [Diagnostic] = []

    /// A dump of `file` symbolized by `symbols` (inlined calls and source lines not looked up).
    public init(file: PerfDataFile, symbols: SymbolizeOptions) {
        self.file = file
        self.symbols = PerfDataSymbols(file: file, options: symbols, inlineAndLines: false)
    }

    /// Writes the text in pieces of about 1 MiB through `flush`.
    public func write(_ flush: ([UInt8]) throws -> Void) throws {
        let machine = MachineState()
        let events = file.header.events
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20 + 4096)
        var line = ""
        // DWARF samples wait for their unwinding, and every sample after the first of them waits
        // with it to keep the order; the batch is unwound before maps change (and when full), so
        // the machine's maps name its frames as they were at its time.
        var unwinder: DwarfUserStacks?
        var pending: [(text: String, pid: Int32, unwound: Bool)] = []
        func unwindPending() {
            guard let u = unwinder, !pending.isEmpty else { return }
            u.submit()
            let stacks = u.collect()
            var next = 0
            for entry in pending {
                var text = entry.text
                if entry.unwound, next < stacks.count {
                    for pc in stacks[next].pcs {
                        text += "\t" + frameText(CallchainFrame(address: pc, cpumode: PerfRecordMisc.user), pid: entry.pid, machine) + "\n"
                    }
                    text += "\n"
                    next += 1
                }
                out.append(contentsOf: text.utf8)
            }
            pending.removeAll(keepingCapacity: true)
        }
        let report = try file.forEachRecord(ordered: true) { record in
            guard case .sample(let s) = record else {
                unwindPending()
                symbols.learn(record)
                machine.apply(record)
                unwinder?.apply(record)
                return
            }
            guard let index = s.eventIndex, index < events.count else { return }
            let event = events[index]
            line = machine.comm(tid: s.tid)
            line += " \(s.pid)/\(s.tid) "
            if event.sampleType.contains(.cpu) { line += "[" + pad(String(s.cpu), 3, "0") + "] " }
            line += pad(String(s.time / 1_000_000_000), 5, " ") + "." + pad(String(s.time % 1_000_000_000 / 1000), 6, "0") + ": "
            if let period = event.fixedPeriod ?? (event.sampleType.contains(.period) ? s.period : nil) {
                line += pad(String(period), 10, " ") + " "
            }
            line += event.name + ": "
            if let format = file.tracepointFormat(event: index), let payload = format.render(s.raw) { line += payload }
            if DwarfUserStacks.applies(to: s) {
                line += "\n"
                for f in s.frames where f.isKernel { line += "\t" + frameText(f, pid: s.pid, machine) + "\n" }
                if unwinder == nil { unwinder = DwarfUserStacks(symbols: symbols) }
                unwinder!.enqueue(s, machine: machine)
                pending.append((line, s.pid, true))
                if unwinder!.shouldFlush { unwindPending() }
                return
            }
            if s.callchain.isEmpty {
                line += frameText(CallchainFrame(address: s.ip, cpumode: s.cpumode), pid: s.pid, machine) + "\n"
            } else {
                line += "\n"
                for f in s.frames { line += "\t" + frameText(f, pid: s.pid, machine) + "\n" }
                line += "\n"
            }
            if pending.isEmpty {
                out.append(contentsOf: line.utf8)
            } else {
                pending.append((line, s.pid, false))
            }
            if out.count >= 1 << 20 {
                try flush(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        unwindPending()
        try flush(out)
        diagnostics += report.notes.map(Diagnostic.init)
        if let w = symbols.kernelWarning { diagnostics.append(.warning(.symbols, w)) }
        diagnostics += Diagnostic.symbols(symbols.symbolizer.warnings)
        symbols.symbolizer.saveCache()
        if let error = report.error, report.samples == 0 {
            throw InputError.unreadable(file: file.name, reason: error.description)
        }
    }

    /// `            162f hash+0x3f (/path)`, as perf script prints a frame.
    private func frameText(_ frame: CallchainFrame, pid: Int32, _ machine: MachineState) -> String {
        guard let map = machine.map(pid: pid, address: frame.address, cpumode: frame.cpumode) else {
            return pad(String(frame.address, radix: 16), 16, " ") + " [unknown] ([unknown])"
        }
        let printed = map.isKernel ? frame.address : map.fileOffset
        var symbol = "[unknown]"
        let path = map.isKernel ? nil : symbols.symbolFile(for: map)
        if map.isKernel {
            if let (name, start) = symbols.kernelSymbol(at: frame.address) { symbol = name + "+0x" + String(frame.address - start, radix: 16) }
        } else if let path, let f = symbols.symbolizer.frames(path: path, address: map.fileOffset)?.first {
            symbol = f.name + "+0x" + String(f.offset ?? 0, radix: 16)
        }
        // perf prints the runtime address for frames it cannot name in a file it could not read.
        let address = symbol == "[unknown]" && !map.isKernel && path == nil ? frame.address : printed
        return pad(String(address, radix: 16), 16, " ") + " " + symbol + " (" + map.dsoName + ")"
    }

    private func pad(_ s: String, _ width: Int, _ fill: Character) -> String {
        s.count >= width ? s : String(repeating: fill, count: width - s.count) + s
    }
}
