#if canImport(Glibc)
import Glibc
#endif

/// Symbolization results of one symbol file, kept on disk so that the next run on the same
/// binaries answers from the file and never opens the DWARF.
///
/// One file per (build-id, symbol file identity, demangling): the identity (device, inode,
/// size, mtime) changes when a debug file is rebuilt or replaced, so a stale answer cannot be
/// served. A damaged or foreign file reads as empty and is rewritten on save.
final class SymbolDiskCache {
    private let path: String
    /// Answers read from disk; an empty array records "no function here".
    private var stored: [UInt64: [SymbolFrame]] = [:]
    private var added: [UInt64: [SymbolFrame]] = [:]
    private static let magic = Array("FLAMESYM1\n".utf8)
    /// Part of every file name: bump it whenever what the symbolizer answers changes (naming,
    /// demangling or symbol-selection rules), so answers of an older flame are never served.
    static let rulesVersion = 9

    /// `$XDG_CACHE_HOME/flame/symbols`, else `~/.cache/flame/symbols`.
    static func defaultDirectory() -> String? {
        if let xdg = getenv("XDG_CACHE_HOME"), xdg.pointee != 0 { return String(cString: xdg) + "/flame/symbols" }
        if let home = getenv("HOME"), home.pointee != 0 { return String(cString: home) + "/.cache/flame/symbols" }
        return nil
    }

    init?(directory: String, symbolFile: String, buildID: String?, demangle: Bool, inlineAndLines: Bool = true) {
        var st = stat()
        guard stat(symbolFile, &st) == 0 else { return nil }
        let id = buildID ?? "no-build-id"
        path = "\(directory)/r\(Self.rulesVersion)-\(id)-\(st.st_dev)-\(st.st_ino)-\(st.st_size)-\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)-\(demangle ? "d" : "m")\(inlineAndLines ? "i" : "f")"
        if let bytes = FileBytes.read(path, limit: 1 << 30) { stored = Self.decode(bytes) ?? [:] }
    }

    /// The cached frames at `vaddr`: nil when unknown, `[]` when known to be in no function.
    func lookup(_ vaddr: UInt64) -> [SymbolFrame]? {
        stored[vaddr] ?? added[vaddr]
    }

    func record(_ vaddr: UInt64, _ frames: [SymbolFrame]?) {
        added[vaddr] = frames ?? []
    }

    var hasNewEntries: Bool { !added.isEmpty }

    /// Whether the file held no answers when it was opened.
    var isEmpty: Bool { stored.isEmpty }

    /// Writes stored and new answers (to a temporary name, then renamed: concurrent runs never
    /// see half a file). Failures are silent: the cache is an optimization.
    func save() {
        guard !added.isEmpty else { return }
        let directory = String(path[..<path.lastIndex(of: "/")!])
        makeDirectories(directory)
        var all = stored
        all.merge(added) { _, new in new }
        let bytes = Self.encode(all)
        // A name of its own (mkstemp): two symbolizers of one process (flame both reads a capture
        // for two views at once) may save the same cache file at the same moment.
        var template = Array((path + ".tmp.XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return }
        let tmp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        fchmod(fd, 0o644)
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        close(fd)
        if !ok || rename(tmp, path) != 0 { unlink(tmp) }
        stored = all
        added = [:]
    }

    private func makeDirectories(_ dir: String) {
        var prefix = dir.hasPrefix("/") ? "" : "."
        for part in dir.split(separator: "/") {
            prefix += "/" + part
            mkdir(prefix, 0o755)
        }
    }

    // Format: magic, u32 number of addresses, then per address: u64 vaddr, u32 frame count, per frame: u8 flags
    // (1 inlined, 2 has file, 4 has line, 8 has offset, 16 perf name, 32 perf alias and instance,
    // 64 perf renames),
    // u32 length + name, [u32 length + file], [u32 line], [u64 offset], [u32 length + perf name],
    // [u32 length + perf alias, u64 instance].
    static func encode(_ entries: [UInt64: [SymbolFrame]]) -> [UInt8] {
        var out = magic
        out.reserveCapacity(entries.count * 64)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { out += $0 } }
        func text(_ s: String) { u32(s.utf8.count); out += s.utf8 }
        u32(entries.count)
        // Any order reads back the same; sorting showed up in first runs.
        for (vaddr, frames) in entries {
            withUnsafeBytes(of: vaddr.littleEndian) { out += $0 }
            u32(frames.count)
            for f in frames {
                out.append((f.inlined ? 1 : 0) | (f.file != nil ? 2 : 0) | (f.line != nil ? 4 : 0) | (f.offset != nil ? 8 : 0) | (f.perfName != nil ? 16 : 0)
                           | (f.perfAlias != nil && f.perfInstance != nil ? 32 : 0) | (f.perfRenames ? 64 : 0))
                text(f.name)
                if let file = f.file { text(file) }
                if let line = f.line { u32(line) }
                if let offset = f.offset { withUnsafeBytes(of: offset.littleEndian) { out += $0 } }
                if let d = f.perfName { text(d) }
                if let a = f.perfAlias, let id = f.perfInstance {
                    text(a)
                    withUnsafeBytes(of: id.littleEndian) { out += $0 }
                }
            }
        }
        return out
    }

    /// nil when the bytes are not a complete cache file.
    static func decode(_ b: [UInt8]) -> [UInt64: [SymbolFrame]]? {
        guard b.starts(with: magic) else { return nil }
        var p = magic.count
        func u32() -> Int? {
            guard p + 4 <= b.count else { return nil }
            defer { p += 4 }
            return Int(b[p]) | Int(b[p + 1]) << 8 | Int(b[p + 2]) << 16 | Int(b[p + 3]) << 24
        }
        func text() -> String? {
            guard let n = u32(), n <= b.count - p else { return nil }
            defer { p += n }
            return String(decoding: b[p..<p + n], as: UTF8.self)
        }
        var result: [UInt64: [SymbolFrame]] = [:]
        guard let entries = u32() else { return nil }
        for _ in 0..<entries {
            guard p + 8 <= b.count else { return nil }
            var vaddr: UInt64 = 0
            for i in 0..<8 { vaddr |= UInt64(b[p + i]) << (8 * UInt64(i)) }
            p += 8
            guard let count = u32(), count <= 4096 else { return nil }
            var frames: [SymbolFrame] = []
            for _ in 0..<count {
                guard p < b.count else { return nil }
                let flags = b[p]
                p += 1
                guard let name = text() else { return nil }
                var frame = SymbolFrame(name: name, inlined: flags & 1 != 0)
                if flags & 2 != 0 { guard let file = text() else { return nil }; frame.file = file }
                if flags & 4 != 0 { guard let line = u32() else { return nil }; frame.line = line }
                if flags & 8 != 0 {
                    guard p + 8 <= b.count else { return nil }
                    var offset: UInt64 = 0
                    for i in 0..<8 { offset |= UInt64(b[p + i]) << (8 * UInt64(i)) }
                    p += 8
                    frame.offset = offset
                }
                if flags & 16 != 0 { guard let d = text() else { return nil }; frame.perfName = d }
                if flags & 32 != 0 {
                    guard let a = text(), p + 8 <= b.count else { return nil }
                    var id: UInt64 = 0
                    for i in 0..<8 { id |= UInt64(b[p + i]) << (8 * UInt64(i)) }
                    p += 8
                    frame.perfAlias = a
                    frame.perfInstance = id
                }
                frame.perfRenames = flags & 64 != 0
                frames.append(frame)
            }
            result[vaddr] = frames
        }
        return p == b.count ? result : nil
    }
}
