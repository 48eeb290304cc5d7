import PerfData
import Capture

/// Who ended each off-CPU wait (`flame offcpu --wakers`): the wakeup tracepoint fires in the
/// waker's context, so its sample's stack is the stack that woke the thread. Each wait is drawn as
/// Gregg's off-wake graphs draw it: the blocked stack, a `--` frame, then the waker's stack from
/// its innermost frame out (so that the two innermost frames meet at the `--`) and the waker's
/// thread and process on top. With a depth above 1 the chain goes on: who woke the waker, before
/// it woke this thread, and so on (Gregg's chain graphs).
///
/// A wakeup raised by an interrupt (a timer, a disk or network completion: `WakeContext`) has no
/// waker thread: its chain is one `[timer]` or `[irq]` frame. A wait that ended without a wakeup
/// in the capture ends in `[preempted]` (the thread was runnable all along) or
/// `[waker not recorded]`.
///
/// Memory grows with live threads: a thread's chain goes when it exits.
final class WakerChains {
    /// How many wakers a chain follows, at most.
    static let maxDepth = WakerDepth.max
    /// The frame between a wait and its waker.
    static let separator = "--"
    /// The waker of a wakeup raised by a timer interrupt or softirq.
    static let timerFrame = "[timer]"
    /// The waker of a wakeup raised by any other interrupt (disk, network, IPI).
    static let irqFrame = "[irq]"
    /// A wait that ended without a wakeup: the thread was preempted, runnable all along.
    static let preemptedFrame = "[preempted]"
    /// A wait that ended with no wakeup in the capture (one before it began, or a lost event).
    static let unknownFrame = "[waker not recorded]"

    /// One link: a waker's frames as raw keys, innermost first, then its thread and process frames.
    typealias Link = [Int32]

    private let depth: Int
    private let stacks: PerfDataStacks
    private let separatorKey: Int32, timerKey: Int32, irqKey: Int32, preemptedKey: Int32, unknownKey: Int32
    /// The chain of each thread's latest wakeup since it was switched out.
    private var pending: [Int32: [Link]] = [:]
    /// The chain of the wakeup that ended each thread's latest wait.
    private var last: [Int32: [Link]] = [:]
    /// The names of threads that exited lately (`exited`), until their final switch-out.
    private var exiting: [Int32: [Int32]] = [:]
    private var exitOrder: [Int32] = []
    /// How many exited threads are kept for their last wakeups.
    static let exitingKept = 256
    /// Which wakeups interrupts raised, and which waits are timed sleeps.
    private let classifier: WakeupClassifier

    /// Wakeups seen, and those raised by interrupts.
    private(set) var wakeups = 0, fromInterrupts = 0
    /// Waits charged with the wakeup that ended them, with `[timer]` for a timed sleep whose
    /// wakeup is missing, and with no waker.
    private(set) var attributed = 0, inferredTimers = 0, unattributed = 0

    /// Chains `depth` wakers long (1 ... `maxDepth`) for the stacks of `stacks`.
    init(depth: Int, stacks: PerfDataStacks) {
        self.depth = min(max(depth, 1), Self.maxDepth)
        self.stacks = stacks
        classifier = WakeupClassifier(stacks: stacks)
        separatorKey = stacks.literal(Self.separator)
        timerKey = stacks.literal(Self.timerFrame)
        irqKey = stacks.literal(Self.irqFrame)
        preemptedKey = stacks.literal(Self.preemptedFrame)
        unknownKey = stacks.literal(Self.unknownFrame)
        stacks.reversesAbove = separatorKey
    }

    /// A wakeup of `wakee`, raised in `context` by sample `s` (the waker's thread and stack,
    /// unless an interrupt raised it).
    func woken(_ s: PerfSample, wakee: Int32, context: WakeContext) {
        guard wakee > 0 else { return }
        wakeups += 1
        if let interrupt = classifier.interrupt(s, context) {
            let frame = interrupt == .timer ? timerKey : irqKey
            fromInterrupts += 1
            pending[wakee] = [[frame]]
            return
        }
        var link = stacks.capture.frames(of: s, view: stacks.view)
        // A thread that exited wakes its parent after its EXIT record: its names were kept then.
        link += exiting[s.tid] ?? names(pid: s.pid, tid: s.tid)
        var chain = [link]
        if depth > 1, let before = pending[s.tid] ?? last[s.tid] { chain += before.prefix(depth - 1) }
        pending[wakee] = chain
    }

