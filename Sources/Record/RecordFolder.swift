import Foundation

/// What `flame record` selected in its capture and how, kept as `flame-record.json` beside the
/// capture, so that every reading command given the folder (or its perf.data) reads the same
/// processes: the recorded program, the attached processes, and what they started.
public struct RecordSelection: Sendable, Equatable {
    /// The file name in the folder.
    public static let fileName = "flame-record.json"
    /// Format version written.
    public static let version = 1

    /// The program perf ran, as given (empty when only attaching).
    public var command: [String]
    /// The program's process in the capture, when found.
    public var programPID: Int32?
    /// The processes attached to, with what chose them.
    public var attached: [AttachTarget]
    /// Roots of the process trees read (`--tree`): the program and the attached processes.
    public var trees: [Int32]
    /// The perf command line.
    public var perf: [String]
    /// The program's exit status (128 + N for a signal), and whether flame was interrupted.
    public var exitStatus: Int32?
    /// Whether flame was interrupted (Ctrl-C, SIGTERM) while perf recorded.
    public var interrupted: Bool

    /// A selection whose `trees` are the program's pid (when found) and the attached pids.
    public init(command: [String], programPID: Int32?, attached: [AttachTarget], perf: [String],
                exitStatus: Int32?, interrupted: Bool) {
        self.command = command
        self.programPID = programPID
        self.attached = attached
        trees = (programPID.map { [$0] } ?? []) + attached.map(\.pid)
        self.perf = perf
        self.exitStatus = exitStatus
        self.interrupted = interrupted
    }

    /// The selection in words: "the program (make, pid 4242), sccache (pid 17) and every process
    /// they started during the capture".
    public var description: String {
        var parts: [String] = []
        if let pid = programPID, let name = command.first {
            parts.append("the program (\(name.split(separator: "/").last.map(String.init) ?? name), pid \(pid))")
        }
        parts += attached.map { "\($0.comm) (pid \($0.pid), --attach \($0.asked))" }
        let who = parts.count <= 1 ? parts.joined() : parts.dropLast().joined(separator: ", ") + " and " + parts.last!
        return who + " and every process \(parts.count == 1 ? "it" : "they") started during the capture"
    }

    /// The file's bytes: JSON, one key per line, for people and scripts alike.
    public func json() -> [UInt8] {
        var o: [String: Any] = [
            "flame_record": RecordSelection.version,
            "command": command,
            "attached": attached.map { ["pid": Int($0.pid), "comm": $0.comm, "asked": $0.asked] as [String: Any] },
            "trees": trees.map(Int.init),
            "selection": description,
            "perf": perf,
            "interrupted": interrupted,
        ]
        if let programPID { o["program_pid"] = Int(programPID) }
        if let exitStatus { o["exit_status"] = Int(exitStatus) }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Array(data) + [0x0A]
    }

    /// Why a folder cannot be read as flame record's.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        /// The folder or file at fault.
        public let path: String
        /// What is wrong with it and, where possible, what to give instead.
        public let reason: String
        /// `PATH: REASON`, for stderr.
        public var description: String { "\(path): \(reason)" }
    }

    /// Reads `flame-record.json` in `folder`.
    public static func read(folder: String) throws -> RecordSelection {
        let path = folder.hasSuffix("/") ? folder + fileName : folder + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else {
            throw Invalid(path: folder, reason: "not a flame record folder (it has no \(fileName)); give a perf.data file, "
                + "or a folder `flame record` wrote")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        guard let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let version = o["flame_record"] as? Int else {
            throw Invalid(path: path, reason: "not flame record's selection (expected a JSON object with \"flame_record\": 1)")
        }
        guard version == RecordSelection.version else {
            throw Invalid(path: path, reason: "version \(version) of flame record's selection; this flame reads version \(RecordSelection.version)")
        }
        let command = o["command"] as? [String] ?? []
        let attached = (o["attached"] as? [[String: Any]] ?? []).compactMap { a -> AttachTarget? in
            guard let pid = a["pid"] as? Int, let p = Int32(exactly: pid) else { return nil }
            return AttachTarget(pid: p, comm: a["comm"] as? String ?? "?", asked: a["asked"] as? String ?? String(pid))
        }
        let program = (o["program_pid"] as? Int).flatMap { Int32(exactly: $0) }
        var s = RecordSelection(command: command, programPID: program, attached: attached, perf: o["perf"] as? [String] ?? [],
                                exitStatus: (o["exit_status"] as? Int).flatMap { Int32(exactly: $0) },
                                interrupted: o["interrupted"] as? Bool ?? false)
        if let trees = o["trees"] as? [Int] { s.trees = trees.compactMap { Int32(exactly: $0) } }
        guard !s.trees.isEmpty else { throw Invalid(path: path, reason: "it selects no process (\"trees\" is empty)") }
        return s
    }
}

/// An input that may be a `flame record` folder: the capture to read and the selection to read
/// it with.
public struct RecordInput: Sendable {
    /// The file to read.
    public var data: String
    /// The selection `flame record` made, when the input is (or is in) a record folder.
    public var selection: RecordSelection?
    /// The folder, when the input is one or is inside one.
    public var folder: String?

    /// `path` as given: a folder `flame record` wrote (its perf.data and selection), a perf.data
    /// inside one (the same), or anything else as it is. Throws `RecordSelection.Invalid` for a
    /// folder that is not flame record's.
    public static func resolve(_ path: String) throws -> RecordInput {
        guard path != "-" else { return RecordInput(data: path) }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            let selection = try RecordSelection.read(folder: path)
            let data = (path.hasSuffix("/") ? path : path + "/") + "perf.data"
            guard FileManager.default.fileExists(atPath: data) else {
                throw RecordSelection.Invalid(path: path, reason: "a flame record folder without its perf.data")
            }
            return RecordInput(data: data, selection: selection, folder: path)
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.last == "perf.data" {
            let folder = parts.count > 1 ? parts.dropLast().joined(separator: "/") : "."
            let beside = (folder.isEmpty ? "/" : folder + "/") + RecordSelection.fileName
            if FileManager.default.fileExists(atPath: beside) {
                return RecordInput(data: path, selection: try RecordSelection.read(folder: folder.isEmpty ? "/" : folder),
                                   folder: folder)
            }
        }
        return RecordInput(data: path)
    }
}
