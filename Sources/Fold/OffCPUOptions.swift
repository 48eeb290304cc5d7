/// What `flame offcpu` counts and how it draws it.
public struct OffCPUOptions: Sendable {
    /// Count only intervals whose switch-out state starts with one of these letters (`S`, `D`,
    /// `R`, `I`, ...); empty counts every state.
    public var states: Set<UInt8> = []
    /// Put the state as a frame (`[state D]`) under the thread's root frame, so sleeping and
    /// blocked time form separate towers.
    public var stateFrames = false
    /// Split each interval at its wakeup: time until the wakeup stays on the blocking stack,
    /// time waiting for a CPU after it goes to a `[runqueue]` frame on top of that stack.
    public var splitWakeup = false
    /// Drop intervals shorter than this (offcputime's `-m`), in microseconds.
    public var minBlockMicroseconds: UInt64 = 0
    /// The bpftrace map to read (default: the first whose key holds a stack).
    public var bpftraceMap: String?

    public init() {}

    /// Whether an interval of a thread in this state passes `--state`.
    public func admits(state: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !states.isEmpty else { return true }
        guard let first = state.first else { return states.contains(UInt8(ascii: "R")) }
        return states.contains(first)
    }

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
