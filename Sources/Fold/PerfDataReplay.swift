#if canImport(Glibc)
import Glibc
#endif
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
    private let symbolizer: Symbolizer
    private let kernelCache: String?
    private var kernel: KernelSymbols?
    private var kernelLooked = false
    private var kernelWarning: String?
    private var expected: Set<String> = []
    /// perf's saved copy of the vDSO the file recorded, when its cache has it.
    private let vdso: String?

    // Scratch bytes reused for every frame; the collapser copies what it keeps.
    private var commBytes: [UInt8] = []
    private var addressBytes: [UInt8] = []
    private let unknown = Array("[unknown]".utf8)

    /// `symbols`: where to look for symbols; the profile's own paths are always allowed, since
    /// perf.data carries build-ids to check them against.
    public init(file: PerfDataFile, options: CollapseOptions, symbols: SymbolizeOptions) {
        self.file = file
        var s = symbols
        s.useProfilePath = true
        s.inlineAndLines = options.inline || options.srcline
        symbolizer = Symbolizer(options: s)
        kernelCache = s.buildIDCache
        var o = options
        o.symbolizer = symbolizer
        self.options = o
        var ids: [String: String] = [:]
        for entry in file.header.buildIDs where entry.filename.hasPrefix("/") { ids[entry.filename] = entry.buildID }
        vdso = Self.vdsoImage(for: file, perfCache: s.buildIDCache)
        if let vdso, let id = file.header.buildIDs.first(where: { $0.filename == "[vdso]" })?.buildID { ids[vdso] = id }
        symbolizer.expectBuildIDs(ids)
        expected = Set(ids.keys)
    }

    /// `<cache>/[vdso]/<build-id>/vdso`: perf record saves the vDSO image there, and perf script
    /// names `[vdso]` frames from it.
    static func vdsoImage(for file: PerfDataFile, perfCache: String?) -> String? {
        guard let perfCache, let id = file.header.buildIDs.first(where: { $0.filename == "[vdso]" })?.buildID else { return nil }
        let path = "\(perfCache)/[vdso]/\(id)/vdso"
        return access(path, R_OK) == 0 ? path : nil
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
        if kernelFrames > 0, let w = kernelWarning { profile.notes.append("warning: \(w)") }
        profile.notes += symbolizer.warnings.map { "warning: \($0)" }
        symbolizer.saveCache()
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
                if case .mmap(let m) = record, let id = m.buildID, m.filename.hasPrefix("/"), !expected.contains(m.filename) {
                    expected.insert(m.filename)
                    self.symbolizer.expectBuildIDs([m.filename: id])
                }
                machine.apply(record)
                return
            }
            func add(_ frame: CallchainFrame) {
                if let m = machine.map(pid: s.pid, address: frame.address, cpumode: frame.cpumode), !m.isKernel {
                    if m.filename.hasPrefix("/") {
                        addresses[m.filename, default: []].append(m.fileOffset)
                    } else if m.filename == "[vdso]", let vdso {
                        addresses[vdso, default: []].append(m.fileOffset)
                    }
                }
            }
            if s.callchain.isEmpty { add(CallchainFrame(address: s.ip, cpumode: s.cpumode)) } else { for f in s.frames { add(f) } }
        }
        let work = addresses.sorted { $0.value.count > $1.value.count }
        let shared = symbolizer
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
            let name = kernelSymbols()?.name(at: frame.address)
            if var name {
                name.withUTF8 { deliver(address: frame.address, symbol: $0, dso: map.dsoName, collapser) }
                return false
            }
            deliver(address: frame.address, symbol: unknown, dso: map.dsoName, collapser)
            return true
        }
        // User frames: perf prints the file offset; the collapser asks the symbolizer for
        // `[unknown]` frames of real paths, which is what every user frame is at this point.
        let path = map.filename == "[vdso]" ? (vdso ?? map.filename) : map.filename
        deliver(address: map.fileOffset, symbol: unknown, dso: path, collapser)
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

    private func kernelSymbols() -> KernelSymbols? {
        if kernelLooked { return kernel }
        kernelLooked = true
        (kernel, kernelWarning) = Self.kernelSymbols(for: file, perfCache: kernelCache)
        return kernel
    }

    /// The kallsyms matching the kernel the file was recorded on (see `KernelSymbols.locate`).
    static func kernelSymbols(for file: PerfDataFile, perfCache: String?) -> (KernelSymbols?, String?) {
        let id = file.header.buildIDs.first { $0.filename.hasPrefix("[kernel.kallsyms]") }?.buildID
        // Pipe-mode and -z files carry no build-ids: trust the running kernel when the file says
        // it was recorded on this host under this kernel release.
        var host = utsname()
        uname(&host)
        let release = withUnsafeBytes(of: host.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let node = withUnsafeBytes(of: host.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let sameHost = file.header.osRelease == release && file.header.hostname == node
        let (found, warning) = KernelSymbols.locate(buildID: id, perfCache: perfCache, trustRunningKernel: sameHost)
        return (found, warning)
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
