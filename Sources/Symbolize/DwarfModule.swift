import CLibDW
#if canImport(Glibc)
import Glibc
#endif

/// One ELF file opened with libdwfl, its module placed at base 0 so that module addresses are
/// ELF virtual addresses. Not thread-safe (libdw 0.188 is not): callers serialize access.
final class DwarfModule {
    let path: String
    /// The binary whose code `path` describes (itself, or the binary of a debug file): PLT
    /// slots are read there, since a debug file's `.plt` and `.rela.plt` are NOBITS.
    let codePath: String
    private let dwfl: OpaquePointer
    let module: OpaquePointer
    private let callbacks: UnsafeMutablePointer<Dwfl_Callbacks>
    private let debugPath: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    /// Opens `path` (a binary, or a separate debug file of `codePath`).
    init(path: String, codePath: String? = nil) throws {
        self.path = path
        self.codePath = codePath ?? path
        debugPath = .allocate(capacity: 1)
        debugPath.initialize(to: nil)  // libdwfl's default ":.debug:/usr/lib/debug"
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(to: Dwfl_Callbacks(
            find_elf: dwfl_build_id_find_elf,
            find_debuginfo: dwfl_standard_find_debuginfo,
            section_address: dwfl_offline_section_address,
            debuginfo_path: debugPath))
        guard let d = dwfl_begin(callbacks) else {
            callbacks.deallocate(); debugPath.deallocate()
            throw SymbolizeError.dwarf(path: path, reason: String(cString: dwfl_errmsg(-1)))
        }
        dwfl = d
        dwfl_report_begin(d)
        guard let m = dwfl_report_elf(d, "module", path, -1, 0, false) else {
            let reason = String(cString: dwfl_errmsg(-1))
            dwfl_end(d)
            callbacks.deallocate(); debugPath.deallocate()
            throw SymbolizeError.dwarf(path: path, reason: reason)
        }
        module = m
        dwfl_report_end(d, nil, nil)
    }

    deinit {
        dwfl_end(dwfl)
        callbacks.deallocate()
        debugPath.deallocate()
    }

    /// The function symbols, sorted (built on first use).
    private(set) lazy var functions: FunctionSymbols = FunctionSymbols(module: module, codePath: codePath)

    /// Display names of functions by start address, filled by the symbolizer as it meets them.
    var displayNames: [UInt64: String] = [:]

    /// The inline ranges of the DWARF, if there is DWARF (built on first use).
    private(set) lazy var inlines: InlineIndex? = InlineIndex(module: module)

    /// `file:line` of the innermost code at `vaddr`, from the line table.
    func sourceLine(_ vaddr: UInt64) -> (file: String, line: Int)? {
        guard let l = dwfl_module_getsrc(module, vaddr) else { return inlines?.sourceLine(vaddr) }
        var line: Int32 = 0
        guard let file = dwfl_lineinfo(l, nil, &line, nil, nil, nil), line > 0 else { return nil }
        return (String(cString: file), Int(line))
    }
}

/// Function symbols of a module sorted by address, with perf's rules: only STT_FUNC and
/// STT_GNU_IFUNC defined symbols; at one address the best alias wins; a symbol of size 0
/// extends to the next one; an address past a sized symbol's end belongs to no function.
struct FunctionSymbols {
    struct Entry {
        var start: UInt64
        var end: UInt64
        /// Into libelf's string table (alive as long as the module) or `pltNames`.
        var namePointer: UnsafePointer<CChar>
        var name: String { String(cString: namePointer) }
        /// The alias binutils (addr2line) names the function by, when it differs from perf's.
        var bfdNamePointer: UnsafePointer<CChar>?
        var bfdName: String { String(cString: bfdNamePointer ?? namePointer) }
    }
    private(set) var entries: [Entry] = []
    /// Synthesized `f@plt` names, kept alive for `Entry.namePointer`.
    private var pltNames = OwnedCStrings()
    /// The names come from `.dynsym` (no `.symtab` in the file or its debug file).
    private(set) var fromDynsym = false

