/// A mapping as a lookup returns it: where the address falls and what perf prints for it.
public struct MapRef: Sendable, Equatable {
    /// Path of the mapped file from the MMAP/MMAP2 record, or a pseudo name such as `[kernel.kallsyms]` or `[vdso]`.
    public var filename: String
    /// First virtual address of the map.
    public var start: UInt64
    /// End of the map (exclusive); `.max` for the kernel text map until a module map cuts it.
    public var end: UInt64
    /// File offset in bytes that `start` maps (MMAP/MMAP2 `pgoff`).
    public var pgoff: UInt64
    /// From an MMAP2 with a build-id (`--buildid-mmap`), else nil.
    public var buildID: String?
    /// MMAP2 `PROT_*` bits (4 = exec); 0 for a plain MMAP.
    public var prot: UInt32
    /// MMAP2 `MAP_*` flags (e.g. `MAP_SHARED`, `MAP_PRIVATE`); 0 for a plain MMAP.
    public var flags: UInt32
    /// Executable map: MMAP2 with `PROT_EXEC`, or an MMAP without the data bit in misc.
    public var isExecutable: Bool
    /// Kernel or kernel-module map (pid -1).
    public var isKernel: Bool
    /// The looked-up address.
    public var address: UInt64
    /// `address - start + pgoff` (perf's map__map_ip); for the kernel map the address itself.
    public var fileOffset: UInt64 { isKernel ? address : address &- start &+ pgoff }
    /// The dso as perf script prints it: `[kernel.kallsyms]` for the kernel text map, else the file name.
    public var dsoName: String { isKernel && filename.hasPrefix("[kernel.kallsyms]") ? "[kernel.kallsyms]" : filename }
}

/// Threads, comms and address-space maps, updated from MMAP/MMAP2/COMM/FORK/EXIT records (perf's machine).
///
/// Apply records in delivery order (`forEachRecord(ordered: true)`) so the state at a sample is the state at
/// its time, as perf script sees it.
public final class MachineState {
    private struct Thread {
        var pid: Int32
        var comm: Int32
    }

    private var threads: [Int32: Thread] = [:]
    /// Maps per process (pid); pid -1 holds the kernel and its modules.
    private var spaces: [Int32: MapTree] = [:]
    private var kernelStart: UInt64 = .max
    /// Mapped files by (name, build-id), so lookups hand out an index instead of Strings.
    private var dsos: [(filename: String, buildID: String?)] = []
    private var dsoIndex: [String: [Int32]] = [:]
    /// Comm strings by id; `commIndex` finds an id by text.
    private var comms: [String] = []
    private var commIndex: [String: Int32] = [:]
    /// perf's `:tid` names of threads never announced, by tid.
    private var anonymousComms: [Int32: Int32] = [:]
    /// A number that changes whenever a process's maps change, by pid.
    private var mapsVersions: [Int32: Int] = [:]
    private var lastMapsVersion = 0

    /// Starts with perf's idle thread: pid/tid 0 is `swapper`.
    public init() {
        threads[0] = Thread(pid: 0, comm: internComm("swapper"))
    }

    private func internComm(_ s: String) -> Int32 {
        if let id = commIndex[s] { return id }
        let id = Int32(comms.count)
        comms.append(s)
        commIndex[s] = id
        return id
    }

    private func internDSO(_ filename: String, _ buildID: String?) -> Int32 {
        if let ids = dsoIndex[filename], let id = ids.first(where: { dsos[Int($0)].buildID == buildID }) { return id }
        let id = Int32(dsos.count)
        dsos.append((filename, buildID))
        dsoIndex[filename, default: []].append(id)
        return id
    }

    /// Updates the state from a non-sample record (samples and other records are ignored).
    public func apply(_ record: PerfRecord) {
        switch record {
        case .mmap(let m): applyMmap(m)
        case .comm(let c): threads[c.tid] = Thread(pid: c.pid, comm: internComm(c.comm))
        case .fork(let f): applyFork(f)
        default: break
        }
    }

