import Dispatch
import PerfData
import Symbolize

/// What every view of a perf.data walk shares: the state of the machine at the walk's current
/// time (threads, comms, maps, the process tree), where the symbols come from, and each sample's
/// stack as frame keys, made once however many views read it.
///
/// A frame is a `FrameKeyTable` id (where its address fell), so memory grows with distinct
/// frames and no name is looked up per sample. A `--call-graph dwarf` sample's user stack is one
/// `.unwoundStack` key (its ticket): the stacks are unwound on all cores in batches while the
/// walk goes on, and read with `unwound` after `finish`. `finish` also looks up every distinct
/// user address once (sorted per binary, binaries in parallel), so that views name their frames
/// from `functions` without a lookup of their own.
package final class CaptureStacks {
    /// Threads, comms and maps at the current point of the walk.
    package let machine = MachineState()
    /// Processes: who started whom, when, and which ones `--tree` (and flame record) selected.
    package let processes: ProcessTree
    /// Where frames get their names (one symbolizer for every view).
    package let symbols: PerfDataSymbols
    /// Every frame key of the walk (views add their literal frames here too).
    package private(set) var keys = FrameKeyTable()
    private let unmappedAddresses: Bool
    private let kernelReady = DispatchGroup()
    /// Symbol tables of binaries met in samples are built on other cores during the walk.
    private let tablesReady = DispatchGroup()
    private var preloaded: [Bool] = []

    /// The current sample (`beginSample`), and whether its frames were made, which ticket its
    /// unwound stack has (-1: none).
    private var serial = 0
    private var framesSerial = -1
    private var framesTicket = -1
    private var scratch: [Int32] = []

    /// Unwinds `--call-graph dwarf` samples (made at the first one).
    private var dwarf: DwarfUserStacks?
    /// The maps of each queued DWARF sample at its time, to place its frames after unwinding;
    /// and those of the batch being unwound.
    private var queuedSpaces: [AddressSpace] = []
    private var runningSpaces: [AddressSpace] = []
    /// Unwound stacks by ticket: frame keys outermost first, in one array.
    private var unwoundKeys: [Int32] = []
    private var unwoundStart: [Int32] = []
    /// Which views (bit per view) used each ticket's stack.
    private var ticketViews: [UInt8] = []
    private var views = 0
    private var said: Set<String> = []
    private var functions: [[SymbolFrame]?]?

    /// A walk of `file`: `trees` and `pids` select processes as `ProcessTree` does; frames are
    /// named with `symbolOptions` (inline chains and source lines looked up when
    /// `inlineAndLines`, and always for DWARF-unwound frames, as perf names them); unmapped
    /// addresses stay apart when `unmappedAddresses` (else they share one `[unknown]` key).
    package init(file: PerfDataFile, trees: Set<Int32>, pids: Set<Int32>, symbols symbolOptions: SymbolizeOptions,
                 inlineAndLines: Bool, unmappedAddresses: Bool) {
        processes = ProcessTree(roots: trees, pids: pids)
        let dwarfMode = file.header.events.contains { $0.sampleType.contains(.stackUser) }
        symbols = PerfDataSymbols(file: file, options: symbolOptions, inlineAndLines: inlineAndLines || dwarfMode)
        self.unmappedAddresses = unmappedAddresses
        scratch.reserveCapacity(256)
        // Reading kallsyms (tens of ms) overlaps the walk on another core.
        let symbols = self.symbols
        DispatchQueue.global().async(group: kernelReady) { symbols.loadKernel() }
    }

    /// A view's number (at most 8 views), for `frames(of:view:)` and `unwoundOrder(view:)`.
    package func registerView() -> Int {
        precondition(views < 8, "at most 8 views share a walk")
        views += 1
        return views - 1
    }

    /// Updates threads, maps and processes from a non-sample record, and learns MMAP2 build-ids.
    package func apply(_ record: PerfRecord) {
        symbols.learn(record)
        machine.apply(record)
        processes.apply(record)
        dwarf?.apply(record)
    }

    /// Waits for the kernel symbols, looked up in the background from the start: the walk's views
    /// that name kernel frames while it goes on call this first.
    package func waitForKernelSymbols() { kernelReady.wait() }

    /// Starts the next sample of the walk: its frames are made at most once from here on.
    package func beginSample() { serial &+= 1 }

    /// The frame keys of sample `s` (the current one), leaf first: its callchain, or for a
    /// `--call-graph dwarf` sample the kernel part of it and then one `.unwoundStack` key.
    package func frames(of s: PerfSample, view: Int) -> [Int32] {
        if framesSerial != serial {
            framesSerial = serial
            framesTicket = -1
            let space = machine.addressSpace(pid: s.pid)
            scratch.removeAll(keepingCapacity: true)
            if DwarfUserStacks.applies(to: s) {
                appendUnwound(s, space)
            } else {
                appendCallchain(s, space)
            }
        }
        if framesTicket >= 0 { ticketViews[framesTicket] |= UInt8(1) << UInt8(view) }
        return scratch
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
    /// its user stack's ticket.
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
        let ticket = ticketViews.count
        ticketViews.append(0)
        framesTicket = ticket
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

    /// Records unwound stacks as frame keys by ticket (batches come back in ticket order): a
    /// `.truncated` key first when the stack went on beyond the saved copy.
    private func place(_ stacks: [StackUnwinder.Stack], _ spaces: [AddressSpace]) {
        for (i, stack) in stacks.enumerated() {
            let space = spaces[i]
            unwoundStart.append(Int32(unwoundKeys.count))
            if stack.truncated { unwoundKeys.append(keys.intern(.truncated, dso: -1, address: 0)) }
            let first = unwoundKeys.count
            for pc in stack.pcs {
                if let hit = space.lookup(pc, cpumode: PerfRecordMisc.user) {
                    if hit.isKernel {
                        unwoundKeys.append(keys.intern(.kernel, dso: hit.dso, address: hit.fileOffset))
                    } else {
                        preload(hit.dso)
                        unwoundKeys.append(keys.intern(.unwound, dso: hit.dso, address: hit.fileOffset))
                    }
                } else {
                    unwoundKeys.append(keys.intern(.unmapped, dso: -1, address: unmappedAddresses ? pc : 0))
                }
            }
            // Stored outermost first.
            unwoundKeys[first...].reverse()
        }
    }

    /// The frame keys of an unwound stack, outermost first (after `finish`).
    package func unwound(_ ticket: Int) -> ArraySlice<Int32> {
        let start = Int(unwoundStart[ticket])
        let end = ticket + 1 < unwoundStart.count ? Int(unwoundStart[ticket + 1]) : unwoundKeys.count
        return unwoundKeys[start..<end]
    }

    /// How many samples' user stacks were handed to the unwinders (each once, whatever the views).
    package var unwoundStacks: Int { ticketViews.count }

    /// The `.unwound` keys of the stacks `view` used, in perf's order of first lookup (samples in
    /// time order, each from its leaf), so that they are named in that order (see `Addr2LineNames`).
    package func unwoundOrder(view: Int) -> [Int32] {
        let bit = UInt8(1) << UInt8(view)
        var seen = Set<Int32>(), order: [Int32] = []
        for t in ticketViews.indices where ticketViews[t] & bit != 0 {
            for key in unwound(t).reversed() where keys.kinds[Int(key)] == .unwound && seen.insert(key).inserted {
                order.append(key)
            }
        }
        return order
    }

    /// How many of the DWARF-unwound stacks `view` used there were, and how many of them were cut.
    package func unwoundCounts(view: Int) -> (stacks: Int, truncated: Int) {
        let bit = UInt8(1) << UInt8(view)
        var stacks = 0, truncated = 0
        for t in ticketViews.indices where ticketViews[t] & bit != 0 {
            stacks += 1
            if let first = unwound(t).first, keys.kinds[Int(first)] == .truncated { truncated += 1 }
        }
        return (stacks, truncated)
    }

    /// Ends the walk's stacks: waits for the last unwinding and for the symbol tables, and
    /// returns what the symbolizer found for each user frame key (the function, then with inline
    /// chains each call inlined into it; nil: none, or not a user frame). Made once for every view.
    package func finish() -> [[SymbolFrame]?] {
        if let functions { return functions }
        flushUnwinding(last: true)
        let answers = prefetch()
        tablesReady.wait()
        kernelReady.wait()
        functions = answers
        return answers
    }

    /// A view has named its frames: the symbol cache is saved (in the background), so that what
    /// was looked up is kept even when a later view fails before naming.
    package func viewNamed() {
        symbols.symbolizer.saveCacheInBackground()
    }

    /// The warnings of `warnings` that no view of this walk has said yet: the views share one
    /// symbolizer, so a binary not found is said once, by the first view to tell it.
    package func unsaid(_ warnings: [String]) -> [String] {
        warnings.filter { said.insert($0).inserted }
    }

    /// The frame key of a name given as is (`nameID` in a view's own name table).
    package func literal(nameID: Int32) -> Int32 {
        keys.intern(.literal, dso: -1, address: UInt64(UInt32(bitPattern: nameID)))
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

    /// Looks up every distinct user address once: sorted per binary (neighbours share CUs and
    /// line tables), binaries in parallel (the symbolizer locks per binary, as libdw needs).
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
