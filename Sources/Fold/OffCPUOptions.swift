import ProfileModel

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
    /// Draw each wait's waker above it (`--wakers`): the blocked stack, `--`, the waker's stack.
    public var wakers = false
    /// How many wakers each chain follows (`--depth`, 1 ... 8): 2 adds who woke the waker.
    public var wakerDepth = 1
    /// The bpftrace map to read (default: the first whose key holds a stack).
    public var bpftraceMap: String?

    /// Every state counted, no state frames, no wakeup split, no minimum length, the default bpftrace map.
    public init() {}

    /// Whether an interval of a thread in this state passes `--state`.
    public func admits(state: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !states.isEmpty else { return true }
        guard let first = state.first else { return states.contains(UInt8(ascii: "R")) }
        return states.contains(first)
    }
}

/// The bounds of `--depth`.
public enum WakerDepth {
    /// The most wakers a chain follows.
    public static let max = 8
}