    private func applyMmap(_ m: MmapRecord) {
        let kernelPid: Int32 = -1
        let isKernel = m.pid == kernelPid
        var end = m.end
        if isKernel && m.filename.hasPrefix("[kernel.kallsyms]") {
            kernelStart = min(kernelStart, m.start)
            // The MMAP covers only _text.._etext, but perf resolves the whole kernel image (init text too)
            // through it: the map runs until a later module map cuts it.
            end = .max
        }
        let entry = MapTree.Entry(start: m.start, end: end, pgoff: m.pgoff, dso: internDSO(m.filename, m.buildID),
                                  prot: m.prot, flags: m.flags, isExecutable: m.isExecutable)
        spaces[m.pid, default: MapTree()].insert(entry)
        lastMapsVersion += 1
        mapsVersions[m.pid] = lastMapsVersion
    }

    private func applyFork(_ f: TaskRecord) {
        let parentComm = threads[f.ptid]?.comm ?? threads[f.ppid]?.comm ?? internComm(":\(f.ptid)")
        threads[f.tid] = Thread(pid: f.pid, comm: parentComm)
        // A new process starts with a copy of its parent's address space; a new thread shares it (same pid).
        if f.pid != f.ppid, let parent = spaces[f.ppid] {
            spaces[f.pid] = parent
            lastMapsVersion += 1
            mapsVersions[f.pid] = lastMapsVersion
        }
    }

    /// The executable user maps of process `pid` now, each with its file id (`dso(_:)`).
    public func executableMaps(pid: Int32) -> [(dso: Int32, start: UInt64, end: UInt64, pgoff: UInt64)] {
        (spaces[pid]?.entries ?? []).filter(\.isExecutable).map { ($0.dso, $0.start, $0.end, $0.pgoff) }
    }

    /// A number that changes whenever the maps of process `pid` change (0: none seen yet).
    public func mapsVersion(pid: Int32) -> Int { mapsVersions[pid] ?? 0 }

    /// The comm of thread `tid` now (perf's `:tid` when none was seen).
    public func comm(tid: Int32) -> String { comms[Int(commID(tid: tid))] }

    /// An id of the comm of thread `tid` now: equal ids are equal comms (see `commName`).
    public func commID(tid: Int32) -> Int32 {
        if let t = threads[tid] { return t.comm }
        if let id = anonymousComms[tid] { return id }
        let id = internComm(":\(tid)")
        anonymousComms[tid] = id
        return id
    }

    /// The comm text of an id from `commID`.
    public func commName(_ id: Int32) -> String { comms[Int(id)] }

    /// The file name and build-id of a `MapHit.dso`.
    public func dso(_ id: Int32) -> (filename: String, buildID: String?) { dsos[Int(id)] }

    /// The maps a sample of process `pid` resolves its frames in, looked up once per sample.
    public func addressSpace(pid: Int32) -> AddressSpace {
        AddressSpace(user: spaces[pid], kernel: spaces[-1], kernelStart: kernelStart)
    }

    /// The process of thread `tid`, if known.
    public func pid(tid: Int32) -> Int32? { threads[tid]?.pid }

    /// The map containing `address` for process `pid` in `cpumode` (kernel modes use the kernel maps);
    /// user addresses inside the kernel range fall back to the kernel maps, as perf does.
    public func map(pid: Int32, address: UInt64, cpumode: UInt8) -> MapRef? {
        switch cpumode {
        case PerfRecordMisc.kernel:
            return spaces[-1]?.find(address).map { ref($0, address, kernel: true) }
        case PerfRecordMisc.user:
            if let e = spaces[pid]?.find(address) { return ref(e, address, kernel: false) }
            if address >= kernelStart, let e = spaces[-1]?.find(address) { return ref(e, address, kernel: true) }
            return nil
        default:
            return nil
        }
    }

    /// What perf script prints in parentheses for a frame: the map's dso, or `[unknown]`.
    public func dsoName(pid: Int32, address: UInt64, cpumode: UInt8) -> String {
        map(pid: pid, address: address, cpumode: cpumode)?.dsoName ?? "[unknown]"
    }

