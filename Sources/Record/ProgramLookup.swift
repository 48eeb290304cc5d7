#if canImport(Glibc)
import Glibc
#endif

/// Finds the program `flame record -- CMD` runs as a shell would, before perf starts: a missing
/// command is exit status 127 and one that cannot be run 126, with the shell's words, instead of
/// a perf error after a recording of nothing.
public enum ProgramLookup {
    /// Why the program cannot be run, with the exit status a shell would give.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        /// The program as the user gave it.
        public let program: String
        /// 127: not found; 126: found but not executable.
        public let status: Int32
        /// The shell's words: `PROG: command not found` or `PROG: permission denied ...`.
        public var description: String {
            status == 127 ? "\(program): command not found" : "\(program): permission denied (not an executable file)"
        }
    }

    /// Nil when `program` can be run; else why not. `searchPath`: `PATH`.
    public static func check(_ program: String, searchPath: String) -> Failure? {
        func executable(_ path: String) -> Bool? {
            var st = stat()
            guard stat(path, &st) == 0 else { return nil }
            return st.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
        }
        if program.contains("/") {
            guard let ok = executable(program) else { return Failure(program: program, status: 127) }
            return ok ? nil : Failure(program: program, status: 126)
        }
        var sawFile = false
        for dir in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + program
            switch executable(candidate) {
            case true?: return nil
            case false?: sawFile = true
            case nil: continue
            }
        }
        return Failure(program: program, status: sawFile ? 126 : 127)
    }
}
