/// What a thread was doing when it left the CPU, by the first letter of `prev_state`.
public enum OffCPUState: Int, Sendable, CaseIterable {
    /// `R`, `R+`: preempted, still runnable (waiting for a CPU).
    case runnable
    /// `S`: sleeping (a lock, a pipe, a socket, a timer, a child).
    case sleeping
    /// `D`: uninterruptible, mostly disk I/O.
    case disk
    /// Anything else (`I` idle kernel threads, `T`, `t`, `P`, ...).
    case other

    package init(_ state: UnsafeBufferPointer<UInt8>) {
        switch state.first {
        case UInt8(ascii: "R"), nil: self = .runnable
        case UInt8(ascii: "S"): self = .sleeping
        case UInt8(ascii: "D"): self = .disk
        default: self = .other
        }
    }

    /// The letter reports use for the state.
    public var letter: String { ["R", "S", "D", "other"][rawValue] }
}

/// Nanoseconds off-CPU per switch-out state.
public struct OffCPUStates: Sendable, Equatable {
    /// Off-CPU nanoseconds indexed by `OffCPUState.rawValue`: runnable, sleeping, disk, other.
    public var nanoseconds: [UInt64] = [0, 0, 0, 0]

    /// All four states at zero.
    public init() {}

    /// The nanoseconds of one state.
    public subscript(state: OffCPUState) -> UInt64 {
        get { nanoseconds[state.rawValue] }
        set { nanoseconds[state.rawValue] = newValue }
    }

    /// All states together.
    public var total: UInt64 { nanoseconds.reduce(0, &+) }

    /// Adds `other`'s time, state by state.
    public mutating func add(_ other: OffCPUStates) {
        for i in nanoseconds.indices { nanoseconds[i] &+= other.nanoseconds[i] }
    }
}
