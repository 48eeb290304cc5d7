import ProfileModel
import Dispatch
import PerfData
import TextInputs
import Symbolize

/// The stacks of perf.data samples, collected during one time-ordered walk and named after it.
///
/// While the file is walked, each frame becomes a `FrameKeyTable` id (where its address fell)
/// and each stack a node of a trie of those ids under its root frame, so memory grows with
/// distinct stacks and no name is looked up per sample. Afterwards the distinct user addresses
/// are symbolized in one batch per binary (binaries in parallel), and every frame id is named
/// once by the same `PerfScriptCollapser` rules that fold perf script text: a perf.data file
/// and its `perf script` text fold identically.
final class PerfDataStacks {
    /// Threads, comms and maps at the current point of the walk.
    let machine = MachineState()
    /// Processes: who started whom, when, and which ones `--tree` (and flame record) selected.
    let processes: ProcessTree
    /// Names, naming rules, the event tally and the resulting profile.
    let collapser: PerfScriptCollapser
    private let file: PerfDataFile
    private let symbols: PerfDataSymbols
    private var keys = FrameKeyTable()
    /// Stacks by frame id; depth 1 holds root frames (name ids), deeper levels frame ids.
    private let raw: StackTrie
    private var scratch: [Int32] = []
    private struct RootKey: Hashable { var comm: Int32, pid: Int32, tid: Int32 }
    private var roots: [RootKey: Int32] = [:]
    private let kernelReady = DispatchGroup()
    /// Symbol tables of binaries met in samples are built on other cores during the walk.
    private let tablesReady = DispatchGroup()
    private var preloaded: [Bool] = []
    private let unmappedAddresses: Bool
    /// Samples in walk order, nodes of the raw trie (`CollapseOptions.keepTimeline`).
    private var timeline: SampleTimeline?
    /// Unwinds `--call-graph dwarf` samples (made at the first one).
    private var dwarf: DwarfUserStacks?
    private var truncatedKey: Int32?
    /// The maps of each queued DWARF sample at its time, to place its frames after unwinding;
    /// and those of the batch being unwound.
    private var queuedSpaces: [AddressSpace] = []
    private var runningSpaces: [AddressSpace] = []
    /// DWARF samples queued so far: the next one's ticket.
    private var tickets = 0
    /// Unwound stacks by ticket: frame keys outermost first, in one array.
    private var unwoundKeys: [Int32] = []
    private var unwoundStart: [Int32] = []
    private var unwoundSamples = 0
    /// `.unwound` keys in perf's order of first lookup (samples in time order, each from its
    /// leaf), so that they are named in that order (see `Addr2LineNames`).
    private var unwoundOrder: [Int32] = []
    private var unwoundSeen: Set<Int32> = []
    private var truncatedSamples = 0

    init(file: PerfDataFile, options: CollapseOptions, symbols symbolOptions: SymbolizeOptions) {
        self.file = file
        processes = ProcessTree(roots: Set(options.filter.trees.map { Int32(truncatingIfNeeded: $0) }),
                                pids: Set(options.filter.pids.map { Int32(truncatingIfNeeded: $0) }))
        // DWARF-unwound frames are named with their inline chains, as perf names them.
        let dwarfMode = file.header.events.contains { $0.sampleType.contains(.stackUser) }
        symbols = PerfDataSymbols(file: file, options: symbolOptions, inlineAndLines: options.inline || options.srcline || dwarfMode)
        var o = options
        o.symbolizer = symbols.symbolizer
        collapser = PerfScriptCollapser(options: o)
        raw = StackTrie(chartMode: options.chartMode)
        unmappedAddresses = options.naming.includeAddrs
        if options.keepTimeline { timeline = SampleTimeline() }
        scratch.reserveCapacity(256)
        // Reading kallsyms (tens of ms) overlaps the walk on another core.
        let symbols = self.symbols
        DispatchQueue.global().async(group: kernelReady) { symbols.loadKernel() }
    }

    /// Updates threads and maps from a non-sample record, and learns MMAP2 build-ids.
    func apply(_ record: PerfRecord) {
        symbols.learn(record)
        machine.apply(record)
        processes.apply(record)
        dwarf?.apply(record)
    }

    /// The root frame of a sample: its thread's comm now, with pid and tid as the options ask.
    func root(of s: PerfSample) -> Int32 {
        let key = RootKey(comm: machine.commID(tid: s.tid), pid: s.pid, tid: s.tid)
        if let id = roots[key] { return id }
        var comm = machine.commName(key.comm)
        let id = comm.withUTF8 { collapser.rootName(comm: $0, pid: Int(s.pid), tid: Int(s.tid)) }
        roots[key] = id
        return id
    }

