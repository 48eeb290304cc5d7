import PerfData
import Capture

/// Tells which wakeups an interrupt raised (a timer, a disk or network completion: no waker
/// thread) and which waits are timed sleeps, from a wakeup's `common_flags` (`WakeContext`) and
/// the kernel functions on its stack and on the blocked stack. Shared by `WakerChains` and
/// `CriticalPathView`; each kernel frame is named and classified once.
final class WakeupClassifier {
    /// What raised a wakeup that no thread raised.
    enum Interrupt { case timer, irq }

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

    private let stacks: PerfDataStacks
    /// What each kernel frame key is to the classification (`KernelTraits`), looked up once.
    private var traits: [Int32: KernelTraits] = [:]
    private var sleepsTimed: [Int32: Bool] = [:]

    /// A classifier of the wakeups and waits of `stacks`.
    init(stacks: PerfDataStacks) { self.stacks = stacks }

    /// The interrupt that raised a wakeup (sample `s`, raised in `context`), nil when a thread did.
    func interrupt(_ s: PerfSample, _ context: WakeContext) -> Interrupt? {
        guard context.hardInterrupt || context.softInterrupt || s.tid == 0 else { return nil }
        var found = KernelTraits()
        for k in stacks.capture.frames(of: s, view: stacks.view) { found.formUnion(kernelTraits(k)) }
        if found.contains(.timer) { return .timer }
        // A softirq in a thread that re-enabled bottom halves (a send on loopback delivering to the
        // receiver) ran for that thread: it is the waker. Without kernel names (no callchain, no
        // kallsyms) a softirq cannot be placed: an interrupt.
        let entry = found.contains(.interruptEntry), named = found.contains(.named)
        if context.softInterrupt && !context.hardInterrupt && !entry && named && s.tid != 0 { return nil }
        return .irq
    }

    /// Whether the blocked stack at `node` sleeps in a timed sleep (`timedSleeps`).
    func timedSleep(_ node: Int32) -> Bool {
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
}

/// What a kernel frame is to `WakeupClassifier`.
struct KernelTraits: OptionSet {
    let rawValue: UInt8
    /// The frame has a kallsyms name.
    static let named = KernelTraits(rawValue: 1)
    /// A function that wakes a thread for a timer (`WakeupClassifier.timerFunctions`).
    static let timer = KernelTraits(rawValue: 2)
    /// A timed sleep (`WakeupClassifier.timedSleeps`).
    static let timedSleep = KernelTraits(rawValue: 4)
    /// An interrupt's entry or exit, or ksoftirqd (`WakeupClassifier.interruptEntries`).
    static let interruptEntry = KernelTraits(rawValue: 8)
}
