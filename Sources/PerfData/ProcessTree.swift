/// The processes of a capture as its task records tell them: who started whom (FORK), when each
/// began and ended (FORK, EXIT), what it ran (COMM, and the first executable map after an exec),
/// and how many threads it had. Apply every non-sample record in time order
/// (`forEachRecord(ordered: true)`), as `MachineState` is applied.
///
/// A process is an incarnation: a pid that is reused after an exit (pid_max is 32768 on many
/// machines, and a build runs thousands of processes) starts a new entry with a new `ID`.
///
/// Selection follows process trees: with `roots`, a process is in a tree when its pid is a root as
/// it appears (in the records perf synthesizes for the processes that exist when recording
/// starts, or by a FORK during the capture), or when a process in a tree starts it. `pids` adds
/// single processes. Without either, every process is selected. A process that was not selected
/// is forgotten when it exits, so memory grows with the live processes and the selected ones, not
/// with every process that ran.
public final class ProcessTree {
    /// An incarnation of a process, unique within one walk.
    public typealias ID = UInt32

    /// One incarnation of a process: its pid, parent, comm, program, lifetime (record times, ns) and selection.
    public struct Process: Sendable {
        /// This incarnation's id; a reused pid gets a new one.
        public var id: ID
        /// The process id (the main thread's tid) of this incarnation.
        public var pid: Int32
        /// The parent's pid, -1 when the capture does not say.
        public var ppid: Int32
        /// The parent's incarnation, when it was in the capture.
        public var parent: ID?
        /// The comm of the process's main thread, the latest seen (an exec renames it).
        public var comm: String
        /// The program it runs: the first executable file mapped after its last exec (for a
        /// process that existed when recording began, the first one perf listed).
        public var executable: String?
        /// When it started: its FORK, or for a process that existed when recording began, its first
        /// exec during the capture (the program perf starts execs then); nil when neither was seen.
        public var start: UInt64?
        /// When its last thread exited; nil when it was alive at the end of the capture.
        public var end: UInt64?
        /// Threads seen, the main thread included.
        public var threads: Int = 1
        /// Selected by the roots or the pids (see the type's comment).
        public var selected: Bool
        /// In the tree of a root (its children are too).
        public var inTree: Bool
        /// The root pid of the tree it is in.
        public var root: Int32?
        /// Whether an exec was seen (its `executable` is then the new program's).
        var awaitingExecutable = true
        var liveThreads = 1
        var leaderExited = false
    }

    /// Where a thread belongs and when it began.
    public struct Thread: Sendable {
        /// The incarnation of the process the thread belongs to.
        public var process: ID
        /// When it was created (its FORK); nil when it existed before the capture began.
        public var start: UInt64?
    }

    private let roots: Set<Int32>
    private let pids: Set<Int32>
    private var nextID: ID = 0
    /// Live and kept processes by incarnation.
    private var byID: [ID: Process] = [:]
    /// The live incarnation of each pid.
    private var live: [Int32: ID] = [:]
    /// Live threads by tid.
    private var threads: [Int32: Thread] = [:]
    /// Processes that ended lately, by pid: a process's last switch-out and the samples of its
    /// exit come after its EXIT record. Bounded (the oldest go first), and a FORK of the pid ends it.
    private var recent: [Int32: ID] = [:]
    private var recentOrder: [Int32] = []
    private static let recentLimit = 1024
    /// Records perf synthesized for what existed when recording began list a child before its
    /// parent when the pids wrapped: their trees are settled once the first timed record comes.
    private var unsettled = false
    /// Roots seen in the capture (a root never seen is a mistake worth telling).
    public private(set) var rootsSeen: Set<Int32> = []
    /// First and last record time seen (0 is the time of synthesized records).
    public private(set) var firstTime: UInt64 = .max
    /// Latest record or sample time seen (ns); 0 until a timed one arrives (synthesized records have time 0).
    public private(set) var lastTime: UInt64 = 0

    /// `roots`: pids whose process trees are selected; `pids`: single processes; neither
    /// selects every process.
    public init(roots: Set<Int32> = [], pids: Set<Int32> = []) {
        self.roots = roots
        self.pids = pids
    }

    /// Whether processes are chosen by roots or pids (else every process is selected).
    public var selectsProcesses: Bool { !roots.isEmpty || !pids.isEmpty }