    /// Whether the thread of a sample passes `filter` (by its pid, tid, comm and process comm
    /// now, and whether its process is in a selected tree).
    func admits(_ s: PerfSample, _ filter: ProcessFilter) -> Bool {
        admits(pid: s.pid, tid: s.tid, filter)
    }

    /// Whether thread `tid` of process `pid` passes `filter` now.
    func admits(pid: Int32, tid: Int32, _ filter: ProcessFilter) -> Bool {
        var comm = machine.comm(tid: tid)
        var process = machine.comm(tid: pid)
        let inTree = !filter.trees.isEmpty && processes.isInTree(pid: pid)
        return comm.withUTF8 { c in
            process.withUTF8 { p in filter.admits(pid: Int(pid), tid: Int(tid), comm: c, processComm: p, inTree: inTree) }
        }
    }

    /// The frame id of a name given as is (a pseudo-frame such as `[state D]`).
    func literal(_ name: String) -> Int32 {
        var name = name
        let id = name.withUTF8 { collapser.profile.names.intern($0) }
        return keys.intern(.literal, dso: -1, address: UInt64(id))
    }

    /// The node of a sample's stack under `root`, with `leaf` frames (ids from `literal`) added
    /// above its innermost frame and `base` frames between the root and its outermost frame.
    func node(of s: PerfSample, root: Int32, base: [Int32] = [], leaf: [Int32] = []) -> Int32 {
        let space = machine.addressSpace(pid: s.pid)
        scratch.removeAll(keepingCapacity: true)
        if DwarfUserStacks.applies(to: s) {
            appendUnwound(s, space)
        } else {
            appendCallchain(s, space)
        }
        var node = raw.child(of: 0, frame: root)
        for b in base { node = raw.child(of: node, frame: b) }
        var i = scratch.count - 1
        while i >= 0 {
            node = raw.child(of: node, frame: scratch[i])
            i -= 1
        }
        for l in leaf.reversed() { node = raw.child(of: node, frame: l) }
        return node
    }

    /// The frames of a sample's callchain, leaf first, as keys.
    private func appendCallchain(_ s: PerfSample, _ space: AddressSpace) {
        for f in s.frames {
            if let hit = space.lookup(f.address, cpumode: f.cpumode) {
                if !hit.isKernel { preload(hit.dso) }
                scratch.append(keys.intern(hit.isKernel ? .kernel : .user, dso: hit.dso, address: hit.fileOffset))
            } else {
                // Unmapped frames all fold to `[unknown]` unless `--addrs` names the address; one
                // key keeps stacks under garbage frames (libc without frame pointers) shared.
                scratch.append(keys.intern(.unmapped, dso: -1, address: unmappedAddresses ? f.address : 0))
            }
        }
    }

    /// A `--call-graph dwarf` sample's frames, leaf first: the kernel part of its callchain, then
    /// its user stack unwound, then `[truncated]` when the stack went on beyond the saved copy.
    private func appendUnwound(_ s: PerfSample, _ space: AddressSpace) {
        if !s.callchain.isEmpty {
            for f in s.frames where f.isKernel {
                if let hit = space.lookup(f.address, cpumode: f.cpumode) {
                    scratch.append(keys.intern(.kernel, dso: hit.dso, address: hit.fileOffset))
                } else {
                    scratch.append(keys.intern(.unmapped, dso: -1, address: unmappedAddresses ? f.address : 0))
                }
            }
        }
        if dwarf == nil { dwarf = DwarfUserStacks(symbols: symbols) }
        dwarf!.enqueue(s, machine: machine)
        let ticket = tickets
        tickets += 1
        queuedSpaces.append(space)
        // The user frames are outer to the kernel ones: the stack key goes last (root side).
        scratch.append(keys.intern(.unwoundStack, dso: -1, address: UInt64(ticket)))
        if dwarf!.shouldFlush { flushUnwinding() }
    }

    /// Hands the queued DWARF samples to the unwinders (on all cores, while the walk goes on)
    /// after recording the frames of the batch before; `last`: waits for this one too.
    private func flushUnwinding(last: Bool = false) {
        guard let dwarf else { return }
        place(dwarf.collect(), runningSpaces)
        runningSpaces = queuedSpaces
        queuedSpaces.removeAll(keepingCapacity: true)
        dwarf.submit()
        if last {
            place(dwarf.collect(), runningSpaces)
            runningSpaces.removeAll()
        }
    }

