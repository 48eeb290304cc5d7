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
    /// The stretches between this one and `next`, settled (`compact` folds them in): no other path
    /// reaches them any more.
    var behind = PathTotals()
    /// The path before `start` (and `behind`).
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

    /// Folds into this cell the stretches right before it that no other path holds (only this
    /// cell reaches them), looking at most `steps` cells down. The same thread's stretch right
    /// before this one joins it as it is; any other is settled into `behind`, counted from
    /// `from` (the program's start), which must be known by then. Every path that reaches a cell
    /// reaches what lies behind it, so folding changes no path: it keeps a path of many hops (a
    /// daemon waking many threads, two threads handing work back and forth) from being kept as
    /// one cell per hop. `to`: settled stretches count only before it (`--time`'s end).
    func compact(from: UInt64?, to: UInt64 = .max, steps: Int = 16) {
        var cell = self
        for _ in 0..<steps {
            guard cell.next != nil else { return }
            guard isKnownUniquelyReferenced(&cell.next), let earlier = cell.next else {
                cell = cell.next!
                continue
            }
            if earlier.tid == cell.tid, earlier.end == cell.start, cell.behind.isEmpty {
                cell.takeIn(earlier)
            } else if let from {
                var settled = PathTotals(earlier, from: from, to: to)
                settled.append(earlier: earlier.behind)
                cell.behind.append(earlier: settled)
                cell.next = earlier.next
                earlier.next = nil
            } else {
                cell = earlier
            }
        }
    }

    /// Takes in `earlier`, the same thread's stretch right before this one, which only this cell
    /// reaches (this cell has nothing folded behind it).
    private func takeIn(_ earlier: PathCell) {
        start = earlier.start
        for (n, c) in earlier.samples { samples[n, default: 0] &+= c }
        for (n, ns) in earlier.waits { waits[n, default: 0] &+= ns }
        waited &+= earlier.waited
        for st in OffCPUState.allCases { states[st] &+= earlier.states[st] }
        behind = earlier.behind
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
