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

    /// The kernel functions that wake a thread for a timer.
    static let timerFunctions: Set<Substring> = ["hrtimer_wakeup", "process_timeout", "call_timer_fn", "__hrtimer_run_queues",
                                                "hrtimer_run_queues", "run_timer_softirq", "tick_sched_timer", "hrtimer_interrupt"]
    /// Kernel functions of timed sleeps, which only their timer (or a signal) ends: a wait in one
    /// whose wakeup was not recorded (these VMs lose the events raised while CPU 1 idles) is
    /// still drawn as ended by `[timer]`.
    static let timedSleeps: Set<Substring> = ["do_nanosleep", "hrtimer_nanosleep", "common_nsleep", "schedule_hrtimeout_range",
                                             "schedule_hrtimeout_range_clock", "usleep_range_state", "msleep", "msleep_interruptible"]
    /// Functions that show a softirq ran on the way out of an interrupt or in ksoftirqd (not in
    /// the thread that re-enabled bottom halves), by prefix.
    static let interruptEntries = ["irq_exit", "__irq_exit_rcu", "sysvec_", "asm_sysvec_", "common_interrupt",
                                   "asm_common_interrupt", "run_ksoftirqd", "do_idle", "cpu_startup_entry"]

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
    /// What each kernel frame key is to the classification (`KernelTraits`), looked up once.
    private var traits: [Int32: KernelTraits] = [:]
    private var sleepsTimed: [Int32: Bool] = [:]

    /// Wakeups seen, and those raised by interrupts.
    private(set) var wakeups = 0, fromInterrupts = 0
    /// Waits charged with the wakeup that ended them, with `[timer]` for a timed sleep whose
    /// wakeup is missing, and with no waker.
    private(set) var attributed = 0, inferredTimers = 0, unattributed = 0

    /// Chains `depth` wakers long (1 ... `maxDepth`) for the stacks of `stacks`.
    init(depth: Int, stacks: PerfDataStacks) {
        self.depth = min(max(depth, 1), Self.maxDepth)
        self.stacks = stacks
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
        if let frame = interruptFrame(s, context) {
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
            let end = preempted ? preemptedKey : timedSleep(node) ? timerKey : unknownKey
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

    /// `[timer]` or `[irq]` when an interrupt raised the wakeup, nil when a thread did.
    private func interruptFrame(_ s: PerfSample, _ context: WakeContext) -> Int32? {
        guard context.hardInterrupt || context.softInterrupt || s.tid == 0 else { return nil }
        var found = KernelTraits()
        for k in stacks.capture.frames(of: s, view: stacks.view) { found.formUnion(kernelTraits(k)) }
        if found.contains(.timer) { return timerKey }
        // A softirq in a thread that re-enabled bottom halves (a send on loopback delivering to the
        // receiver) ran for that thread: it is the waker. Without kernel names (no callchain, no
        // kallsyms) a softirq cannot be placed: an interrupt.
        let entry = found.contains(.interruptEntry), named = found.contains(.named)
        if context.softInterrupt && !context.hardInterrupt && !entry && named && s.tid != 0 { return nil }
        return irqKey
    }

    /// Whether the blocked stack at `node` sleeps in a timed sleep (`timedSleeps`).
    private func timedSleep(_ node: Int32) -> Bool {
        if let known = sleepsTimed[node] { return known }
        let timed = stacks.keys(to: node).contains { kernelTraits($0).contains(.timedSleep) }
        sleepsTimed[node] = timed
        return timed
    }

    /// What the kernel function of frame key `key` tells (nothing for other frames), from its
    /// kallsyms name without a compiler suffix (`.isra.0`), once per key.
    private func kernelTraits(_ key: Int32) -> KernelTraits {
        if let known = traits[key] { return known }
        let capture = stacks.capture
        var t = KernelTraits()
        if key >= 0, Int(key) < capture.keys.count, capture.keys.kinds[Int(key)] == .kernel {
            capture.waitForKernelSymbols()
            if let name = capture.symbols.kernelSymbol(at: capture.keys.addresses[Int(key)])?.name {
                let base = name.split(separator: ".", maxSplits: 1).first ?? Substring(name)
                t.insert(.named)
                if Self.timerFunctions.contains(base) { t.insert(.timer) }
                if Self.timedSleeps.contains(base) { t.insert(.timedSleep) }
                if Self.interruptEntries.contains(where: { base.hasPrefix($0) }) { t.insert(.interruptEntry) }
            }
        }
        traits[key] = t
        return t
    }

    private func processKey(pid: Int32, comm: Int32) -> Int32 {
        var name = stacks.machine.commName(comm)
        return stacks.literal(nameID: name.withUTF8 { stacks.collapser.rootName(comm: $0, pid: Int(pid), tid: Int(pid)) })
    }
}

/// What a kernel frame is to `WakerChains`' classification of wakeups and waits.
struct KernelTraits: OptionSet {
    let rawValue: UInt8
    /// The frame has a kallsyms name.
    static let named = KernelTraits(rawValue: 1)
    /// A function that wakes a thread for a timer (`WakerChains.timerFunctions`).
    static let timer = KernelTraits(rawValue: 2)
    /// A timed sleep (`WakerChains.timedSleeps`).
    static let timedSleep = KernelTraits(rawValue: 4)
    /// An interrupt's entry or exit, or ksoftirqd (`WakerChains.interruptEntries`).
    static let interruptEntry = KernelTraits(rawValue: 8)
}
