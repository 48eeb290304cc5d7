import CLibDW
#if canImport(Glibc)
import Glibc
#endif

/// Unwinds the user stacks of `perf record --call-graph dwarf` samples with libdwfl: the sample's
/// registers are the initial thread state, its copy of the stack the memory, and the CFI
/// (`.eh_frame`, `.debug_frame`) of the files mapped into the process the rules.
///
/// perf makes a Dwfl per sample, one reason DWARF-mode `perf script` is slow. Here each process
/// address space keeps one Dwfl across its samples (modules reported as they are mapped;
/// `dwfl_attach_state` once, the "current sample" behind its callback argument), and is dropped
/// when the process execs. Not thread-safe: libdw 0.188 is not, so one unwinder per thread.
public final class StackUnwinder {
    /// A file mapped executable into the process: where, and from which file offset.
    public struct Mapping: Hashable, Sendable {
        /// First virtual address of the map in the process.
        public var start: UInt64
        /// End of the map (exclusive).
        public var end: UInt64
        /// File offset in bytes that `start` maps (the MMAP record's pgoff).
        public var pgoff: UInt64
        /// The local file with the code and CFI to use for the map (only `/` paths are reported to libdwfl).
        public var path: String

        /// A map as the capture's MMAP records give it, with the local file to read.
        public init(start: UInt64, end: UInt64, pgoff: UInt64, path: String) {
            self.start = start
            self.end = end
            self.pgoff = pgoff
            self.path = path
        }
    }

    /// One unwound stack: the program counters of its frames, innermost first, return addresses
    /// already moved back into their call instruction (minus one), as perf prints them.
    public struct Stack: Sendable, Equatable {
        /// Program counters, innermost first; the sample's IP alone when nothing could be unwound.
        public var pcs: [UInt64] = []
        /// Unwinding needed memory beyond the copy of the stack: the stack went on past it when
        /// the copy is as long as perf was asked for (`--call-graph dwarf,SIZE`). libdwfl ends
        /// such a stack as if it were complete (a register it cannot read is "undefined").
        public var truncated = false

        /// A stack of `pcs` (innermost first), `truncated` when it went on past the copied stack.
        public init(pcs: [UInt64] = [], truncated: Bool = false) {
            self.pcs = pcs
            self.truncated = truncated
        }
    }

    /// Address spaces by the caller's id for them (a process between two execs).
    private var processes: [UInt64: Process] = [:]
    /// Frames per stack at most (perf's default max-stack is 127).
    public var maxFrames = 127

    /// An unwinder with no address space yet; each is set up on its first sample.
    public init() {}

    deinit {
        for p in processes.values { p.close() }
    }

    /// Forgets an address space (its process exec'd), so its next sample starts afresh.
    public func reset(space: UInt64) {
        processes.removeValue(forKey: space)?.close()
    }

    /// Unwinds one sample of process `pid` in address space `space` (an id the caller gives each
    /// process between two execs). `registers` are x86-64 DWARF registers 0...16 (rax, rdx, rcx,
    /// rbx, rsi, rdi, rbp, rsp, r8-r15, rip; see `dwarfRegisters`), `stack` the bytes at
    /// `registers[7]` (rsp) upwards, `newMaps` executable mappings not passed before (files
    /// already known are skipped, so passing all of them again is only slower).
    public func unwind(space: UInt64, pid: Int32, registers: [UInt64], stack: UnsafeRawBufferPointer,
                       newMaps: [Mapping]) -> Stack {
        guard registers.count == 17 else { return Stack() }
        let process: Process
        if let p = processes[space] {
            process = p
        } else {
            guard let p = Process(pid: pid) else { return Stack(pcs: [registers[16]], truncated: false) }
            processes[space] = p
            process = p
        }
        if !newMaps.isEmpty { process.report(newMaps) }
        return process.unwind(registers: registers, stack: stack, maxFrames: maxFrames)
    }

