/// `enum perf_callchain_context` markers inside a callchain.
public enum PerfContext {
    /// PERF_CONTEXT_HV: the entries after it are hypervisor addresses.
    public static let hypervisor: UInt64 = 0xffff_ffff_ffff_ffe0 // -32
    /// PERF_CONTEXT_KERNEL: the entries after it are kernel addresses.
    public static let kernel: UInt64 = 0xffff_ffff_ffff_ff80 // -128
    /// PERF_CONTEXT_USER: the entries after it are user-space addresses.
    public static let user: UInt64 = 0xffff_ffff_ffff_fe00 // -512
    /// PERF_CONTEXT_GUEST: the entries after it come from a guest; names no cpumode, so it keeps the current one.
    public static let guest: UInt64 = 0xffff_ffff_ffff_f800 // -2048
    /// PERF_CONTEXT_GUEST_KERNEL: the entries after it are guest kernel addresses.
    public static let guestKernel: UInt64 = 0xffff_ffff_ffff_f780 // -2176
    /// PERF_CONTEXT_GUEST_USER: the entries after it are guest user-space addresses.
    public static let guestUser: UInt64 = 0xffff_ffff_ffff_f600 // -2560
    /// Values >= this (-4095) are markers, not addresses.
    public static let max: UInt64 = 0xffff_ffff_ffff_f001

    /// The cpumode a marker switches to (nil for markers that do not name one, like GUEST).
    static func cpumode(_ marker: UInt64) -> UInt8? {
        switch marker {
        case hypervisor: return PerfRecordMisc.hypervisor
        case kernel: return PerfRecordMisc.kernel
        case user: return PerfRecordMisc.user
        case guestKernel: return PerfRecordMisc.guestKernel
        case guestUser: return PerfRecordMisc.guestUser
        default: return nil
        }
    }
}

/// One frame of a sample's stack: an address and the cpumode to resolve it with.
public struct CallchainFrame: Sendable, Equatable {
    /// The recorded address: an ip (the leaf, or where user code entered the kernel) or a return address; not adjusted.
    public var address: UInt64
    /// 1 kernel, 2 user, 3 hypervisor, 4 guest kernel, 5 guest user.
    public var cpumode: UInt8
    /// True for kernel or guest-kernel frames, which resolve against kernel maps.
    public var isKernel: Bool { cpumode == PerfRecordMisc.kernel || cpumode == PerfRecordMisc.guestKernel }

    /// A frame at `address`, resolved with `cpumode` (a `PerfRecordMisc` cpumode value).
    public init(address: UInt64, cpumode: UInt8) {
        self.address = address
        self.cpumode = cpumode
    }
}

/// The frames perf script prints for a sample, leaf first, without allocating.
///
/// With a callchain: every entry that is not a PERF_CONTEXT_* marker, each with the cpumode set by the last
/// marker (user before any marker, as perf assumes); the first entry is the sampled ip itself, so the ip is not
/// added again. Without one: the ip alone, with the sample's cpumode.
public struct CallchainFrames: Sequence, IteratorProtocol {
    private let chain: U64View
    private var index = 0
    private var cpumode: UInt8
    private var single: CallchainFrame?

    init(_ sample: PerfSample) {
        chain = sample.callchain
        cpumode = PerfRecordMisc.user
        single = chain.isEmpty ? CallchainFrame(address: sample.ip, cpumode: sample.cpumode) : nil
    }

    /// The next frame toward the root, or nil when the chain is done.
    public mutating func next() -> CallchainFrame? {
        if chain.isEmpty {
            defer { single = nil }
            return single
        }
        while index < chain.count {
            let v = chain[index]
            index += 1
            if v >= PerfContext.max {
                if let m = PerfContext.cpumode(v) { cpumode = m }
                continue
            }
            return CallchainFrame(address: v, cpumode: cpumode)
        }
        return nil
    }
}

extension PerfSample {
    /// The sample's frames, leaf first, as perf script walks them (markers applied and skipped).
    public var frames: CallchainFrames { CallchainFrames(self) }
}
