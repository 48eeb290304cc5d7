#if canImport(Glibc)
import Glibc
#endif
import ProfileModel
import PerfData
import Fold
import TextInputs
import Record
import Symbolize
import SVGRender

/// A failure to write the output.
struct OutputError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "\(path): cannot write: \(reason)" }
}

/// Shared plumbing of the commands: loading with notes on stderr, and writing output.
enum CLI {
    /// A diagnostic on stderr, as `say` prints a line.
    static func say(_ diagnostic: Diagnostic) { say(diagnostic.description) }

    /// One line on stderr, prefixed with the program name; a status line being shown is cleared
    /// first, so that lines never run together.
    static func say(_ message: String) {
        FileHandleStderr.write((progressShown ? "\r\u{1B}[K" : "") + "flame: \(printable(message))\n")
        progressShown = false
    }

    /// Whether a status line (`progress`) is on the terminal, not ended by a newline.
    nonisolated(unsafe) private static var progressShown = false

    /// Messages quote the input (thread and process names, symbols, event and map names): control
    /// characters there could move the cursor, recolour or clear the terminal, or split one message
    /// into lines that look like others, so they are written as escapes. Tabs stay.
    static func printable(_ message: String) -> String {
        func hidden(_ u: Unicode.Scalar) -> Bool {
            let v = u.value
            return (v < 0x20 && v != 0x09) || (v >= 0x7F && v <= 0x9F) || (v >= 0x202A && v <= 0x202E)
                || (v >= 0x2066 && v <= 0x2069) || v == 0x200E || v == 0x200F || v == 0x2028 || v == 0x2029
        }
        guard message.unicodeScalars.contains(where: hidden) else { return message }
        var out = String.UnicodeScalarView()
        for u in message.unicodeScalars {
            guard hidden(u) else { out.append(u); continue }
            let escape: String
            switch u.value {
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            case 0..<0x80: escape = "\\x" + (u.value < 0x10 ? "0" : "") + String(u.value, radix: 16)
            default: escape = "\\u{" + String(u.value, radix: 16) + "}"
            }
            out.append(contentsOf: escape.unicodeScalars)
        }
        return String(out)
    }

    /// An input as a command reads it: a `flame record` folder (or its perf.data) becomes its
    /// capture read with the processes the recording selected, unless the filters choose
    /// processes themselves (`--pid`, `--tree`) or `--all-processes` asks for the whole capture.
    struct Input {
        var path: String
        var filter: ProcessFilter
        var selection: RecordSelection?
    }

    static func resolve(_ path: String, _ flags: FilterFlags) throws -> Input {
        let record: RecordInput
        do {
            record = try RecordInput.resolve(path)
        } catch let e as RecordSelection.Invalid {
            throw InputError.selection(file: e.path, detail: e.reason)
        }
        var filter = flags.filter
        guard let selection = record.selection else { return Input(path: record.data, filter: filter, selection: nil) }
        if flags.allProcesses || filter.choosesProcesses {
            let what = flags.allProcesses ? "every process of the capture" : "the processes --pid/--tree name"
            say(.note(.selection, subject: record.data, "reading \(what), not flame record's selection (\(selection.description))"))
        } else {
            filter.trees = Set(selection.trees.map(Int.init))
            say(.note(.selection, subject: record.data, "reading \(selection.description), as flame record selected (--all-processes "
                + "reads every process)"))
        }
        return Input(path: record.data, filter: filter, selection: selection)
    }

    /// Throws the error reading `path` would give, without reading it (standard input passes).
    static func requireReadable(_ path: String) throws {
        guard path != "-" else { return }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        close(fd)
    }

    /// Loads an input and prints its notes (filtered events, skipped lines) on stderr.
    static func load(_ path: String, _ options: CollapseOptions, threads: Int? = nil) throws -> Profile {
        let views = try CaptureLoader.load(path: path, request: .onCPU, collapse: options, offCPU: OffCPUOptions(), threads: threads)
        return say(views).on
    }

