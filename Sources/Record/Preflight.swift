#if canImport(Glibc)
import Glibc
#endif

/// What `flame record` finds out before it starts perf: where perf is, whether this user may
/// record what is asked, and which CPU event the machine can sample. Every problem comes with
/// what to do about it, in one or two lines.
public struct Preflight: Sendable {
    /// `PATH` to look for perf in.
    public var searchPath: String
    /// The kernel's `perf_event_paranoid` (a file, so tests can point elsewhere).
    public var paranoidFile = "/proc/sys/kernel/perf_event_paranoid"
    /// Where tracefs may be mounted.
    public var tracingDirectories = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]
    /// sysfs PMU directories: any of them means a hardware `cycles` event exists.
    public var pmuDirectories = ["/sys/bus/event_source/devices/cpu", "/sys/bus/event_source/devices/cpu_core"]
    /// Root (or a process with CAP_PERFMON, which perf treats alike) is not limited by paranoid.
    public var privileged: Bool

    /// The environment of this process: `PATH`, and privileged when the effective user is root.
    /// `FLAME_PARANOID_FILE` and `FLAME_ASSUME_UNPRIVILEGED=1` stand in for the kernel's
    /// setting and an unprivileged user in tests.
    public init(environment: [String: String]) {
        searchPath = environment["PATH"] ?? "/usr/bin:/bin"
        privileged = geteuid() == 0 && environment["FLAME_ASSUME_UNPRIVILEGED"] != "1"
        if let f = environment["FLAME_PARANOID_FILE"] { paranoidFile = f }
    }

    /// What was found: the perf binary and event choices, or the problems that stop recording.
    public struct Result: Sendable {
        /// Path of the perf binary found on `searchPath`; nil when there is none (a problem says so).
        public var perf: String?
        /// `cycles` when the CPU has a PMU, else `cpu-clock`.
        public var cpuEvent = "cpu-clock"
        /// The scheduler tracepoints present (sched_stat_runtime is missing on some kernels).
        public var tracepoints: [String] = []
        /// Lines that stop recording, each saying what to do.
        public var problems: [String] = []
        /// Lines worth knowing that do not stop it.
        public var notes: [String] = []
    }

    /// Checks for a recording with scheduler events (`offCPU`) or without, system-wide or not.
    public func check(offCPU: Bool, systemWide: Bool) -> Result {
        var r = Result()
        r.perf = find("perf")
        if r.perf == nil {
            r.problems.append("perf is not installed (or not on PATH): install it, e.g. `apt-get install linux-perf` on Debian")
        }
        if pmuDirectories.contains(where: { access($0, F_OK) == 0 }) {
            r.cpuEvent = "cycles"
        } else {
            r.notes.append("no hardware PMU here (a VM?): sampling cpu-clock, a timer, instead of cycles")
        }
        if !privileged, let level = paranoidLevel() {
            // perf_event_open(2): -1 allows raw tracepoint samples, 0 system-wide events, 1 kernel
            // frames; 2 only the user's own processes in user space.
            let needed = offCPU ? -1 : (systemWide ? 0 : 1)
            if level > needed {
                let what = offCPU ? "scheduler tracepoints on every CPU" : (systemWide ? "every CPU" : "kernel frames")
                r.problems.append("kernel.perf_event_paranoid is \(level): recording \(what) needs root, or "
                    + "`sysctl kernel.perf_event_paranoid=\(needed)`")
            }
        }
        if offCPU {
            let events = ["sched_switch", "sched_wakeup", "sched_stat_runtime"]
            func readable() -> String? {
                tracingDirectories.first { access("\($0)/events/sched/sched_switch/id", R_OK) == 0 }
            }
            var dir = readable()
            var mountError: String?
            if dir == nil && privileged {
                // Root: tracefs is merely not mounted (a fresh machine); perf would mount it too.
                mountError = mountTracefs()
                dir = readable()
                if dir != nil { r.notes.append("mounted tracefs at \(tracingDirectories[0]) for the scheduler tracepoints") }
            }
            if let dir {
                func present(_ e: String) -> Bool { access("\(dir)/events/sched/\(e)/id", R_OK) == 0 }
                // sched_waking fires in the waker's context (its stack is the waker's, for
                // `--wakers`); sched_wakeup can fire later on the wakee's CPU. One of them is enough.
                r.tracepoints = events.filter(present).map { "sched:\($0)" }
                if present("sched_waking"), let i = r.tracepoints.firstIndex(of: "sched:sched_wakeup") {
                    r.tracepoints[i] = "sched:sched_waking"
                }
                if !r.tracepoints.contains("sched:sched_stat_runtime") {
                    r.notes.append("this kernel has no sched:sched_stat_runtime: waits that end on an idle CPU may stay undated")
                }
            } else if privileged {
                r.problems.append("the scheduler tracepoints are not available: tracefs is not mounted at \(tracingDirectories[0])"
                    + (mountError.map { " and mounting it failed (\($0))" } ?? "") + "; mount it with "
                    + "`mount -t tracefs nodev \(tracingDirectories[0])`, or record with --oncpu-only")
            } else {
                r.problems.append("the scheduler tracepoints are not readable (\(tracingDirectories[0])/events/sched): "
                    + "run as root (flame mounts tracefs then), or mount tracefs readable by you "
                    + "(`mount -t tracefs -o mode=755 nodev \(tracingDirectories[0])`); --oncpu-only records without them")
            }
        }
        return r
    }

    /// Mounts tracefs where the tracepoints are looked for first; the error, or nil.
    func mountTracefs() -> String? {
        let target = tracingDirectories[0]
        guard target.hasPrefix("/sys/") else { return "not a system directory" }
        if mount("nodev", target, "tracefs", 0, nil) == 0 { return nil }
        return String(cString: strerror(errno))
    }

    func paranoidLevel() -> Int? {
        let fd = open(paranoidFile, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return Int(String(decoding: buffer[0..<n], as: UTF8.self).trimmingWhitespace)
    }

    func find(_ name: String) -> String? {
        for dir in searchPath.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            var st = stat()
            if stat(candidate, &st) == 0, st.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