    /// `codePath`: the file the PLT slots are read from when the module's own ELF has none
    /// with contents (a separate debug file).
    init(module: OpaquePointer, codePath: String? = nil) {
        fromDynsym = !Self.hasSymtab(module)
        let count = Int(dwfl_module_getsymtab(module))
        guard count > 1 else { return }
        // Names stay C strings: a String per symbol was a quarter of a first run on a
        // 400k-symbol binary (measured with perf); only looked-up names become Strings.
        var starts: [UInt64] = [], sizes: [UInt64] = [], infos: [UInt8] = []
        var names: [UnsafePointer<CChar>] = []
        starts.reserveCapacity(count)
        sizes.reserveCapacity(count)
        infos.reserveCapacity(count)
        names.reserveCapacity(count)
        let executable = Self.executableSections(module)
        for i in 1..<count {
            var sym = GElf_Sym()
            var addr: GElf_Addr = 0
            var shndx: GElf_Word = 0
            guard let namePointer = dwfl_module_getsym_info(module, Int32(i), &sym, &addr, &shndx, nil, nil) else { continue }
            let type = Int32(sym.st_info & 0xF)
            guard shndx != UInt32(SHN_UNDEF), shndx != UInt32.max, shndx != UInt32(SHN_ABS) else { continue }
            // perf also keeps code labels (STT_NOTYPE in executable sections, e.g. ld.so's
            // `_start` and `_dl_start_user`).
            let label = type == STT_NOTYPE && namePointer.pointee != 0 && executable(shndx)
            guard type == STT_FUNC || type == STT_GNU_IFUNC || label else { continue }
            starts.append(addr)
            sizes.append(sym.st_size)
            infos.append(sym.st_info)
            names.append(namePointer)
        }
        let symbolCount = starts.count
        // Higher rank wins among aliases: PLT slots, then sized, non-weak, global, fewer
        // leading '_', longer; then the first listed. Only needed where starts tie.
        func rank(_ i: Int) -> Int {
            if i >= symbolCount { return .max }
            let binding = Int32(infos[i] >> 4)
            var r = 0
            if sizes[i] > 0 { r += 1 << 24 }
            if binding != STB_WEAK { r += 1 << 20 }
            if binding == STB_GLOBAL { r += 1 << 16 }
            var underscores = 0
            while names[i][underscores] == 0x5F { underscores += 1 }
            r -= underscores << 8
            return r + min(strlen(names[i]), 255)
        }
        var bias: GElf_Addr = 0
        if let elf = dwfl_module_getelf(module, &bias) {
            var plts = PLTSymbols.entries(elf)
            if plts.isEmpty, let codePath { plts = PLTSymbols.entries(path: codePath) }
            // An IFUNC slot is named after the function its resolver picks, as callers know it:
            // STT_GNU_IFUNC (`strnlen`) over the resolver itself (`__strnlen_ifunc`), then not
            // local (`__GI___strnlen`), then fewer leading '_' (`rawmemchr`, not `__rawmemchr`).
            var resolverNames: [UInt64: Int] = [:]
            for plt in plts { if let r = plt.resolver { resolverNames[r &+ bias] = -1 } }
            if !resolverNames.isEmpty {
                func ifuncRank(_ i: Int) -> (Int, Int, Int, Int) {
                    var underscores = 0
                    while names[i][underscores] == 0x5F { underscores += 1 }
                    return (Int32(infos[i] & 0xF) == STT_GNU_IFUNC ? 1 : 0, Int32(infos[i] >> 4) != STB_LOCAL ? 1 : 0, -underscores, rank(i))
                }
                for i in 0..<symbolCount where resolverNames[starts[i]] != nil {
                    let best = resolverNames[starts[i]]!
                    if best < 0 || ifuncRank(i) > ifuncRank(best) { resolverNames[starts[i]] = i }
                }
            }
            for plt in plts {
                let name: String
                if let n = plt.name {
                    name = n
                } else if let r = plt.resolver {
                    let i = resolverNames[r &+ bias] ?? -1
                    // Without its symbol version (`memcpy@@GLIBC_2.14`), as perf prints a target.
                    name = i >= 0 ? String(String(cString: names[i]).prefix { $0 != "@" }) + "@plt" : "*ABS*+0x" + String(r, radix: 16) + "@plt"
                } else { continue }
                starts.append(plt.start &+ bias)
                sizes.append(plt.size)
                infos.append(0)
                names.append(pltNames.add(name))
            }
        }
        let order = Self.sortedByStart(starts)
        var j = 0
        entries.reserveCapacity(order.count)
        var kept: [Int] = []
        kept.reserveCapacity(order.count)
        var bfdKept: [Int] = []
        bfdKept.reserveCapacity(order.count)
        // binutils' `better_fit` among aliases: typed over STT_NOTYPE, sized over size 0, the
        // smaller size, then the first in the symbol table.
        func bfdChoice(_ group: ArraySlice<Int>) -> Int {
            func key(_ i: Int) -> (Int, Int, UInt64, Int) {
                if i >= symbolCount { return (1, 1, 0, i) }
                let typed = Int32(infos[i] & 0xF) != STT_NOTYPE
                return (typed ? 0 : 1, sizes[i] > 0 ? 0 : 1, sizes[i], i)
            }
            return group.min { key($0) < key($1) }!
        }
        while j < order.count {
            let start = starts[order[j]]
            var best = order[j]
            var k = j + 1
            if k < order.count && starts[order[k]] == start {
                var bestRank = rank(best)
                while k < order.count && starts[order[k]] == start {
                    let r = rank(order[k])
                    if r > bestRank || (r == bestRank && order[k] < best) { best = order[k]; bestRank = r }
                    k += 1
                }
            }
            kept.append(best)
            bfdKept.append(k - j > 1 ? bfdChoice(order[j..<k]) : best)
            j = k
        }
        for (n, i) in kept.enumerated() {
            let next = n + 1 < kept.count ? starts[kept[n + 1]] : UInt64.max
            let end = sizes[i] > 0 ? starts[i] &+ sizes[i] : next
            let b = bfdKept[n]
            entries.append(Entry(start: starts[i], end: end, namePointer: names[i], bfdNamePointer: b == i ? nil : names[b]))
        }
    }

