import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import PerfData
import Symbolize

/// The user stacks of `perf record --call-graph dwarf` samples, unwound on all cores.
///
/// The walk hands each such sample over with `enqueue` (its registers and a copy of its stack,
/// and the process's executable maps at its time) and gets a ticket; `flush` unwinds the
/// waiting samples in parallel, one `StackUnwinder` per worker (libdw 0.188 must not share a
/// Dwfl between threads), and returns their stacks by ticket. Copies are bounded: the owner
/// flushes when `shouldFlush` says so.
///
/// Each process between two execs is one address space for the unwinders; its files are given
/// as the code the profile recorded (build-id checked, perf's cache copy when the path moved).
final class DwarfUserStacks {
    /// One sample waiting to be unwound.
    private struct Job {
        var space: UInt64
        var pid: Int32
        var registers: [UInt64]
        var stack: [UInt8]
        /// perf copied all it was asked for: unwinding past the copy means a cut stack.
        var stackFull: Bool
        var maps: Maps
        var ip: UInt64
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

    init(symbols: PerfDataSymbols) {
        self.symbols = symbols
        let cores = max(1, min(System.activeProcessors, 16))
        workers = (0..<cores).map { _ in Worker() }
    }

    /// Whether a sample carries what unwinding needs: 64-bit user registers and a stack copy.
    static func applies(to s: PerfSample) -> Bool {
        s.regsUser.abi == 2 && s.stackUser.data.count > 0
    }

    /// A process that execs or is born gets a fresh address space.
    func apply(_ record: PerfRecord) {
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

    /// Queues a sample (see `applies`) and returns its ticket, its index in `flush()`'s result.
    func enqueue(_ s: PerfSample, machine: MachineState) -> Int {
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
        jobs.append(Job(space: space, pid: s.pid, registers: registers, stack: Array(valid),
                        stackFull: s.stackUser.dynSize >= UInt64(s.stackUser.data.count), maps: maps, ip: s.ip))
        pendingBytes += valid.count + 256
        return jobs.count - 1
    }

    /// Whether enough stack copies wait that they should be unwound before more are read.
    var shouldFlush: Bool { pendingBytes >= batchBytes }

    /// 64 MB of stack copies per batch; `FLAME_UNWIND_BATCH_BYTES` lets the tests make batches
    /// small enough to cross several on a small capture.
    private let batchBytes: Int = getenv("FLAME_UNWIND_BATCH_BYTES").flatMap { Int(String(cString: $0)) } ?? 64 << 20

    /// Unwinds every queued sample, workers in parallel; the stacks come back by ticket and
    /// the queue starts again at ticket 0.
    func flush() -> [StackUnwinder.Stack] {
        let batch = jobs
        jobs.removeAll(keepingCapacity: true)
        pendingBytes = 0
        guard !batch.isEmpty else { return [] }
        final class Results: @unchecked Sendable { var stacks: [StackUnwinder.Stack] = [] }
        let results = Results()
        results.stacks = Array(repeating: StackUnwinder.Stack(), count: batch.count)
        let workers = self.workers
        let n = min(workers.count, batch.count)
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
        for space in retired { for w in workers { w.forget(space) } }
        retired.removeAll()
        return results.stacks
    }

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
            var stack = job.stack.withUnsafeBytes {
                unwinder.unwind(space: job.space, pid: job.pid, registers: job.registers, stack: $0, newMaps: fresh)
            }
            // A copy shorter than asked for ended at the end of the stack's memory: nothing was cut.
            if !job.stackFull { stack.truncated = false }
            return stack
        }
    }
}

/// What the machine offers to run on.
enum System {
    static var activeProcessors: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
