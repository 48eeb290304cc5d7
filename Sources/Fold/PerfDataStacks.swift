import ProfileModel
import PerfData
import TextInputs
import Symbolize
import Capture

/// One view's stacks of a perf.data walk, collected while the walk goes on and named after it.
///
/// Each stack is a node of a trie of the walk's frame keys (`CaptureStacks`, shared by every view
/// of the walk) under the view's root frame, so memory grows with distinct stacks and no name is
/// looked up per sample. Afterwards every frame key is named once by the same
/// `PerfScriptCollapser` rules that fold perf script text, from the symbols the walk looked up
/// once: a perf.data file and its `perf script` text fold identically.
final class PerfDataStacks {
    /// The walk's shared state: machine, processes, symbols and frame keys.
    let capture: CaptureStacks
    /// Threads, comms and maps at the current point of the walk.
    var machine: MachineState { capture.machine }
    /// Processes: who started whom, when, and which ones `--tree` (and flame record) selected.
    var processes: ProcessTree { capture.processes }
    /// Names, naming rules, the event tally and the resulting profile.
    let collapser: PerfScriptCollapser
    private let file: PerfDataFile
    /// This view's number in the walk.
    let view: Int
    /// A frame key above which stacks go the other way, innermost frame first (the waker part of
    /// an off-wake stack, above its `--`): each key's names (an inline chain, an unwound stack)
    /// are reversed there too.
    var reversesAbove: Int32?
    /// Stacks by frame key; depth 1 holds root frames (name ids), deeper levels frame keys.
    private let raw: StackTrie
    private struct RootKey: Hashable { var comm: Int32, pid: Int32, tid: Int32 }
    private var roots: [RootKey: Int32] = [:]
    /// Samples in walk order, nodes of the raw trie (`CollapseOptions.keepTimeline`).
    private var timeline: SampleTimeline?
    /// Weights over time, nodes of the raw trie (`CollapseOptions.keepBuckets`).
    var buckets: TimeBuckets?
    private var bucketThreads: [RootKey: Int32] = [:]

    /// A view of `capture`'s walk of `file`, folded with `options`.
    init(capture: CaptureStacks, file: PerfDataFile, options: CollapseOptions) {
        self.capture = capture
        self.file = file
        view = capture.registerView()
        collapser = PerfScriptCollapser(options: options, symbolizer: capture.symbols.symbolizer)
        raw = StackTrie(chartMode: options.chartMode)
        if options.keepTimeline { timeline = SampleTimeline() }
        if options.keepBuckets { buckets = TimeBuckets() }
    }

    /// The root frame of a sample: its thread's comm now, with pid and tid as the options ask.
    func root(of s: PerfSample) -> Int32 { root(pid: s.pid, tid: s.tid) }

