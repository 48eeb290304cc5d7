#if canImport(Glibc)
import Glibc
#endif

/// A PNG picture of an SVG, for Markdown that cannot keep the SVG interactive (GitHub shows an
/// image inline, the SVG opens from the link). Drawn by `rsvg-convert` (Debian `librsvg2-bin`).
public enum PNGPreview {
    /// Writes `png` from `svg`, `width` pixels wide; nil on success, else why not (one line).
    public static func write(svg: String, png: String, width: Int = 1200) -> String? {
        guard let tool = findInPath("rsvg-convert") else {
            return "no PNG previews: rsvg-convert is not installed (Debian: apt-get install librsvg2-bin)"
        }
        let args = [tool, "--width", String(width), "--keep-aspect-ratio", "--output", png, svg]
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Its own messages would interleave with flame's: keep them out of the terminal.
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let spawned = posix_spawn(&pid, tool, &actions, nil, &argv, environ)
        guard spawned == 0 else { return "no PNG preview of \(svg): cannot run rsvg-convert: \(String(cString: strerror(spawned)))" }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        return exited && code == 0 ? nil : "no PNG preview of \(svg): rsvg-convert failed (status \(exited ? code : 128 + (status & 0x7f)))"
    }

    static func findInPath(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
