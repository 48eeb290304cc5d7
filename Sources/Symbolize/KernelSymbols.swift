#if canImport(Glibc)
import Glibc
#endif

/// Kernel function symbols from a kallsyms text (`/proc/kallsyms` or perf's cached copy),
/// sorted by address. As perf does, only text symbols (`t`, `T`, `w`, `W`) count and a symbol
/// ends where the next one starts. Among aliases at one address the one listed last wins: perf
/// sizes kallsyms symbols by their successor before it drops aliases, so only the last alias
/// has a non-zero size, and a sized symbol beats every other rule (seen: `__pi_memset` over
/// `memset`).
public struct KernelSymbols: Sendable {
    struct Entry {
        var start: UInt64
        /// The name's place in `text` (names become Strings only when looked up).
        var nameStart: Int32
        var nameLength: Int32
    }
    private var entries: [Entry] = []
    private let text: [UInt8]
    /// Where the symbols came from (for notes and warnings).
    public let source: String

    /// Parses kallsyms text; nil when it holds no usable (non-zero) text address, which is what
    /// an unprivileged reader of `/proc/kallsyms` sees under `kptr_restrict`.
    public init?(kallsyms bytes: [UInt8], source: String) {
        self.source = source
        text = bytes
        var raw: [Entry] = []
        raw.reserveCapacity(bytes.count / 40)
        var i = 0
        let n = bytes.count
        guard n < Int(Int32.max) else { return nil }
        while i < n {
            var end = i
            while end < n && bytes[end] != 0x0A { end += 1 }
            if let entry = Self.parseLine(bytes, i, end) { raw.append(entry) }
            i = end + 1
        }
        entries.reserveCapacity(raw.count)
        // kallsyms lists the kernel's symbols in address order (perf's saved copies here: 122k
        // text symbols, none out of order): then keeping the last of each run of aliases is all
        // there is to do, which saves a sort of 100k+ entries on every perf.data run.
        if raw.indices.dropFirst().allSatisfy({ raw[$0 - 1].start <= raw[$0].start }) {
            for (i, e) in raw.enumerated() where i + 1 == raw.count || raw[i + 1].start != e.start { entries.append(e) }
            if entries.isEmpty { return nil }
            return
        }
        // Stable by start; among aliases the one listed last is kept.
        var order = [Int32](0..<Int32(raw.count))
        raw.withUnsafeBufferPointer { r in
            order.sort { a, b in r[Int(a)].start != r[Int(b)].start ? r[Int(a)].start < r[Int(b)].start : a > b }
        }
        for k in order where entries.last?.start != raw[Int(k)].start { entries.append(raw[Int(k)]) }
        if entries.isEmpty { return nil }
    }