    /// Throws `InputError.noSamples` naming `path` when `profile` holds nothing to draw: for
    /// off-CPU time that none was counted; for samples which event was kept, and whether the
    /// thread filters (`filter`) left them out. The one guard of every command that draws.
    static func requireData(_ profile: Profile, path: String, filter: ProcessFilter = ProcessFilter()) throws {
        if profile.unit == .offCPU {
            guard profile.totalWeight == 0 else { return }
            throw InputError.noSamples(file: InputName.of(path), detail: "no off-CPU time was counted")
        }
        guard profile.totalSamples == 0 && profile.totalWeight == 0 else { return }
        var detail = profile.event.map { "kept only event \($0)" } ?? "no sample records found"
        if !filter.isEmpty { detail += ", and only the threads --pid, --tree, --tid and --comm name" }
        throw InputError.noSamples(file: InputName.of(path), detail: detail)
    }

    /// A status line on stderr that the next one replaces (a terminal only; nil clears it).
    static func progress(_ message: String?) {
        FileHandleStderr.write("\r\u{1B}[K" + (message.map { "flame: \(printable($0))" } ?? ""))
        progressShown = message != nil
    }

    /// Loads an input as on-CPU samples, or with `offcpu` as off-CPU time, printing its notes (and
    /// for off-CPU the summary of what was counted) on stderr.
    static func loadProfile(_ path: String, offcpu: Bool, collapse: CollapseOptions, offcpuOptions: OffCPUOptions,
                            threads: Int? = nil) throws -> Profile {
        guard offcpu else { return try load(path, collapse, threads: threads) }
        return try loadOffCPU(path, collapse: collapse, offcpuOptions: offcpuOptions).profile
    }

    /// Loads an input as off-CPU time, printing its notes and the summary of what was counted.
    static func loadOffCPU(_ path: String, collapse: CollapseOptions, offcpuOptions: OffCPUOptions) throws -> OffCPUResult {
        let views = try CaptureLoader.load(path: path, request: .offCPU, collapse: collapse, offCPU: offcpuOptions)
        return try say(views).off!()
    }

    /// Loads one input for both views, reading a perf.data file once (`CaptureLoader`). The
    /// on-CPU notes are printed now; the off-CPU notes and summary, or its error, when `off` is
    /// called, so that messages come in the order two loads would give.
    static func loadBoth(_ path: String, collapse: CollapseOptions, offcpuOptions: OffCPUOptions,
                         threads: Int? = nil) throws -> (on: Profile, off: () throws -> OffCPUResult) {
        let loaded = try loadBoth(path, collapse: collapse, offcpuOptions: offcpuOptions, threads: threads, offCPUIfRecorded: false)
        return (loaded.on, loaded.off!)
    }

    /// As `loadBoth`; with `offCPUIfRecorded`, `off` is nil unless the input is a perf.data
    /// capture of the scheduler's switches.
    static func loadBoth(_ path: String, collapse: CollapseOptions, offcpuOptions: OffCPUOptions, threads: Int?,
                         offCPUIfRecorded: Bool) throws -> (on: Profile, off: (() throws -> OffCPUResult)?) {
        say(try CaptureLoader.load(path: path, request: offCPUIfRecorded ? .offCPUIfRecorded : .both, collapse: collapse,
                                   offCPU: offcpuOptions, threads: threads))
    }

    /// As `loadBoth`, for a perf.data capture already open.
    static func loadBoth(_ file: PerfDataFile, collapse: CollapseOptions, offcpuOptions: OffCPUOptions,
                         offCPUIfRecorded: Bool = false) throws -> (on: Profile, off: (() throws -> OffCPUResult)?) {
        say(try CaptureLoader.load(file: file, collapse: collapse, offCPU: offcpuOptions, offCPUIfRecorded: offCPUIfRecorded))
    }

    /// Says the on-CPU view's diagnostics now, the off-CPU ones (and the summary) when its result
    /// is taken. `on` is an empty profile when only off-CPU time was read.
    private static func say(_ views: CaptureLoader.Views) -> (on: Profile, off: (() throws -> OffCPUResult)?) {
        let on = views.on ?? Profile()
        for d in on.diagnostics { say(d) }
        guard let off = views.off else { return (on, nil) }
        return (on, {
            let result = try off.get()
            sayNotes(result)
            return result
        })
    }