    /// Records unwound stacks as frame keys by ticket (batches come back in ticket order).
    private func place(_ stacks: [StackUnwinder.Stack], _ spaces: [AddressSpace]) {
        for (i, stack) in stacks.enumerated() {
            let space = spaces[i]
            unwoundStart.append(Int32(unwoundKeys.count))
            unwoundSamples += 1
            if stack.truncated {
                truncatedSamples += 1
                if truncatedKey == nil { truncatedKey = literal("[truncated]") }
                unwoundKeys.append(truncatedKey!)
            }
            let first = unwoundKeys.count
            for pc in stack.pcs {
                if let hit = space.lookup(pc, cpumode: PerfRecordMisc.user) {
                    if hit.isKernel {
                        unwoundKeys.append(keys.intern(.kernel, dso: hit.dso, address: hit.fileOffset))
                    } else {
                        preload(hit.dso)
                        let key = keys.intern(.unwound, dso: hit.dso, address: hit.fileOffset)
                        if unwoundSeen.insert(key).inserted { unwoundOrder.append(key) }
                        unwoundKeys.append(key)
                    }
                } else {
                    unwoundKeys.append(keys.intern(.unmapped, dso: -1, address: unmappedAddresses ? pc : 0))
                }
            }
            // Stored outermost first.
            unwoundKeys[first...].reverse()
        }
    }

    /// The frame keys of an unwound stack, outermost first.
    private func unwound(_ ticket: Int) -> ArraySlice<Int32> {
        let start = Int(unwoundStart[ticket])
        let end = ticket + 1 < unwoundStart.count ? Int(unwoundStart[ticket + 1]) : unwoundKeys.count
        return unwoundKeys[start..<end]
    }

    /// Starts building the symbol table of a binary the first time a sample hits it.
    @inline(__always)
    private func preload(_ dso: Int32) {
        let d = Int(dso)
        if d < preloaded.count && preloaded[d] { return }
        if d >= preloaded.count { preloaded += Array(repeating: false, count: d + 1 - preloaded.count) }
        preloaded[d] = true
        guard let path = symbols.symbolFile(filename: machine.dso(dso).filename) else { return }
        let symbolizer = symbols.symbolizer
        DispatchQueue.global().async(group: tablesReady) { symbolizer.preload(path: path) }
    }

    /// Throws when a `--tree` pid never appeared in the capture (a typo, or a process that had
    /// exited before recording began).
    func requireRoots(_ filter: ProcessFilter) throws {
        let missing = filter.trees.filter { !processes.rootsSeen.contains(Int32(truncatingIfNeeded: $0)) }.sorted()
        guard let first = missing.first else { return }
        throw InputError.selection(file: file.name, detail: "--tree \(first): no such process in the capture"
            + (missing.count > 1 ? " (nor \(missing.dropFirst().map(String.init).joined(separator: ", ")))" : "")
            + "; its pid is one of the processes perf saw (flame top lists them)")
    }

    /// The node of `node`'s stack moved under another root frame and `base` frames (ids from
    /// `literal`) between that root and the stack's own first frame.
    func regraft(_ node: Int32, root: Int32, base: [Int32]) -> Int32 {
        var n = raw.child(of: 0, frame: root)
        for b in base { n = raw.child(of: n, frame: b) }
        for f in raw.path(to: node).dropFirst() { n = raw.child(of: n, frame: f) }
        return n
    }

    /// The node of frame `key` (from `literal`) on top of `node`.
    func child(of node: Int32, key: Int32) -> Int32 {
        raw.child(of: node, frame: key)
    }

    /// Adds weight to a stack from `node(of:)`.
    func add(_ node: Int32, weight: UInt64, samples: UInt64 = 1) {
        raw.add(node: node, weight: weight, samples: samples)
    }

    /// Whether samples should also be logged with `log` (`CollapseOptions.keepTimeline`).
    var keepsTimeline: Bool { timeline != nil }

    /// Logs a sample added with `add` (time nil: the event has none), or an off-CPU interval part.
    func log(time: UInt64?, duration: UInt64 = 0, pid: Int32, tid: Int32, node: Int32, weight: UInt64) {
        guard timeline != nil else { return }
        if let time {
            timeline!.append(time: time, duration: duration, pid: pid, tid: tid, node: node, weight: weight)
        } else {
            timeline!.untimed += 1
        }
    }

    private var kernelFramesUnnamed = false