    /// `ffffffff81000000 T _text [module]`: address, type, name; the module tag is dropped.
    private static func parseLine(_ b: [UInt8], _ from: Int, _ to: Int) -> Entry? {
        var p = from
        var address: UInt64 = 0
        var digits = 0
        while p < to, let v = hexValue(b[p]) {
            guard digits < 16 else { return nil }
            address = address << 4 | UInt64(v)
            digits += 1
            p += 1
        }
        guard digits > 0, address != 0, p + 3 < to, b[p] == 0x20, b[p + 2] == 0x20 else { return nil }
        let type = b[p + 1]
        guard type == UInt8(ascii: "t") || type == UInt8(ascii: "T") || type == UInt8(ascii: "w") || type == UInt8(ascii: "W") else { return nil }
        let nameStart = p + 3
        var nameEnd = nameStart
        while nameEnd < to && b[nameEnd] != 0x20 && b[nameEnd] != 0x09 { nameEnd += 1 }
        guard nameEnd > nameStart else { return nil }
        return Entry(start: address, nameStart: Int32(nameStart), nameLength: Int32(nameEnd - nameStart))
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    /// The kernel function containing `address` and its start, if any symbol starts at or below it.
    public func symbol(at address: UInt64) -> (name: String, start: UInt64)? {
        guard let i = index(at: address) else { return nil }
        let e = entries[i]
        let name = String(decoding: text[Int(e.nameStart)..<Int(e.nameStart + e.nameLength)], as: UTF8.self)
        return (name, e.start)
    }

    /// The kernel function containing `address`, if any symbol starts at or below it.
    public func name(at address: UInt64) -> String? { symbol(at: address)?.name }

    /// The start of the kernel function containing `address` (no String made).
    public func start(at address: UInt64) -> UInt64? { index(at: address).map { entries[$0].start } }

    private func index(at address: UInt64) -> Int? {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].start <= address { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 ? lo - 1 : nil
    }

    /// Number of symbols kept.
    public var count: Int { entries.count }

    /// The kallsyms matching the profile's kernel: perf's copy saved when it recorded
    /// (`<cache>/[kernel.kallsyms]/<build-id>/kallsyms`: the symbols of that kernel with the modules
    /// loaded then, and a plain file reads ten times faster than `/proc/kallsyms`), else
    /// `/proc/kallsyms` when `buildID` is the running kernel's (or when the profile has none and
    /// `trustRunningKernel`), else nil with the reason in `warning`.
    public static func locate(buildID: String?, perfCache: String?, trustRunningKernel: Bool = false,
                              procKallsyms: String = "/proc/kallsyms",
                              runningNotes: String = "/sys/kernel/notes") -> (symbols: KernelSymbols?, warning: String?) {
        let wanted = buildID?.lowercased()
        if let wanted, let perfCache {
            let cached = "\(perfCache)/[kernel.kallsyms]/\(wanted)/kallsyms"
            if let bytes = FileBytes.read(cached), let symbols = KernelSymbols(kallsyms: bytes, source: cached) {
                return (symbols, nil)
            }
        }
        let running = FileBytes.read(runningNotes).flatMap(buildIDFromNotes)
        if let wanted, let running, wanted == running || wanted.hasPrefix(running) || running.hasPrefix(wanted) {
            if let bytes = FileBytes.read(procKallsyms), let symbols = KernelSymbols(kallsyms: bytes, source: procKallsyms) {
                return (symbols, nil)
            }
        } else if wanted == nil, trustRunningKernel,
                  let bytes = FileBytes.read(procKallsyms), let symbols = KernelSymbols(kallsyms: bytes, source: procKallsyms) {
            return (symbols, nil)
        }
        let why: String
        if let wanted {
            if let running, wanted != running {
                why = "the profile's kernel (build-id \(wanted)) is not the running one (\(running)) and perf's cache has no kallsyms for it"
            } else {
                why = "\(procKallsyms) has no readable addresses (run as root, or lower kernel.kptr_restrict)"
            }
        } else {
            why = "the profile names no kernel build-id"
        }
        return (nil, "kernel frames stay [unknown]: \(why)")
    }

    /// The GNU build-id in an ELF notes blob (`/sys/kernel/notes`), as lowercase hex.
    static func buildIDFromNotes(_ b: [UInt8]) -> String? {
        var p = 0
        func u32(_ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24 }
        while p + 12 <= b.count {
            let nameSize = u32(p), descSize = u32(p + 4), type = u32(p + 8)
            let nameAt = p + 12
            let descAt = nameAt + (nameSize + 3) & ~3
            let next = descAt + (descSize + 3) & ~3
            guard nameSize < 1 << 16, descSize < 1 << 16, next <= b.count else { return nil }
            if type == 3, nameSize == 4, b[nameAt..<nameAt + 3].elementsEqual("GNU".utf8), descSize > 0 {
                return b[descAt..<descAt + descSize].map { byte in
                    let s = String(byte, radix: 16)
                    return s.count == 1 ? "0" + s : s
                }.joined()
            }
            p = next
        }
        return nil
    }
}

/// Whole-file reads that also work for `/proc` and `/sys` files, whose size reads as 0.
enum FileBytes {
    static func read(_ path: String, limit: Int = 1 << 30) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while out.count < limit {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return got == 0 ? out : nil }
            out.append(contentsOf: chunk[0..<got])
        }
        return out
    }
}
