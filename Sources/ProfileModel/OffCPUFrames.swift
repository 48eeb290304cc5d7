/// The frames an off-CPU profile adds to the recorded stacks, so that every input (perf.data, perf
/// script text, timehist, bcc, bpftrace) draws the same shape and the reports can name them.
public enum OffCPUFrames {
    /// The frame name for a state: `[state S]`, `[state R+]`.
    public static func stateFrame(_ state: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        Array("[state ".utf8) + (state.isEmpty ? Array("?".utf8) : Array(state)) + [UInt8(ascii: "]")]
    }

    /// The frame that run-queue time is drawn in with `splitWakeup`.
    public static let runqueueFrame = Array("[runqueue]".utf8)
    /// The frame that time after a switch-out whose end could not be dated is drawn in.
    public static let undatedFrame = Array("[switch-in not recorded]".utf8)
    /// The frame over a wait still open when the capture ended (cut at the end).
    public static let openAtEndFrame = Array("[still waiting at capture end]".utf8)

    /// The frame idle threads of one process are drawn under: `[idle: 3 threads]`.
    public static func idleFrame(threads: Int) -> [UInt8] {
        Array("[idle: \(threads) thread\(threads == 1 ? "" : "s")]".utf8)
    }
}