    /// perf's sampled user registers (x86-64 order with perf's default mask: AX BX CX DX SI DI
    /// BP SP IP FLAGS CS SS R8-R15) as the DWARF registers `unwind` takes; nil when one is missing.
    public static func dwarfRegisters(perfValue: (Int) -> UInt64?) -> [UInt64]? {
        // DWARF 0...16: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip; perf numbers: AX=0 BX=1 CX=2
        // DX=3 SI=4 DI=5 BP=6 SP=7 IP=8 ... R8=16 ... R15=23.
        let perfNumbers = [0, 3, 2, 1, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23, 8]
        var out: [UInt64] = []
        out.reserveCapacity(17)
        for n in perfNumbers {
            guard let v = perfValue(n) else { return nil }
            out.append(v)
        }
        return out
    }
}

/// The per-sample state the C callbacks read (through the Dwfl's callback argument).
private final class UnwindState {
    var registers: [UInt64] = []
    var stack = UnsafeRawBufferPointer(start: nil, count: 0)
    var stackStart: UInt64 = 0
    var readBeyondStack = false
    var pcs: [UInt64] = []
    var maxFrames = 127
}

/// One process address space: its Dwfl, the modules reported so far, the callbacks' state.
private final class Process {
    let pid: Int32
    let dwfl: OpaquePointer
    private let callbacks: UnsafeMutablePointer<Dwfl_Callbacks>
    private let threadCallbacks: UnsafeMutablePointer<Dwfl_Thread_Callbacks>
    private let debugPath: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let state = UnwindState()
    private struct Reported: Hashable { var path: String, base: UInt64 }
    private var reported: Set<Reported> = []
    private var attached = false
    private var closed = false

    init?(pid: Int32) {
        self.pid = pid
        debugPath = .allocate(capacity: 1)
        debugPath.initialize(to: nil)
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(to: Dwfl_Callbacks(find_elf: dwfl_build_id_find_elf, find_debuginfo: dwfl_standard_find_debuginfo,
                                                section_address: dwfl_offline_section_address, debuginfo_path: debugPath))
        threadCallbacks = .allocate(capacity: 1)
        threadCallbacks.initialize(to: Dwfl_Thread_Callbacks(
            next_thread: { _, _, _ in 0 },
            get_thread: { _, _, arg, threadArg in
                threadArg?.pointee = arg
                return true
            },
            memory_read: { _, address, result, arg in
                guard let arg, let result else { return false }
                let s = Unmanaged<UnwindState>.fromOpaque(arg).takeUnretainedValue()
                let offset = address &- s.stackStart
                guard address >= s.stackStart, offset <= UInt64(max(s.stack.count - 8, 0)), s.stack.count >= 8 else {
                    s.readBeyondStack = true
                    return false
                }
                result.pointee = s.stack.loadUnaligned(fromByteOffset: Int(offset), as: UInt64.self)
                return true
            },
            set_initial_registers: { thread, arg in
                guard let thread, let arg else { return false }
                let s = Unmanaged<UnwindState>.fromOpaque(arg).takeUnretainedValue()
                return s.registers.withUnsafeBufferPointer { dwfl_thread_state_registers(thread, 0, 17, $0.baseAddress!) }
            },
            detach: { _, _ in },
            thread_detach: { _, _ in }))
        guard let d = dwfl_begin(callbacks) else {
            callbacks.deallocate(); threadCallbacks.deallocate(); debugPath.deallocate()
            return nil
        }
        dwfl = d
    }

    func close() {
        guard !closed else { return }
        closed = true
        dwfl_end(dwfl)
        callbacks.deallocate()
        threadCallbacks.deallocate()
        debugPath.deallocate()
    }

    /// Reports the files not reported yet, each once at its load base (start - pgoff).
    func report(_ maps: [StackUnwinder.Mapping]) {
        var fresh: [StackUnwinder.Mapping] = []
        for m in maps where m.path.hasPrefix("/") && reported.insert(Reported(path: m.path, base: m.start &- m.pgoff)).inserted {
            fresh.append(m)
        }
        guard !fresh.isEmpty else { return }
        dwfl_report_begin_add(dwfl)
        for m in fresh {
            guard let base = Process.placement(m) else { continue }
            _ = dwfl_report_elf(dwfl, m.path, m.path, -1, base, false)
        }
        dwfl_report_end(dwfl, nil, nil)
        if !attached {
            // The first module tells libdwfl the architecture.
            attached = dwfl_attach_state(dwfl, nil, pid, threadCallbacks, Unmanaged.passUnretained(state).toOpaque())
        }
    }

