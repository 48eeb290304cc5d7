#if canImport(Glibc)
import Glibc
#endif

/// Finds the file that has the symbols of a binary named in a profile, in this order:
/// binaries given on the command line (by build-id, then by file name), `--debug-dir`
/// directories (a `.build-id/xx/rest.debug` tree, then by name), `.gnu_debuglink` next to the
/// binary and under /usr/lib/debug, `/usr/lib/debug/.build-id`, perf's build-id cache
/// (`~/.debug`), and last (when allowed) the path in the profile. A candidate whose build-id differs from the
/// expected one is refused with a warning naming both ids.
struct DebugFileLocator {
    var binaries: [String] = []
    var debugDirs: [String] = []
    /// Whether the file at the profile's path may serve as its own symbol source.
    var useProfilePath = true
    /// perf's build-id cache directory (`~/.debug`).
    var perfCache: String?

    /// Where symbols of the profile's `path` come from: the file with symbols (maybe a separate
    /// debug file), the file whose segments map offsets (the binary, when found), and warnings.
    struct Choice {
        var symbols: ELFFile?
        var layout: ELFFile?
        var warnings: [String] = []
    }

    func locate(profilePath path: String, expectedBuildID: String?) -> Choice {
        var choice = Choice()
        let found0 = try? ELFFile(path: path)
        let expected = expectedBuildID ?? found0?.buildID
        let name = basename(path)
        // The file at the profile's path may have been rebuilt since: then it is not the code
        // that ran (perf's build-id cache may still hold that).
        var original = found0
        if let o = found0, let expected, let id = o.buildID, id != expected {
            choice.warnings.append("\(path) has build-id \(id), but the profile recorded \(expected) (rebuilt since?): not used")
            original = nil
        }

        func acceptable(_ file: ELFFile, _ origin: String) -> Bool {
            if let expected, let id = file.buildID, id != expected {
                choice.warnings.append("\(file.path) (\(origin)) has build-id \(id), but the profile's \(path) has \(expected): not used")
                return false
            }
            return true
        }
        func consider(_ candidate: String, _ origin: String) -> ELFFile? {
            guard let file = try? ELFFile(path: candidate), acceptable(file, origin) else { return nil }
            return file
        }

        // Binaries named on the command line: by build-id first, then by file name.
        let given = binaries.compactMap { try? ELFFile(path: $0) }
        var found: ELFFile?
        if let expected { found = given.first { $0.buildID == expected } }
        if found == nil {
            for file in given where basename(file.path) == name || basename(file.path) == name + ".debug" {
                if acceptable(file, "--binary") { found = file; break }
            }
        }
        // --debug-dir trees.
        if found == nil, let expected, expected.count > 2 {
            let head = String(expected.prefix(2)), rest = String(expected.dropFirst(2))
            for dir in debugDirs {
                if let f = consider("\(dir)/.build-id/\(head)/\(rest).debug", "--debug-dir") { found = f; break }
            }
        }
        if found == nil {
            let link = original?.debugLink
            for dir in debugDirs {
                for candidate in [link.map { "\(dir)/\($0)" }, "\(dir)/\(name).debug", "\(dir)/\(name)"].compactMap({ $0 }) {
                    if let f = consider(candidate, "--debug-dir") { found = f; break }
                }
                if found != nil { break }
            }
        }
        // Beside the binary and in the system debug directory.
        if found == nil, original?.hasSymbolTable != true || original?.hasDebugInfo != true {
            let dir = dirname(path)
            var candidates: [String] = []
            if let link = original?.debugLink {
                candidates += ["\(dir)/\(link)", "\(dir)/.debug/\(link)", "/usr/lib/debug\(dir)/\(link)"]
            }
            if let expected, expected.count > 2 {
                candidates.append("/usr/lib/debug/.build-id/\(expected.prefix(2))/\(expected.dropFirst(2)).debug")
            }
            for c in candidates where found == nil { found = consider(c, "debug file") }
        }
        // perf's build-id cache: ~/.debug/.build-id/xx/rest -> directory with elf/debug.
        if found == nil, original?.hasSymbolTable != true, let cache = perfCache, let expected, expected.count > 2 {
            let dir = "\(cache)/.build-id/\(expected.prefix(2))/\(expected.dropFirst(2))"
            for c in ["\(dir)/debug", "\(dir)/elf"] where found == nil { found = consider(c, "perf build-id cache") }
        }
        choice.symbols = found ?? (useProfilePath ? original : nil)
        choice.layout = original ?? found
        return choice
    }

    /// The file with the code of `path` (see `Symbolizer.codeFile`): debug-only files have no
    /// loaded `.eh_frame`, so they are not candidates.
    func locateCode(profilePath path: String, expectedBuildID: String?) -> String? {
        func matches(_ file: ELFFile) -> Bool {
            guard let expected = expectedBuildID, let id = file.buildID else { return true }
            return id == expected
        }
        if let original = try? ELFFile(path: path), matches(original) { return path }
        guard let expected = expectedBuildID, expected.count > 2 else { return nil }
        for b in binaries {
            if let f = try? ELFFile(path: b), f.buildID == expected, f.hasCode { return b }
        }
        if let cache = perfCache {
            let elf = "\(cache)/.build-id/\(expected.prefix(2))/\(expected.dropFirst(2))/elf"
            if let f = try? ELFFile(path: elf), f.buildID == expected { return elf }
        }
        return nil
    }
}

func basename(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}

func dirname(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