    /// The id of no process: samples without a pid (`-1`) are nobody's.
    public static let nobody: ID = .max

    /// Updates the tree from a record; samples only extend the time span and reveal threads.
    public func apply(_ record: PerfRecord) {
        if unsettled && record.sampleID.time > 0 { settle() }
        switch record {
        case .fork(let f): fork(f)
        case .exit(let e): exit(e)
        case .comm(let c): comm(c)
        case .mmap(let m): mmap(m)
        default: break
        }
        let t = record.sampleID.time
        if t > 0 { noteTime(t) }
    }

    /// Extends the span of the capture to `time` (a sample's time).
    @inline(__always)
    public func noteTime(_ time: UInt64) {
        if unsettled && time > 0 { settle() }
        if time < firstTime { firstTime = time }
        if time > lastTime { lastTime = time }
    }

    /// The live process of `pid`, made when a sample or event names a pid no record announced.
    @inline(__always)
    public func process(pid: Int32) -> ID {
        // Samples come in runs of one process: the last answer, until the tree changes.
        if pid == lastPid && generation == lastGeneration { return lastID }
        guard pid >= 0 else { return ProcessTree.nobody }
        // pid 0 is the idle task, which perf calls swapper and lists no COMM for.
        let id = live[pid] ?? recent[pid]
            ?? create(pid: pid, ppid: -1, parent: nil, comm: pid == 0 ? "swapper" : ":\(pid)", start: nil, parentInTree: false)
        (lastPid, lastID, lastGeneration) = (pid, id, generation)
        return id
    }

    /// Changes whenever a process begins or ends (for `process(pid:)`'s one-entry cache).
    private var generation = 0
    private var lastPid: Int32 = .min
    private var lastID: ID = 0
    private var lastGeneration = -1

    /// The live process of `pid` if the capture announced it.
    public func knownProcess(pid: Int32) -> ID? { live[pid] }

    /// The process `id` (live or kept), nil when it was forgotten.
    public func process(_ id: ID) -> Process? { byID[id] }

    /// Whether the live process of `pid` is in the tree of a root.
    @inline(__always)
    public func isInTree(pid: Int32) -> Bool {
        guard let id = live[pid] ?? recent[pid] else { return roots.contains(pid) && !rootsSeen.contains(pid) }
        return byID[id]?.inTree ?? false
    }

    /// The live thread `tid`, when a record announced it.
    public func thread(tid: Int32) -> Thread? { threads[tid] }

    /// Notes that thread `tid` of process `pid` exists (a sample of a thread no FORK announced).
    public func noteThread(tid: Int32, pid: Int32) {
        guard threads[tid] == nil else { return }
        let id = process(pid: pid)
        threads[tid] = Thread(process: id, start: nil)
        if tid != pid { byID[id]?.threads += 1; byID[id]?.liveThreads += 1 }
    }

    /// Every kept process (selected ones, and live ones), in the order they appeared.
    public var kept: [Process] {
        if unsettled { settle() }
        return byID.values.sorted { $0.id < $1.id }
    }

    /// The selected processes, in the order they appeared.
    public var selected: [Process] { kept.filter(\.selected) }

    /// The live threads of selected processes, with their tids.
    public var liveSelectedThreads: [(tid: Int32, thread: Thread)] {
        threads.filter { byID[$0.value.process]?.selected ?? false }.map { ($0.key, $0.value) }.sorted { $0.tid < $1.tid }
    }

    private func create(pid: Int32, ppid: Int32, parent: ID?, comm: String, start: UInt64?, parentInTree: Bool) -> ID {
        let id = nextID
        nextID += 1
        let isRoot = roots.contains(pid) && !rootsSeen.contains(pid)
        if isRoot { rootsSeen.insert(pid) }
        let inTree = isRoot || parentInTree
        let selected = !selectsProcesses || inTree || pids.contains(pid)
        let root: Int32? = isRoot ? pid : (parentInTree ? parent.flatMap { byID[$0]?.root } : nil)
        byID[id] = Process(id: id, pid: pid, ppid: ppid, parent: parent, comm: comm, executable: nil, start: start,
                           end: nil, selected: selected, inTree: inTree, root: root)
        generation &+= 1
        recent[pid] = nil
        live[pid] = id
        threads[pid] = Thread(process: id, start: start)
        return id
    }