    /// The notes of an off-CPU result and the summary of what was counted, on stderr.
    private static func sayNotes(_ result: OffCPUResult) {
        for d in result.profile.diagnostics { say(d) }
        if let summary = result.summary {
            for line in summary.report(duration: ValueFormat.duration(nanoseconds:)) { say(line) }
        }
    }

    /// Where output goes: the given path, else standard output unless it is a terminal,
    /// in which case `defaultFile` in the current directory.
    static func outputPath(_ given: String?, defaultFile: String) -> String? {
        if let given { return given }
        return isatty(1) != 0 ? defaultFile : nil
    }

    /// The inputs of this run (device, inode, as named): `write` never replaces one of them.
    nonisolated(unsafe) private static var inputs: [(dev: UInt64, ino: UInt64, path: String)] = []

    /// Remembers `paths` as inputs, so that no output of this run replaces them (a report
    /// folder's files, a PNG preview, as well as `-o`).
    static func protectInputs(_ paths: [String]) {
        for path in paths where path != "-" {
            var st = stat()
            if stat(path, &st) == 0 { inputs.append((UInt64(st.st_dev), UInt64(st.st_ino), path)) }
        }
    }

    /// Throws when `path` names one of the protected inputs (same file, by device and inode, so
    /// links and other spellings of the name are caught too).
    static func refuseInput(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        if let input = inputs.first(where: { $0.dev == UInt64(st.st_dev) && $0.ino == UInt64(st.st_ino) }) {
            throw OutputError(path: path, reason: "it is the input \(input.path); choose another -o")
        }
    }

    /// Refuses an output path that names one of the inputs, and keeps every output of the run
    /// away from them.
    static func refuseOverwritingInput(output: String?, inputs: [String]) throws {
        protectInputs(inputs)
        guard let output, output != "-" else { return }
        try refuseInput(output)
    }

    /// Writes bytes to `path`, or standard output when nil or "-". Files are written to a
    /// temporary name beside the target and renamed, so a failed run leaves no half file.
    static func write(_ bytes: [UInt8], to path: String?) throws {
        guard let path, path != "-" else {
            try writeAll(fd: 1, bytes, name: "<stdout>")
            return
        }
        try refuseInput(path)
        // A device or a pipe (`-o /dev/null`, `-o /dev/stdout`) is written as it is: renaming a
        // temporary file over it would replace the device with a regular file.
        var st = stat()
        let exists = stat(path, &st) == 0
        if exists && (st.st_mode & S_IFMT) == S_IFDIR { throw OutputError(path: path, reason: "is a directory") }
        if exists && (st.st_mode & S_IFMT) != S_IFREG {
            let fd = open(path, O_WRONLY)
            if fd < 0 { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
            defer { close(fd) }
            try writeAll(fd: fd, bytes, name: path)
            return
        }
        let tmp = path + ".tmp.\(getpid())"
        // A new file of our own: never through a link someone left at the temporary name.
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        var fd = open(tmp, flags, 0o644)
        if fd < 0 && errno == EEXIST && unlink(tmp) == 0 { fd = open(tmp, flags, 0o644) }
        if fd < 0 { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
        do {
            try writeAll(fd: fd, bytes, name: path)
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        close(fd)
        if rename(tmp, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw OutputError(path: path, reason: reason)
        }
    }

    /// Writes a piece of streamed output to standard output.
    static func writeChunk(_ bytes: [UInt8]) throws {
        try writeAll(fd: 1, bytes, name: "<stdout>")
    }

    private static func writeAll(fd: Int32, _ bytes: [UInt8], name: String) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OutputError(path: name, reason: String(cString: strerror(errno)))
                }
                offset += n
            }
        }
    }
}

/// This process's environment as a dictionary.
enum ProcessEnvironment {
    static var current: [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return out
    }
}

enum FileHandleStderr {
    static func write(_ s: String) {
        var s = s
        s.withUTF8 { buf in _ = Glibc.write(2, buf.baseAddress, buf.count) }
    }
}
