import ProfileModel

/// A stretch of one thread's own time on a critical path, `start` to `end`: the CPU samples it
/// took and the waits no other thread ended (sleeps, disk, preemption, the run-queue time after
/// a wakeup). `next` is the path before `start`: the same thread's earlier stretch, or the
/// stretch of the thread that woke (or created) this one, up to the wakeup. Paths share their
/// past, so a wakee's path costs one reference to its waker's cell; a cell no live thread's path
/// reaches is freed (ARC), and memory follows the live paths, not the capture's length.
final class PathCell {
    let tid: Int32
    let pid: Int32
    /// The process's comm (a `MachineState` comm id), as of the cell's end.
    var comm: Int32
    /// The node of the thread's root frame (as of the cell's end), for running time no sample fell in.
    var root: Int32
    /// Where the stretch starts (earlier when it takes in the stretch before it).
    private(set) var start: UInt64
    /// Where the stretch ends: set when the cell is sealed (shared), else the thread's latest time.
    var end: UInt64
    /// CPU samples by stack node.
    var samples: [Int32: UInt32] = [:]
    /// Waits on the path by stack node, in ns, and their sum.
    var waits: [Int32: UInt64] = [:]
    var waited: UInt64 = 0
    /// The waits by state (the run-queue time after a wakeup is runnable; undated time other).
    var states = OffCPUStates()
    /// The path before `start`.
    var next: PathCell?

    init(tid: Int32, pid: Int32, comm: Int32, root: Int32, start: UInt64, next: PathCell?) {
        self.tid = tid
        self.pid = pid
        self.comm = comm
        self.root = root
        self.start = start
        end = start
        self.next = next
    }

    /// A wait of `nanoseconds` at `node` in this stretch.
    func addWait(_ node: Int32, nanoseconds: UInt64, state: OffCPUState) {
        guard nanoseconds > 0 else { return }
        waits[node, default: 0] &+= nanoseconds
        waited &+= nanoseconds
        states[state] &+= nanoseconds
    }

    /// Merges into this cell the same thread's stretches right before it that no other path
    /// holds (only this cell reaches them), looking at most `steps` cells down. Every path that
    /// reaches a cell reaches what lies behind it, so a merge changes no path; it keeps a thread
    /// that wakes many others (a daemon) from growing a chain of one cell per wakeup.
    func compact(steps: Int = 16) {
        var cell = self
        for _ in 0..<steps {
            if isKnownUniquelyReferenced(&cell.next) {
                guard let earlier = cell.next, earlier.tid == cell.tid, earlier.end == cell.start else { return }
                cell.takeIn(earlier)
            } else {
                guard let earlier = cell.next, earlier.tid == cell.tid, earlier.end == cell.start else { return }
                cell = earlier
            }
        }
    }

    /// Takes in `earlier`, the stretch right before this one, which only this cell reaches.
    private func takeIn(_ earlier: PathCell) {
        start = earlier.start
        for (n, c) in earlier.samples { samples[n, default: 0] &+= c }
        for (n, ns) in earlier.waits { waits[n, default: 0] &+= ns }
        waited &+= earlier.waited
        for st in OffCPUState.allCases { states[st] &+= earlier.states[st] }
        next = earlier.next
        earlier.next = nil
    }

    /// Frees the path behind this cell without recursion: a path can be many thousand cells long.
    deinit {
        var node = next
        next = nil
        while var current = node {
            node = nil
            guard isKnownUniquelyReferenced(&current) else { break }
            node = current.next
            current.next = nil
        }
    }
}
