#if canImport(Glibc)
import Glibc
#endif
#if FUZZING
import CLibFuzzer
#endif

/// The body of a fuzz target: one input of any bytes. It returns normally for every input; a trap,
/// a sanitizer report or a failed `FuzzCheck` is a finding.
public typealias FuzzBody = (UnsafeRawBufferPointer) -> Void

public enum FuzzMain {
    // libFuzzer calls back through a C function pointer, which cannot capture the body.
    nonisolated(unsafe) private static var body: FuzzBody = { _ in }

    /// Built with `-D FUZZING` (and the sanitizer flags, see scripts/fuzz.sh), runs `body` under
    /// libFuzzer with the command line's libFuzzer options. Otherwise replays `body` over the files
    /// and directories named on the command line, so ordinary builds keep the targets compiling and
    /// a crash or hang found by the fuzzer can be rerun in a debugger or a debug build.
    public static func run(_ name: String, _ body: @escaping FuzzBody) -> Never {
        #if FUZZING
        FuzzMain.body = body
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzMain.body(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
        #else
        exit(replay(name, Array(CommandLine.arguments.dropFirst()), body))
        #endif
    }

    /// Runs `body` over every file (directories: their files, sorted); prints the slowest.
    static func replay(_ name: String, _ paths: [String], _ body: FuzzBody) -> Int32 {
        guard !paths.isEmpty, !paths.contains(where: { $0.hasPrefix("-") }) else {
            say("usage: \(name) FILE|DIR... (replays inputs; build with scripts/fuzz.sh to fuzz)")
            return 2
        }
        var slowest = (seconds: 0.0, file: "")
        var count = 0
        for file in paths.flatMap(files(in:)) {
            guard let bytes = readAll(file) else {
                say("\(name): \(file): cannot read: \(String(cString: strerror(errno)))")
                return 1
            }
            let start = now()
            bytes.withUnsafeBytes(body)
            let seconds = now() - start
            if seconds >= slowest.seconds { slowest = (seconds, file) }
            count += 1
        }
        say("\(name): \(count) input(s) ran, slowest \(Int(slowest.seconds * 1000)) ms (\(slowest.file))")
        return 0
    }

    public static func files(in path: String) -> [String] {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, let dir = opendir(path) else { return [path] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(".") { continue }
            out.append(path + "/" + name)
        }
        return out.sorted().flatMap(files(in:))
    }

    public static func readAll(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { return out }
            out += chunk[0..<n]
        }
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func say(_ s: String) {
        let line = s + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}

/// One input as a file. The text readers stream from a file descriptor (`ByteSource`), so each
/// input is written to one temporary file, unlinked at once and reopened through /proc/self/fd:
/// the reading code is the one flame runs, and no file names pile up when a run is killed.
public final class InputFile: @unchecked Sendable {
    public static let shared = InputFile()
    private let fd: Int32
    /// The name the readers see (and put in their messages).
    public let path: String

    private init() {
        var st = stat()
        let dir = stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp"
        var template = Array("\(dir)/flame-fuzz-XXXXXX".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(fd >= 0, "cannot create a temporary file in \(dir)")
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        path = "/proc/self/fd/\(fd)"
    }

    /// Replaces the file's content with `data`; returns `path`.
    public func write(_ data: UnsafeRawBufferPointer) -> String {
        precondition(ftruncate(fd, 0) == 0)
        var done = 0
        while done < data.count {
            let n = pwrite(fd, data.baseAddress! + done, data.count - done, off_t(done))
            if n < 0 && errno == EINTR { continue }
            precondition(n > 0, "cannot write the input file: \(String(cString: strerror(errno)))")
            done += n
        }
        return path
    }
}

/// What every message flame shows for bad input must satisfy (issue 9): one line, naming the file.
/// A violation stops the fuzzer like a crash, with the message.
public enum FuzzCheck {
    public static func message(_ text: String, file: String, _ what: @autoclosure () -> String) {
        if text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            fatalError("\(what()): message spans lines: \(text.debugDescription)")
        }
        if !text.hasPrefix(file) {
            fatalError("\(what()): message does not start with the file name \(file): \(text.debugDescription)")
        }
    }

    public static func fail(_ what: String) -> Never {
        fatalError(what)
    }
}
