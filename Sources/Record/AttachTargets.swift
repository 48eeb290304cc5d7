#if canImport(Glibc)
import Glibc
#endif

/// The running processes `flame record --attach` names: pids, or names matched against every
/// process's comm and executable when recording starts (from /proc).
public struct AttachTarget: Sendable, Equatable {
    /// The process id, as in /proc when recording starts.
    public var pid: Int32
    /// The process's comm from `/proc/PID/comm` (at most 15 bytes).
    public var comm: String
    /// What the user wrote that chose it: `4242` or `sccache`.
    public var asked: String

    /// A target as found in /proc, or as read back from `flame-record.json`.
    public init(pid: Int32, comm: String, asked: String) {
        self.pid = pid
        self.comm = comm
        self.asked = asked
    }
}

/// Why `--attach` cannot be done; one line each, exit status 2.
public struct AttachError: Error, CustomStringConvertible, Equatable {
    /// The line to print, naming the `--attach` argument at fault and what to do.
    public let message: String
    /// The same as `message`.
    public var description: String { message }
}

/// Turns `--attach` arguments into running processes, reading /proc.
public enum AttachTargets {
    /// The processes of `specs` (each a pid, a name, or a comma-separated list of both), in the
    /// order given, each once. `proc`: where the process table is (tests point elsewhere).
    public static func resolve(_ specs: [String], proc: String = "/proc") throws -> [AttachTarget] {
        var out: [AttachTarget] = []
        let ancestors = lineage(of: getpid(), proc: proc)
        for spec in specs {
            for part in spec.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
                guard !part.isEmpty else { throw AttachError(message: "--attach \(spec): an empty name or pid") }
                let found: [AttachTarget]
                if let pid = Int32(part) {
                    guard pid > 0, isRunning(pid: pid, proc: proc), let comm = readComm(pid: pid, proc: proc) else {
                        throw AttachError(message: "--attach \(part): no such process (is it running? `pgrep -a NAME` lists processes)")
                    }
                    if ancestors.contains(pid) {
                        throw AttachError(message: "--attach \(part): \(comm) (pid \(pid)) is \(pid == getpid() ? "flame itself" : "an ancestor of flame"), "
                            + "so its tree would hold flame and perf themselves; attach the daemon, not the shell flame runs in")
                    }
                    found = [AttachTarget(pid: pid, comm: comm, asked: part)]
                } else {
                    found = byName(part, proc: proc, skipping: ancestors)
                    if found.isEmpty {
                        throw AttachError(message: "--attach \(part): no running process has this comm or executable name "
                            + "(start it first, e.g. `sccache --start-server`)")
                    }
                }
                for t in found where !out.contains(where: { $0.pid == t.pid }) { out.append(t) }
            }
        }
        return out
    }

    /// `pid` and its ancestors up to init, from each process's parent in /proc (flame, the shell
    /// that ran it, that shell's terminal, ...): what `--attach` must not take, since their trees
    /// hold flame and perf.
    static func lineage(of pid: Int32, proc: String) -> Set<Int32> {
        var out: Set<Int32> = []
        var next: Int32? = pid
        while let p = next, p > 0, out.insert(p).inserted {
            next = parent(of: p, proc: proc)
        }
        return out
    }

    /// The parent pid from `/proc/PID/stat` (the field after the state), nil when unreadable.
    static func parent(of pid: Int32, proc: String) -> Int32? {
        guard let fields = statFields(pid: pid, proc: proc), fields.count > 1 else { return nil }
        return Int32(fields[1])
    }

    /// The fields of `/proc/PID/stat` after the comm: the state, the parent, ...
    private static func statFields(pid: Int32, proc: String) -> [Substring]? {
        let fd = open("\(proc)/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        // "pid (comm) S ppid ...": the fields follow the last ')' (a comm may hold parentheses).
        guard n > 0, let close = buffer[0..<n].lastIndex(of: UInt8(ascii: ")")), close + 2 < n else { return nil }
        return String(decoding: buffer[(close + 2)..<n], as: UTF8.self).split(separator: " ")
    }

    /// Processes whose comm (what `ps` shows, cut at 15 bytes) or executable's file name is `name`;
    /// never one of `skipping` (flame and its ancestors).
    static func byName(_ name: String, proc: String, skipping: Set<Int32> = []) -> [AttachTarget] {
        guard let dir = opendir(proc) else { return [] }
        defer { closedir(dir) }
        var out: [AttachTarget] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(entryName), !skipping.contains(pid), isRunning(pid: pid, proc: proc),
                  let comm = readComm(pid: pid, proc: proc) else { continue }
            let exe = executableName(pid: pid, proc: proc)
            if comm == name || (name.utf8.count > 15 && name.hasPrefix(comm) && comm.utf8.count == 15) || exe == name {
                out.append(AttachTarget(pid: pid, comm: comm, asked: name))
            }
        }
        return out.sorted { $0.pid < $1.pid }
    }

    /// Whether `pid` is a process that runs: not a zombie waiting for its parent, not gone.
    static func isRunning(pid: Int32, proc: String) -> Bool {
        guard let state = statFields(pid: pid, proc: proc)?.first else { return false }
        return state != "Z" && state != "X"
    }

    /// The comm of a live process, nil when there is none.
    static func readComm(pid: Int32, proc: String) -> String? {
        let fd = open("\(proc)/\(pid)/comm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { return nil }
        var bytes = buffer[0..<n]
        while bytes.last == 0x0A { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The file name of a process's executable (without " (deleted)"), when readable.
    static func executableName(pid: Int32, proc: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("\(proc)/\(pid)/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        var path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if path.hasSuffix(" (deleted)") { path.removeLast(10) }
        return path.split(separator: "/").last.map(String.init)
    }
}
