#if canImport(Glibc)
import Glibc
#endif

/// The signal forwarding target: C signal handlers cannot capture, so the child's pid lives in
/// globals that only the handler and `PerfRun` touch.
nonisolated(unsafe) private var forwardTo: pid_t = 0
nonisolated(unsafe) private var interruptedBySignal: sig_atomic_t = 0

/// Runs perf as a child and waits for it: Ctrl-C (or a SIGINT/SIGTERM sent to flame) reaches
/// perf, which stops recording and ends the workload, while flame lives on to draw what was
/// recorded. The child's exit status is what a shell would report.
public final class PerfRun {
    /// The perf command line, its path first (run as is, without a `PATH` search).
    public let arguments: [String]
    /// Whether flame was interrupted while perf ran.
    public private(set) var interrupted = false
    /// perf's process id once it runs (the program's parent in the capture), else 0.
    public private(set) var pid: pid_t = 0

    /// A runner of `arguments`; nothing starts before `run`.
    public init(arguments: [String]) {
        self.arguments = arguments
    }

    /// perf could not be started, or waiting for it failed.
    public struct SpawnError: Error, CustomStringConvertible {
        /// The program that was to run: `arguments[0]`.
        public let program: String
        /// The system's reason (`strerror` of the failed call).
        public let reason: String
        /// `cannot run PROGRAM: REASON`, for stderr.
        public var description: String { "cannot run \(program): \(reason)" }
    }

    /// Runs perf; `progress(elapsed seconds)` is called about four times a second while it runs.
    /// Returns the exit status (128 + signal when it was killed), as a shell would.
    public func run(progress: ((Double) -> Void)? = nil) throws -> Int32 {
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        let spawned = posix_spawn(&pid, arguments[0], nil, nil, &argv, environ)
        guard spawned == 0 else { throw SpawnError(program: arguments[0], reason: String(cString: strerror(spawned))) }
        self.pid = pid

        forwardTo = pid
        interruptedBySignal = 0
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { sig in
            interruptedBySignal = 1
            if forwardTo > 0 { kill(forwardTo, sig) }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        var oldInt = sigaction(), oldTerm = sigaction()
        sigaction(SIGINT, &action, &oldInt)
        sigaction(SIGTERM, &action, &oldTerm)
        defer {
            sigaction(SIGINT, &oldInt, nil)
            sigaction(SIGTERM, &oldTerm, nil)
            forwardTo = 0
        }

        var start = timespec(), now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, progress == nil ? 0 : WNOHANG)
            if r == pid { break }
            if r < 0 {
                if errno == EINTR { continue }
                throw SpawnError(program: arguments[0], reason: String(cString: strerror(errno)))
            }
            clock_gettime(CLOCK_MONOTONIC, &now)
            progress?(Double(now.tv_sec - start.tv_sec) + Double(now.tv_nsec - start.tv_nsec) / 1e9)
            usleep(250_000)
        }
        interrupted = interruptedBySignal != 0
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// Counts the samples perf has written so far, for progress while it records: perf writes the
/// file header (with the data offset) when it starts and appends whole records after it.
public final class SampleCounter {
    private let path: String
    private var offset = -1
    private(set) public var samples = 0
    private let sampleType: UInt32 = 9

    /// A counter of the perf.data file perf writes at `path`; it may not exist yet.
    public init(path: String) {
        self.path = path
    }

    /// Reads what was appended since the last call; returns the samples counted so far.
    public func update() -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return samples }
        defer { close(fd) }
        if offset < 0 {
            var header = [UInt8](repeating: 0, count: 56)
            guard pread(fd, &header, 56, 0) == 56, header.starts(with: Array("PERFILE2".utf8)) else { return samples }
            offset = header[40..<48].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            guard offset >= 56 else { offset = -1; return samples }
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = pread(fd, &buffer, buffer.count, off_t(offset))
            guard n >= 8 else { break }
            var p = 0
            while n - p >= 8 {
                let type = UInt32(buffer[p]) | UInt32(buffer[p + 1]) << 8 | UInt32(buffer[p + 2]) << 16 | UInt32(buffer[p + 3]) << 24
                let size = Int(buffer[p + 6]) | Int(buffer[p + 7]) << 8
                guard size >= 8, size <= n - p else { break }
                if type == sampleType { samples += 1 }
                p += size
            }
            if p == 0 { break }
            offset += p
            if n < buffer.count { break }
        }
        return samples
    }
}