    private func fork(_ f: TaskRecord) {
        // Synthesized records (the processes and threads that exist when recording starts) have time 0.
        let start: UInt64? = f.time == 0 ? nil : f.time
        if f.pid != f.ppid {
            // A new process (or the synthesized record of one): the parent is the forking process.
            if let old = live[f.pid] { retire(old, at: f.time) }
            let parent = live[f.ppid]
            // A synthesized record whose parent comes later in perf's list.
            if start == nil && parent == nil && f.ppid > 0 { unsettled = true }
            let parentInTree = parent.flatMap { byID[$0]?.inTree } ?? false
            let comm = parent.flatMap { byID[$0]?.comm } ?? ":\(f.pid)"
            _ = create(pid: f.pid, ppid: f.ppid == f.pid ? -1 : f.ppid, parent: parent, comm: comm, start: start,
                       parentInTree: parentInTree)
            if f.tid != f.pid { addThread(tid: f.tid, pid: f.pid, start: start) }
        } else {
            addThread(tid: f.tid, pid: f.pid, start: start)
        }
    }

    private func addThread(tid: Int32, pid: Int32, start: UInt64?) {
        let id = process(pid: pid)
        if let old = threads[tid], old.process == id { return }
        threads[tid] = Thread(process: id, start: start)
        byID[id]?.threads += 1
        byID[id]?.liveThreads += 1
    }

    private func exit(_ e: TaskRecord) {
        guard let thread = threads.removeValue(forKey: e.tid), var p = byID[thread.process] else { return }
        p.liveThreads -= 1
        if e.tid == e.pid { p.leaderExited = true }
        byID[thread.process] = p
        if p.leaderExited && p.liveThreads <= 0 { retire(thread.process, at: e.time) }
    }

    /// Ends a process: kept when selected, forgotten otherwise.
    private func retire(_ id: ID, at time: UInt64) {
        guard var p = byID[id] else { return }
        generation &+= 1
        if live[p.pid] == id {
            live[p.pid] = nil
            recent[p.pid] = id
            recentOrder.append(p.pid)
            if recentOrder.count > ProcessTree.recentLimit {
                let oldest = recentOrder.removeFirst()
                if recent[oldest] != nil && live[oldest] == nil && !recentOrder.contains(oldest) { recent[oldest] = nil }
            }
        }
        if p.selected {
            if p.end == nil { p.end = time }
            byID[id] = p
        } else {
            byID[id] = nil
        }
    }

    private func comm(_ c: CommRecord) {
        if threads[c.tid] == nil { noteThread(tid: c.tid, pid: c.pid) }
        guard c.tid == c.pid, let id = live[c.pid] else { return }
        byID[id]?.comm = c.comm
        if c.isExec {
            byID[id]?.awaitingExecutable = true
            byID[id]?.executable = nil
            if byID[id]?.start == nil && c.sampleID.time > 0 { byID[id]?.start = c.sampleID.time }
        }
    }

    private func mmap(_ m: MmapRecord) {
        guard m.pid > 0, m.isExecutable, m.filename.hasPrefix("/"), let id = live[m.pid],
              byID[id]?.awaitingExecutable == true else { return }
        byID[id]?.executable = m.filename
        byID[id]?.awaitingExecutable = false
    }

    /// Gives the processes perf listed when recording began their parents, trees and roots,
    /// whatever order it listed them in.
    private func settle() {
        unsettled = false
        var done: [ID: Bool] = [:]
        func visit(_ id: ID, _ depth: Int) -> Bool {
            if let d = done[id] { return d }
            guard var p = byID[id] else { return false }
            done[id] = p.inTree   // for now: a cycle of ppids ends here
            if !p.inTree && p.start == nil && depth < 256 {
                if p.parent == nil, p.ppid > 0, let parent = live[p.ppid], parent != id { p.parent = parent }
                if let parent = p.parent, visit(parent, depth + 1), let up = byID[parent] {
                    p.inTree = true
                    p.root = up.root
                    p.selected = true
                }
                byID[id] = p
            }
            done[id] = p.inTree
            return p.inTree
        }
        for id in live.values.sorted() { _ = visit(id, 0) }
        generation &+= 1
    }
}
