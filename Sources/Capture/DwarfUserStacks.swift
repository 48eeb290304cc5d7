import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import PerfData
import Symbolize

/// The user stacks of `perf record --call-graph dwarf` samples, unwound on all cores.
///
/// The walk hands each such sample over with `enqueue` (its registers, its stack and the
/// process's executable maps at its time); `submit` unwinds the waiting samples on the
/// workers while the walk goes on, one `StackUnwinder` per worker (libdw 0.188 must not share
/// a Dwfl between threads), and `collect` returns their stacks in the order they came. Stacks are read where the file
/// holds them (copied only out of decompressed `-z` chunks); the owner flushes when
/// `shouldFlush` says so, which bounds copies and queued jobs.
///
/// Each process between two execs is one address space for the unwinders; its files are given
/// as the code the profile recorded (build-id checked, perf's cache copy when the path moved).
package final class DwarfUserStacks {
    /// One sample waiting to be unwound.
    private struct Job: @unchecked Sendable {
        var space: UInt64
        var pid: Int32
        var registers: [UInt64]
        /// The stack copy: in the mapped file itself, or copied out of a decompressed chunk
        /// that is reused once the walk moves on.
        var stack: Stack
        /// perf copied all it was asked for: unwinding past the copy means a cut stack.
        var stackFull: Bool
        var maps: Maps
        var ip: UInt64
    }

    private enum Stack: @unchecked Sendable {
        case borrowed(UnsafeRawBufferPointer)
        case owned([UInt8])

        func withBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
            switch self {
            case .borrowed(let b): return body(b)
            case .owned(let a): return a.withUnsafeBytes(body)
            }
        }
    }

    /// A process's executable mappings at one version of its maps, shared by its jobs.
    private final class Maps: @unchecked Sendable {
        let version: Int
        let list: [StackUnwinder.Mapping]
        init(version: Int, list: [StackUnwinder.Mapping]) {
            self.version = version
            self.list = list
        }
    }

    private let symbols: PerfDataSymbols
    private let workers: [Worker]
    private var jobs: [Job] = []
    private var pendingBytes = 0
    private var spaceOf: [Int32: UInt64] = [:]
    private var nextSpace: UInt64 = 1
    private var currentMaps: [UInt64: Maps] = [:]
    /// The file to read each mapped file's CFI from, by the machine's file id (nil: none).
    private var codeFiles: [Int32: String?] = [:]
    /// Address spaces of processes that exec'd, dropped from the workers at the next flush.
    private var retired: [UInt64] = []

    package init(symbols: PerfDataSymbols) {
        self.symbols = symbols
        let cores = max(1, min(System.activeProcessors, 16))
        workers = (0..<cores).map { _ in Worker() }
    }

    /// Whether a sample carries what unwinding needs: 64-bit user registers and a stack copy.
    package static func applies(to s: PerfSample) -> Bool {
        s.regsUser.abi == 2 && s.stackUser.data.count > 0
    }

    /// A process that execs or is born gets a fresh address space.
    package func apply(_ record: PerfRecord) {
        let pid: Int32
        switch record {
        case .comm(let c) where c.isExec: pid = c.pid
        case .fork(let f) where f.pid != f.ppid: pid = f.pid
        default: return
        }
        guard let old = spaceOf.removeValue(forKey: pid) else { return }
        currentMaps[old] = nil
        retired.append(old)
    }

    /// Queues a sample (see `applies`).
    package func enqueue(_ s: PerfSample, machine: MachineState) {
        let regs = s.regsUser
        let space: UInt64
        if let known = spaceOf[s.pid] {
            space = known
        } else {
            space = nextSpace
            nextSpace += 1
            spaceOf[s.pid] = space
        }
        let version = machine.mapsVersion(pid: s.pid)
        let maps: Maps
        if let m = currentMaps[space], m.version == version {
            maps = m
        } else {
            var list: [StackUnwinder.Mapping] = []
            for m in machine.executableMaps(pid: s.pid) {
                guard let path = codeFile(m.dso, machine) else { continue }
                list.append(StackUnwinder.Mapping(start: m.start, end: m.end, pgoff: m.pgoff, path: path))
            }
            maps = Maps(version: version, list: list)
            currentMaps[space] = maps
        }
        let registers = StackUnwinder.dwarfRegisters(perfValue: { regs.value(register: $0) }) ?? []
        let valid = s.stackUser.valid
        // Records of the file itself stay mapped as long as the file; a decompressed chunk does not.
        let stack: Stack = s.fromCompressed ? .owned(Array(valid)) : .borrowed(valid)
        jobs.append(Job(space: space, pid: s.pid, registers: registers, stack: stack,
                        stackFull: s.stackUser.dynSize >= UInt64(s.stackUser.data.count), maps: maps, ip: s.ip))
        pendingBytes += (s.fromCompressed ? valid.count : 0) + 256
    }

    /// Whether enough samples wait that they should be unwound while the walk goes on.
    package var shouldFlush: Bool { pendingBytes >= batchBytes || jobs.count >= 4096 }

    /// 64 MB of stack copies (or jobs) per batch; `FLAME_UNWIND_BATCH_BYTES` lets the tests make batches
    /// small enough to cross several on a small capture.
    private let batchBytes: Int = getenv("FLAME_UNWIND_BATCH_BYTES").flatMap { Int(String(cString: $0)) } ?? 64 << 20

    /// Starts unwinding the queued samples on the workers, in the background, while the walk
    /// reads on; `collect` returns their stacks. One batch runs at a time: `collect` first.
    package func submit() {
        precondition(running == nil, "collect the running batch first")
        let batch = jobs
        jobs.removeAll(keepingCapacity: true)
        pendingBytes = 0
        guard !batch.isEmpty else { return }
        let results = Results(count: batch.count)
        let workers = self.workers
        let n = min(workers.count, batch.count)
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            // Interleaved, so that every worker gets its share of every phase of the capture.
            DispatchQueue.concurrentPerform(iterations: n) { w in
                let worker = workers[w]
                var j = w
                while j < batch.count {
                    let stack = worker.unwind(batch[j])
                    results.stacks.withUnsafeMutableBufferPointer { $0[j] = stack }
                    j += n
                }
            }
        }
        running = (group, results)
    }

    /// Waits for the batch `submit` started and returns its stacks in ticket order (none when
    /// no batch runs).
    package func collect() -> [StackUnwinder.Stack] {
        guard let (group, results) = running else { return [] }
        group.wait()
        running = nil
        // A process that exec'd is dropped once no batch needs its old address space.
        let queued = Set(jobs.map(\.space))
        retired.removeAll { space in
            guard !queued.contains(space) else { return false }
            for w in workers { w.forget(space) }
            return true
        }
        return results.stacks
    }

    private final class Results: @unchecked Sendable {
        var stacks: [StackUnwinder.Stack]
        init(count: Int) { stacks = Array(repeating: StackUnwinder.Stack(), count: count) }
    }

    private var running: (DispatchGroup, Results)?

    private func codeFile(_ dso: Int32, _ machine: MachineState) -> String? {
        if let known = codeFiles[dso] { return known }
        let filename = machine.dso(dso).filename
        var path = symbols.symbolFile(filename: filename)
        if let p = path, filename.hasPrefix("/") { path = symbols.symbolizer.codeFile(path: p) }
        codeFiles[dso] = path
        return path
    }

    /// One worker thread's unwinder and what it was told of each address space.
    private final class Worker: @unchecked Sendable {
        let unwinder = StackUnwinder()
        private var reported: [UInt64: Int] = [:]

        func forget(_ space: UInt64) {
            unwinder.reset(space: space)
            reported[space] = nil
        }

        func unwind(_ job: Job) -> StackUnwinder.Stack {
            guard job.registers.count == 17 else { return StackUnwinder.Stack(pcs: [job.ip]) }
            var fresh: [StackUnwinder.Mapping] = []
            if reported[job.space] != job.maps.version {
                reported[job.space] = job.maps.version
                fresh = job.maps.list
            }
            var stack = job.stack.withBytes {
                unwinder.unwind(space: job.space, pid: job.pid, registers: job.registers, stack: $0, newMaps: fresh)
            }
            // A copy shorter than asked for ended at the end of the stack's memory: nothing was cut.
            if !job.stackFull { stack.truncated = false }
            return stack
        }
    }
}

/// What the machine offers to run on.
package enum System {
    package static var activeProcessors: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