    /// The root frame of thread `tid` of process `pid`, as `root(of:)`.
    func root(pid: Int32, tid: Int32) -> Int32 {
        let key = RootKey(comm: machine.commID(tid: tid), pid: pid, tid: tid)
        if let id = roots[key] { return id }
        var comm = machine.commName(key.comm)
        let id = comm.withUTF8 { collapser.rootName(comm: $0, pid: Int(pid), tid: Int(tid)) }
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

    /// The frame key of a name given as is (a pseudo-frame such as `[state D]`).
    func literal(_ name: String) -> Int32 {
        var name = name
        let id = name.withUTF8 { collapser.profile.names.intern($0) }
        return capture.literal(nameID: id)
    }

    /// The frame key of a name id (a root frame's, from `root(of:)`), to use above the root.
    func literal(nameID: Int32) -> Int32 { capture.literal(nameID: nameID) }

    /// The node of a sample's stack under `root`, with `leaf` frames (keys from `literal`) added
    /// above its innermost frame and `base` frames between the root and its outermost frame.
    func node(of s: PerfSample, root: Int32, base: [Int32] = [], leaf: [Int32] = []) -> Int32 {
        let frames = capture.frames(of: s, view: view)
        var node = raw.child(of: 0, frame: root)
        for b in base { node = raw.child(of: node, frame: b) }
        var i = frames.count - 1
        while i >= 0 {
            node = raw.child(of: node, frame: frames[i])
            i -= 1
        }
        for l in leaf.reversed() { node = raw.child(of: node, frame: l) }
        return node
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

    /// The node of a switch-out's blocked stack (sample `s`, a sched_switch raised by thread `tid`
    /// named `comm`): its root frame, then `base` frames (the `[state X]` frame), then the stack.
    func switchOutNode(_ s: PerfSample, comm: [UInt8], tid: Int64, base: [Int32] = []) -> Int32 {
        let root = comm.withUnsafeBufferPointer { collapser.rootName(comm: $0, pid: Int(s.pid), tid: Int(tid)) }
        return node(of: s, root: root, base: base)
    }

    /// The node of root frame `root` (a name id from `root(of:)`) alone.
    func rootNode(_ root: Int32) -> Int32 { raw.child(of: 0, frame: root) }

    /// The frame keys from the root's child to `node` (the root frame, a name id, left out).
    func keys(to node: Int32) -> ArraySlice<Int32> { raw.path(to: node).dropFirst() }

    /// The node of frame `key` (from `literal`) on top of `node`.
    func child(of node: Int32, key: Int32) -> Int32 {
        raw.child(of: node, frame: key)
    }

    /// Adds weight to a stack from `node(of:)`.
    func add(_ node: Int32, weight: UInt64, samples: UInt64 = 1) {
        raw.add(node: node, weight: weight, samples: samples)
    }

    /// The strip's thread of `tid` under its comm now ("comm tid"; a thread that execs is a new one).
    private func bucketThread(pid: Int32, tid: Int32) -> Int32 {
        let key = RootKey(comm: machine.commID(tid: tid), pid: pid, tid: tid)
        if let i = bucketThreads[key] { return i }
        let i = buckets!.thread(named: Array("\(machine.commName(key.comm)) \(tid)".utf8))
        bucketThreads[key] = i
        return i
    }

    /// Whether samples should also be logged with `log` (`CollapseOptions.keepTimeline`).
    var keepsTimeline: Bool { timeline != nil || buckets != nil || collapser.profile.spanTotals != nil }

    /// Logs a sample added with `add` (time nil: the event has none), or an off-CPU interval part
    /// (in `lane`: the state it waited in).
    func log(time: UInt64?, duration: UInt64 = 0, pid: Int32, tid: Int32, node: Int32, weight: UInt64,
             lane: TimeBuckets.Lane = .onCPU) {
        if buckets != nil, let time {
            buckets!.add(node: node, lane: lane, start: time, length: duration, weight: weight)
            buckets!.add(thread: bucketThread(pid: pid, tid: tid), lane: lane, start: time, length: duration, weight: weight)
        }
        if collapser.profile.spanTotals != nil, let time {
            collapser.profile.spanTotals!.add(lane: lane, start: time, length: duration, weight: weight)
        }
        guard timeline != nil else { return }
        if let time {
            timeline!.append(time: time, duration: duration, pid: pid, tid: tid, node: node, weight: weight)
        } else {
            timeline!.untimed += 1
        }
    }

    private var kernelFramesUnnamed = false

    /// Why frames stay unnamed (kernel symbols or symbol files not found), after `profile()`; a
    /// warning another view of the walk said already is not repeated.
    func takeWarnings() -> [Diagnostic] {
        var out: [Diagnostic] = []
        if kernelFramesUnnamed, let w = capture.symbols.kernelWarning, !capture.unsaid([w]).isEmpty { out.append(.warning(.symbols, w)) }
        if let note = raw.overflowNote { out.append(note) }
        let (unwoundSamples, truncatedSamples) = capture.unwoundCounts(view: view)
        if truncatedSamples > 0 {
            let share = Double(truncatedSamples) / Double(max(unwoundSamples, 1)) * 100
            out.append(.warning(.unwinding, "\(truncatedSamples) of \(unwoundSamples) DWARF-unwound samples (\(Int((share * 10).rounded()) / 10).\(Int((share * 10).rounded()) % 10)%) went deeper "
                       + "than the user stack perf copied: their stacks start at [truncated] (record with --call-graph dwarf,65528 for more)"))
        }
        return out + Diagnostic.symbols(capture.unsaid(capture.symbols.symbolizer.warnings))
    }

    /// The stack warnings (after `profile()`), for the profile's notes.
    var stackWarnings: [Diagnostic] { collapser.profile.stackWarnings }

    /// Names every frame and returns the folded profile.
    func profile() -> Profile {
        let answers = capture.finish()
        let capture = self.capture, symbols = capture.symbols, keys = capture.keys
        let namer = PerfDataFrameNamer(keys: keys, functions: answers, machine: machine, symbols: symbols,
                                       collapser: collapser, unwound: { capture.unwound($0) })
        for key in capture.unwoundOrder(view: view) { _ = namer.names(key, java: false) }
        let profile = collapser.profile
        let trie = profile.trie
        var mapped = [Int32](repeating: 0, count: raw.nodeCount)
        var java = [Bool](repeating: false, count: raw.nodeCount)
        var reversed = [Bool](repeating: false, count: reversesAbove == nil ? 0 : raw.nodeCount)
        for n in 1..<max(raw.nodeCount, 1) {
            let parent = Int(raw.parent[n])
            let frame = raw.frame[n]
            if parent == 0 {
                mapped[n] = trie.child(of: 0, frame: frame)
                java[n] = collapser.isJava(frame)
            } else {
                java[n] = java[parent]
                var node = mapped[parent]
                if !reversed.isEmpty, reversed[parent] || frame == reversesAbove {
                    reversed[n] = true
                    for id in namer.names(frame, java: java[n]).reversed() { node = trie.child(of: node, frame: id) }
                } else {
                    for id in namer.names(frame, java: java[n]) { node = trie.child(of: node, frame: id) }
                }
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
        }, binary: { machine.dso($0).filename }, stopAt: reversesAbove)
        if let timeline { profile.timeline = timeline.remapped(mapped) }
        if let buckets { profile.buckets = buckets.remapped(mapped) }
        if let origins = profile.origins {
            for b in origins.binaries { if let id = symbols.buildIDs[b.path] { origins.setBuildID(id, path: b.path) } }
        }
        kernelFramesUnnamed = namer.kernelUnnamed
        capture.viewNamed()
        return profile
    }
}