    /// Thread `tid`, which has no wait open, ran code of its own (a CPU sample): a wakeup it had
    /// is spent and ends no later wait (it was woken before it slept, and no switch followed).
    func ran(_ tid: Int32) { pending[tid] = nil }

    /// Thread `tid` was switched out in a state starting with `state`. A wakeup can be raised
    /// while its thread is still on the CPU, between setting its sleeping state and the switch
    /// (sched_waking fires before the waker waits for that CPU): that wakeup ends the wait that
    /// begins now, and is kept. A thread switched out runnable (R) was preempted, or woken
    /// before it slept: such a wakeup ended nothing. A thread switched out dead (X, Z) wakes
    /// nobody any more: its state goes.
    func switchedOut(_ tid: Int32, state: UInt8?) {
        switch state {
        case nil, UInt8(ascii: "R")?: pending[tid] = nil
        case UInt8(ascii: "X")?, UInt8(ascii: "Z")?: forget(tid)
        default: break
        }
    }

    /// Thread `tid` of process `pid` exited (its EXIT record, before the walk's state forgets it).
    /// Its last acts come after the record (the exit wakes its parent), so its names and chain
    /// are kept a while, for the last `exitingKept` threads that exited; a later thread with its
    /// tid starts afresh.
    func exited(pid: Int32, tid: Int32) {
        if exiting.updateValue(names(pid: pid, tid: tid), forKey: tid) == nil { exitOrder.append(tid) }
        if exitOrder.count > Self.exitingKept {
            // Long gone (its final switch-out was not recorded): nothing of it is kept.
            forget(exitOrder.removeFirst())
        }
    }

    /// Thread `tid` was created (a FORK record): a thread that had the tid before is gone.
    func forked(tid: Int32) { forget(tid) }

    private func forget(_ tid: Int32) {
        exiting[tid] = nil
        pending[tid] = nil
        last[tid] = nil
    }

    /// The thread and process frames of a waker: its thread's root frame, then its process's comm
    /// when that differs from the thread's.
    private func names(pid: Int32, tid: Int32) -> [Int32] {
        var out = [stacks.literal(nameID: stacks.root(pid: pid, tid: tid))]
        let thread = stacks.machine.commID(tid: tid), process = stacks.machine.commID(tid: pid)
        if pid > 0, process != thread { out.append(processKey(pid: pid, comm: process)) }
        return out
    }

    /// The wait of `tid` at `node` ended (switched in, or dated otherwise): its waker is the latest
    /// wakeup since it was switched out. `charged`: whether the wait is drawn (then the node of
    /// its blocked time, with the waker chain above it, is returned; else `node`).
    func waitEnded(_ node: Int32, tid: Int32, preempted: Bool, charged: Bool) -> Int32 {
        let chain = pending.removeValue(forKey: tid)
        if let chain { last[tid] = chain }
        guard charged else { return node }
        // Preempted (runnable all along): a wakeup raised meanwhile ended nothing; the scheduler did.
        guard let chain, !preempted else {
            let end = preempted ? preemptedKey : classifier.timedSleep(node) ? timerKey : unknownKey
            if end == timerKey { inferredTimers += 1 } else { unattributed += 1 }
            return stacks.child(of: stacks.child(of: node, key: separatorKey), key: end)
        }
        attributed += 1
        var n = node
        for link in chain {
            n = stacks.child(of: n, key: separatorKey)
            for k in link { n = stacks.child(of: n, key: k) }
        }
        return n
    }

    private func processKey(pid: Int32, comm: Int32) -> Int32 {
        var name = stacks.machine.commName(comm)
        return stacks.literal(nameID: name.withUTF8 { stacks.collapser.rootName(comm: $0, pid: Int(pid), tid: Int(pid)) })
    }
}
