import Dispatch
import PerfData
import PerfScript
import Symbolize

/// Folds a `perf.data` file by replaying each sample as `perf script` would print it into the
/// same `PerfScriptCollapser` that folds perf script text, so both inputs fold identically
/// (stackcollapse naming, event choice, --pid/--tid, --inline, --srcline).
///
/// User frames go to the symbolizer as (binary path, file offset), checked against the build-ids
/// the file recorded; kernel frames are named from the kallsyms matching the recorded kernel.
public final class PerfDataReplay {
    private let file: PerfDataFile
    private let options: CollapseOptions
    private let symbols: PerfDataSymbols

    // Scratch bytes reused for every frame; the collapser copies what it keeps.
    private var commBytes: [UInt8] = []
    private var addressBytes: [UInt8] = []
    private let unknown = Array("[unknown]".utf8)

    /// `symbols`: where to look for symbols (see `PerfDataSymbols`).
    public init(file: PerfDataFile, options: CollapseOptions, symbols: SymbolizeOptions) {
        self.file = file
        self.symbols = PerfDataSymbols(file: file, options: symbols, inlineAndLines: options.inline || options.srcline)
        var o = options
        o.symbolizer = self.symbols.symbolizer
        self.options = o
    }

    /// Reads every record in time order and returns the folded profile, with notes for lost
    /// events, damage (what was read before it is kept), and symbol sources not found.
    public func load() throws -> Profile {
        try prefetch()
        let collapser = PerfScriptCollapser(options: options)
        let machine = MachineState()
        let events = file.header.events
        let eventNames = events.map { Array($0.name.utf8) }
        let hasPeriod = events.map { $0.sampleType.contains(.period) }
        var kernelFrames = 0
        let report = try file.forEachRecord(ordered: true) { record in
            guard case .sample(let s) = record else {
                machine.apply(record)
                return
            }
            guard let index = s.eventIndex, index < events.count else { return }
            commBytes.removeAll(keepingCapacity: true)
            commBytes.append(contentsOf: machine.comm(tid: s.tid).utf8)
            let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            commBytes.withUnsafeBufferPointer { comm in
                eventNames[index].withUnsafeBufferPointer { event in
                    let header = ScriptHeader(comm: comm, pid: Int(s.pid), tid: Int(s.tid), cpu: Int(s.cpu),
                                              timeNanos: s.time, period: hasPeriod[index] ? s.period : nil,
                                              event: event, payload: empty)
                    collapser.record(header, line: 0)
                }
            }
            if s.callchain.isEmpty {
                if emit(CallchainFrame(address: s.ip, cpumode: s.cpumode), pid: s.pid, machine, collapser) { kernelFrames += 1 }
            } else {
                for frame in s.frames where emit(frame, pid: s.pid, machine, collapser) { kernelFrames += 1 }
            }
            collapser.endRecord()
        }
        collapser.finish()
        let profile = collapser.profile
        for m in report.messages { profile.notes.append("warning: \(m)") }
        if report.error != nil, report.samples > 0 {
            profile.notes.append("warning: \(file.name): drew the \(report.samples) samples read before the damage")
        }
        if kernelFrames > 0, let w = symbols.kernelWarning { profile.notes.append("warning: \(w)") }
        profile.notes += symbols.symbolizer.warnings.map { "warning: \($0)" }
        symbols.symbolizer.saveCache()
        if let error = report.error, report.samples == 0 {
            throw InputError.unreadable(file: file.name, reason: error.description)
        }
        return profile
    }

    /// Looks up every distinct user address once before folding: sorted per binary (neighbours
    /// share CUs and line tables), binaries in parallel (the symbolizer locks per binary, as
    /// libdw needs), so the fold pass finds every answer cached. Also learns the build-ids
    /// that `--buildid-mmap` files put in MMAP2 records.
    private func prefetch() throws {
        let machine = MachineState()
        var addresses: [String: [UInt64]] = [:]
        _ = try file.forEachRecord(ordered: true) { record in
            guard case .sample(let s) = record else {
                symbols.learn(record)
                machine.apply(record)
                return
            }
            func add(_ frame: CallchainFrame) {
                if let m = machine.map(pid: s.pid, address: frame.address, cpumode: frame.cpumode), !m.isKernel,
                   let path = symbols.symbolFile(for: m) {
                    addresses[path, default: []].append(m.fileOffset)
                }
            }
            if s.callchain.isEmpty { add(CallchainFrame(address: s.ip, cpumode: s.cpumode)) } else { for f in s.frames { add(f) } }
        }
        let work = addresses.sorted { $0.value.count > $1.value.count }
        let shared = symbols.symbolizer
        DispatchQueue.concurrentPerform(iterations: work.count) { i in
            _ = shared.frames(path: work[i].key, addresses: work[i].value, fileOffsets: true)
        }
    }

    /// Hands one frame to the collapser; true when it was a kernel frame left unnamed.
    private func emit(_ frame: CallchainFrame, pid: Int32, _ machine: MachineState, _ collapser: PerfScriptCollapser) -> Bool {
        guard let map = machine.map(pid: pid, address: frame.address, cpumode: frame.cpumode) else {
            deliver(address: frame.address, symbol: unknown, dso: "[unknown]", collapser)
            return false
        }
        if map.isKernel {
            if var name = symbols.kernelSymbol(at: frame.address)?.name {
                name.withUTF8 { deliver(address: frame.address, symbol: $0, dso: map.dsoName, collapser) }
                return false
            }
            deliver(address: frame.address, symbol: unknown, dso: map.dsoName, collapser)
            return true
        }
        // User frames: perf prints the file offset; the collapser asks the symbolizer for
        // `[unknown]` frames of real paths, which is what every user frame is at this point.
        deliver(address: map.fileOffset, symbol: unknown, dso: symbols.symbolFile(for: map) ?? map.filename, collapser)
        return false
    }

    private func deliver(address: UInt64, symbol: [UInt8], dso: String, _ collapser: PerfScriptCollapser) {
        symbol.withUnsafeBufferPointer { deliver(address: address, symbol: $0, dso: dso, collapser) }
    }

    private func deliver(address: UInt64, symbol: UnsafeBufferPointer<UInt8>, dso: String, _ collapser: PerfScriptCollapser) {
        addressBytes.removeAll(keepingCapacity: true)
        appendHex(address, to: &addressBytes)
        var dso = dso
        addressBytes.withUnsafeBufferPointer { address in
            dso.withUTF8 { dsoBytes in
                collapser.frame(FrameLine(address: address, symbol: symbol, offset: nil, dso: dsoBytes), line: 0)
            }
        }
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