    /// The address perf script prints for a callchain frame: the file offset inside its map, else the address.
    public func printedAddress(pid: Int32, frame: CallchainFrame) -> UInt64 {
        map(pid: pid, address: frame.address, cpumode: frame.cpumode)?.fileOffset ?? frame.address
    }

    /// All maps of process `pid` (-1: kernel), sorted by start.
    public func maps(pid: Int32) -> [MapRef] {
        (spaces[pid]?.entries ?? []).map { ref($0, $0.start, kernel: pid == -1) }
    }

    private func ref(_ e: MapTree.Entry, _ address: UInt64, kernel: Bool) -> MapRef {
        let d = dsos[Int(e.dso)]
        return MapRef(filename: d.filename, start: e.start, end: e.end, pgoff: e.pgoff, buildID: d.buildID, prot: e.prot,
                      flags: e.flags, isExecutable: e.isExecutable, isKernel: kernel, address: address)
    }
}

/// Where a frame address falls, without Strings: the mapped file's id (`MachineState.dso`) and
/// what perf prints for the frame.
public struct MapHit: Equatable, Sendable {
    /// Id of the mapped file; `MachineState.dso(_:)` gives its name and build-id.
    public var dso: Int32
    /// `address - start + pgoff` for user maps; the address itself for kernel maps.
    public var fileOffset: UInt64
    /// Kernel or kernel-module map.
    public var isKernel: Bool
}

/// The maps of one process and of the kernel at one moment, with the lookup rules of
/// `MachineState.map`, for resolving every frame of a sample without a dictionary lookup each.
public struct AddressSpace {
    let user: MapTree?
    let kernel: MapTree?
    let kernelStart: UInt64

    /// The map containing `address` in `cpumode`, as `MachineState.map` finds it.
    @inline(__always)
    public func lookup(_ address: UInt64, cpumode: UInt8) -> MapHit? {
        switch cpumode {
        case PerfRecordMisc.kernel:
            return kernel?.find(address).map { MapHit(dso: $0.dso, fileOffset: address, isKernel: true) }
        case PerfRecordMisc.user:
            if let e = user?.find(address) { return MapHit(dso: e.dso, fileOffset: address &- e.start &+ e.pgoff, isKernel: false) }
            if address >= kernelStart, let e = kernel?.find(address) {
                return MapHit(dso: e.dso, fileOffset: address, isKernel: true)
            }
            return nil
        default:
            return nil
        }
    }
}

/// A sorted, non-overlapping interval map of one address space.
struct MapTree {
    struct Entry {
        var start: UInt64
        var end: UInt64
        var pgoff: UInt64
        /// Index into the machine's table of mapped files.
        var dso: Int32
        var prot: UInt32
        var flags: UInt32
        var isExecutable: Bool
    }

    private(set) var entries: [Entry] = []

    /// Index of the first entry whose end is above `address`.
    private func firstEnding(after address: UInt64) -> Int {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].end <= address { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func find(_ address: UInt64) -> Entry? {
        let i = firstEnding(after: address)
        guard i < entries.count, entries[i].start <= address else { return nil }
        return entries[i]
    }

    /// Inserts `e`, cutting what it overlaps out of older maps (perf: maps__fixup_overlappings).
    mutating func insert(_ e: Entry) {
        guard e.end > e.start else { return }
        var i = firstEnding(after: e.start)
        var pieces: [Entry] = []
        let first = i
        while i < entries.count, entries[i].start < e.end {
            let old = entries[i]
            if old.start < e.start {
                var left = old
                left.end = e.start
                pieces.append(left)
            }
            if old.end > e.end {
                var right = old
                right.start = e.end
                right.pgoff = old.pgoff &+ (e.end - old.start)
                pieces.append(right)
            }
            i += 1
        }
        // Keep the new map between the left and right remainders.
        let leftCount = pieces.firstIndex { $0.start >= e.end } ?? pieces.count
        pieces.insert(e, at: leftCount)
        entries.replaceSubrange(first..<i, with: pieces)
    }
}