    /// Indices of `starts` in ascending order of start (ties in any order). Sorts packed
    /// `start << 24 | index` words when they fit, which is several times faster than sorting
    /// indices through a comparator.
    private static func sortedByStart(_ starts: [UInt64]) -> [Int] {
        let n = starts.count
        let maxStart = starts.max() ?? 0
        if n < 1 << 24, maxStart < 1 << 40 {
            var packed = [UInt64](unsafeUninitializedCapacity: n) { buffer, initialized in
                for i in 0..<n { buffer[i] = starts[i] << 24 | UInt64(i) }
                initialized = n
            }
            // The index bits only tell equal starts apart, which the caller sorts out itself.
            radixSort(&packed, ignoringLowBits: 24)
            return packed.map { Int($0 & 0xFF_FFFF) }
        }
        return (0..<n).sorted { starts[$0] < starts[$1] }
    }

    /// Whether libdwfl reads a `.symtab`: in the module's file, or in the debug file it found.
    private static func hasSymtab(_ module: OpaquePointer) -> Bool {
        var bias: GElf_Addr = 0
        if let elf = dwfl_module_getelf(module, &bias), elfHasSymtab(elf) { return true }
        var dwBias: Dwarf_Addr = 0
        _ = dwfl_module_getdwarf(module, &dwBias)
        var debugFile: UnsafePointer<CChar>?
        _ = dwfl_module_info(module, nil, nil, nil, nil, nil, nil, &debugFile)
        guard let debugFile else { return false }
        let fd = open(debugFile, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else { return false }
        defer { elf_end(elf) }
        return elfHasSymtab(elf)
    }

    private static func elfHasSymtab(_ elf: OpaquePointer) -> Bool {
        var scn: OpaquePointer? = nil
        while let s = elf_nextscn(elf, scn) {
            scn = s
            var h = GElf_Shdr()
            if gelf_getshdr(s, &h) != nil, h.sh_type == UInt32(SHT_SYMTAB) { return true }
        }
        return false
    }

    /// Section flags decide whether a NOTYPE symbol is a code label; cached per section index.
    private static func executableSections(_ module: OpaquePointer) -> (UInt32) -> Bool {
        var bias: GElf_Addr = 0
        let elf = dwfl_module_getelf(module, &bias)
        var known: [UInt32: Bool] = [:]
        return { index in
            if let k = known[index] { return k }
            var header = GElf_Shdr()
            var result = false
            if let elf, let scn = elf_getscn(elf, Int(index)), gelf_getshdr(scn, &header) != nil {
                result = header.sh_flags & UInt64(SHF_EXECINSTR) != 0
            }
            known[index] = result
            return result
        }
    }

    /// Number of functions.
    var count: Int { entries.count }

    /// The function containing `vaddr`, if any.
    func lookup(_ vaddr: UInt64) -> Entry? {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].start <= vaddr { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let e = entries[lo - 1]
        return vaddr < e.end ? e : nil
    }
}

/// Sorts in place by the bits above `ignoringLowBits` (ties in any order), least significant byte
/// first, skipping bytes that are equal in every word: a few milliseconds for the 200k symbols of
/// a large binary, where `sort()` took 20.
func radixSort(_ a: inout [UInt64], ignoringLowBits low: Int = 0) {
    let n = a.count
    guard n > 64 else { a.sort(); return }
    var or: UInt64 = 0, and: UInt64 = .max
    for v in a { or |= v; and &= v }
    var other = [UInt64](repeating: 0, count: n)
    var counts = [Int](repeating: 0, count: 256)
    var pass = low / 8
    while pass < 8 {
        let shift = UInt64(pass * 8)
        pass += 1
        // A byte that is the same in every word does not change the order.
        if (or >> shift) & 0xFF == (and >> shift) & 0xFF { continue }
        counts.withUnsafeMutableBufferPointer { c in
            for i in 0..<256 { c[i] = 0 }
            a.withUnsafeBufferPointer { src in
                for v in src { c[Int(truncatingIfNeeded: (v >> shift) & 0xFF)] += 1 }
                var sum = 0
                for i in 0..<256 { let k = c[i]; c[i] = sum; sum += k }
                other.withUnsafeMutableBufferPointer { dst in
                    for v in src {
                        let b = Int(truncatingIfNeeded: (v >> shift) & 0xFF)
                        dst[c[b]] = v
                        c[b] += 1
                    }
                }
            }
        }
        swap(&a, &other)
    }
}

/// C strings owned by Swift, freed with their owner.
final class OwnedCStrings {
    private var pointers: [UnsafeMutablePointer<CChar>] = []

    func add(_ s: String) -> UnsafePointer<CChar> {
        let p = strdup(s)!
        pointers.append(p)
        return UnsafePointer(p)
    }

    deinit { pointers.forEach { free($0) } }
}