    /// Why frames stay unnamed (kernel symbols or symbol files not found), after `profile()`.
    var warnings: [String] {
        var out: [String] = []
        if kernelFramesUnnamed, let w = symbols.kernelWarning { out.append("warning: \(w)") }
        if let note = raw.overflowNote { out.append(note) }
        if truncatedSamples > 0 {
            let share = Double(truncatedSamples) / Double(max(unwoundSamples, 1)) * 100
            out.append("warning: \(truncatedSamples) of \(unwoundSamples) DWARF-unwound samples (\(Int((share * 10).rounded()) / 10).\(Int((share * 10).rounded()) % 10)%) went deeper "
                       + "than the user stack perf copied: their stacks start at [truncated] (record with --call-graph dwarf,65528 for more)")
        }
        return out + symbols.symbolizer.warnings.map { "warning: \($0)" }
    }

    /// The stack warnings (after `profile()`), for the profile's notes.
    var stackWarnings: [String] { collapser.profile.stackWarnings }

    /// Names every frame and returns the folded profile.
    func profile() -> Profile {
        flushUnwinding(last: true)
        let answers = prefetch()
        tablesReady.wait()
        kernelReady.wait()
        let namer = PerfDataFrameNamer(keys: keys, functions: answers, machine: machine, symbols: symbols,
                                       collapser: collapser, unwound: { self.unwound($0) })
        for key in unwoundOrder { _ = namer.names(key, java: false) }
        let profile = collapser.profile
        let trie = profile.trie
        var mapped = [Int32](repeating: 0, count: raw.nodeCount)
        var java = [Bool](repeating: false, count: raw.nodeCount)
        for n in 1..<max(raw.nodeCount, 1) {
            let parent = Int(raw.parent[n])
            let frame = raw.frame[n]
            if parent == 0 {
                mapped[n] = trie.child(of: 0, frame: frame)
                java[n] = collapser.isJava(frame)
            } else {
                java[n] = java[parent]
                var node = mapped[parent]
                for id in namer.names(frame, java: java[n]) { node = trie.child(of: node, frame: id) }
                mapped[n] = node
            }
            if raw.selfSamples[n] > 0 || raw.selfWeight[n] > 0 {
                trie.add(node: mapped[n], weight: raw.selfWeight[n], samples: raw.selfSamples[n])
            }
        }
        collapser.finish()
        let machine = self.machine, names = profile.names
        profile.stackWarnings = StackQuality.warnings(raw: raw, keys: keys, name: { key in
            namer.names(key, java: false).first.map { names.string($0) }
        }, binary: { machine.dso($0).filename })
        if let timeline { profile.timeline = timeline.remapped(mapped) }
        if let origins = profile.origins {
            for b in origins.binaries { if let id = symbols.buildIDs[b.path] { origins.setBuildID(id, path: b.path) } }
        }
        kernelFramesUnnamed = namer.kernelUnnamed
        symbols.symbolizer.saveCacheInBackground()
        return profile
    }

    /// Looks up every distinct user address once: sorted per binary (neighbours share CUs and
    /// line tables), binaries in parallel (the symbolizer locks per binary, as libdw needs), so
    /// naming finds every answer cached. Returns what was found for each frame id: the function,
    /// then (with inline chains looked up) each call inlined into it.
    private func prefetch() -> [[SymbolFrame]?] {
        var byPath: [String: [Int32]] = [:]
        var pathOf: [Int32: String] = [:]
        for k in 0..<keys.count where keys.kinds[k] == .user || keys.kinds[k] == .unwound {
            let dso = keys.dsos[k]
            guard let path = pathOf[dso] ?? symbols.symbolFile(filename: machine.dso(dso).filename) else { continue }
            pathOf[dso] = path
            byPath[path, default: []].append(Int32(k))
        }
        let addresses = keys.addresses
        let work = byPath.map { path, ids in
            (path, ids.sorted { addresses[Int($0)] < addresses[Int($1)] })
        }.sorted { $0.1.count > $1.1.count }
        final class Answers: @unchecked Sendable { var functions: [[SymbolFrame]?] = [] }
        let answers = Answers()
        answers.functions = Array(repeating: nil, count: keys.count)
        let shared = symbols.symbolizer
        DispatchQueue.concurrentPerform(iterations: work.count) { i in
            let ids = work[i].1
            let found = shared.frames(path: work[i].0, fileOffsets: ids.map { addresses[Int($0)] })
            // Each key belongs to one binary: the writes never overlap.
            answers.functions.withUnsafeMutableBufferPointer { out in
                for (j, id) in ids.enumerated() { out[Int(id)] = found[j] }
            }
        }
        return answers.functions
    }
}