    /// Where libdwfl places a shared object (`dwfl_report_elf` without `add_p_vaddr`: the page
    /// of its first PT_LOAD) so that the mapped page at file offset `pgoff` lands at `start`.
    /// perf's libdw unwinder uses `start - pgoff`, which is wrong whenever a segment's address
    /// and offset differ (lld and rustc output: text at offset 0x17cc0, address 0x18cc0).
    static func placement(_ m: StackUnwinder.Mapping) -> UInt64? {
        guard let elf = try? ELFFile(path: m.path), let first = elf.segments.first else { return nil }
        let page: UInt64 = 0xfff
        // The segment whose pages the map starts in: its page-aligned offset at or below pgoff.
        guard let s = elf.segments.last(where: { $0.offset & ~page <= m.pgoff && m.pgoff < $0.offset + max($0.fileSize, 1) }) else {
            return m.start &- m.pgoff
        }
        let vaddr = m.pgoff &- s.offset &+ s.vaddr
        return m.start &- (vaddr &- (first.vaddr & ~page))
    }

    func unwind(registers: [UInt64], stack: UnsafeRawBufferPointer, maxFrames: Int) -> StackUnwinder.Stack {
        state.registers = registers
        state.stack = stack
        state.stackStart = registers[7]
        state.readBeyondStack = false
        state.pcs.removeAll(keepingCapacity: true)
        state.maxFrames = maxFrames
        guard attached else { return StackUnwinder.Stack(pcs: [registers[16]], truncated: false) }
        _ = dwfl_getthread_frames(dwfl, pid, { frame, arg in
            guard let frame, let arg else { return Int32(DWARF_CB_ABORT) }
            let s = Unmanaged<UnwindState>.fromOpaque(arg).takeUnretainedValue()
            var pc: Dwarf_Addr = 0
            var activation = false
            guard dwfl_frame_pc(frame, &pc, &activation) else { return Int32(DWARF_CB_ABORT) }
            // A return address points after the call: the call itself is one byte before.
            s.pcs.append(activation ? pc : pc &- 1)
            return Int32(s.pcs.count >= s.maxFrames ? DWARF_CB_ABORT : DWARF_CB_OK)
        }, Unmanaged.passUnretained(state).toOpaque())
        if state.pcs.isEmpty { state.pcs.append(registers[16]) }
        // A read beyond the copy while unwinding the outermost frame (`_start`, a thread's
        // `clone3`) is harmless: only a frame that has a caller was cut off.
        let cut = state.readBeyondStack && !isOutermost(state.pcs[state.pcs.count - 1])
        return StackUnwinder.Stack(pcs: state.pcs, truncated: cut)
    }

    /// Whether the CFI at `pc` says the return address is undefined: the stack ends there.
    private func isOutermost(_ pc: UInt64) -> Bool {
        guard let module = dwfl_addrmodule(dwfl, pc) else { return false }
        var bias: Dwarf_Addr = 0
        guard let cfi = dwfl_module_eh_cfi(module, &bias) ?? dwfl_module_dwarf_cfi(module, &bias) else { return false }
        var frame: OpaquePointer?
        guard dwarf_cfi_addrframe(cfi, pc &- bias, &frame) == 0, let frame else { return false }
        defer { free(UnsafeMutableRawPointer(frame)) }
        var opsMem = [Dwarf_Op](repeating: Dwarf_Op(), count: 3)
        return opsMem.withUnsafeMutableBufferPointer { mem in
            var ops: UnsafeMutablePointer<Dwarf_Op>?
            var count = 0
            // x86-64's return address column is 16; "undefined" is no operations at our buffer.
            guard let base = mem.baseAddress, dwarf_frame_register(frame, 16, base, &ops, &count) == 0 else { return false }
            return count == 0 && ops == mem.baseAddress
        }
    }
}
