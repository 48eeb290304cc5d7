import CLibDW
#if canImport(Glibc)
import Glibc
#endif

/// One ELF file opened with libdwfl, its module placed at base 0 so that module addresses are
/// ELF virtual addresses. Not thread-safe (libdw 0.188 is not): callers serialize access.
final class DwarfModule {
    let path: String
    private let dwfl: OpaquePointer
    let module: OpaquePointer
    private let callbacks: UnsafeMutablePointer<Dwfl_Callbacks>
    private let debugPath: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    /// Opens `path` (a binary, or a separate debug file).
    init(path: String) throws {
        self.path = path
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
    private(set) lazy var functions: FunctionSymbols = FunctionSymbols(module: module)

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
    }
    private(set) var entries: [Entry] = []
    /// Synthesized `f@plt` names, kept alive for `Entry.namePointer`.
    private var pltNames = OwnedCStrings()
    /// The names come from `.dynsym` (no `.symtab` in the file or its debug file).
    private(set) var fromDynsym = false

    init(module: OpaquePointer) {
        fromDynsym = !Self.hasSymtab(module)
        let count = Int(dwfl_module_getsymtab(module))
        guard count > 1 else { return }
        // Names stay C strings: a String per symbol was a quarter of a first run on a
        // 400k-symbol binary (measured with perf); only looked-up names become Strings.
        var raw: [(start: UInt64, size: UInt64, rank: Int, name: UnsafePointer<CChar>)] = []
        raw.reserveCapacity(count)
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
            let binding = Int32(sym.st_info >> 4)
            // Higher rank wins among aliases: sized, non-weak, global, fewer leading '_', longer.
            var rank = 0
            if sym.st_size > 0 { rank += 1 << 24 }
            if binding != STB_WEAK { rank += 1 << 20 }
            if binding == STB_GLOBAL { rank += 1 << 16 }
            var underscores = 0
            while namePointer[underscores] == 0x5F { underscores += 1 }
            rank -= underscores << 8
            rank += min(strlen(namePointer), 255)
            raw.append((addr, sym.st_size, rank, namePointer))
        }
        var bias: GElf_Addr = 0
        if let elf = dwfl_module_getelf(module, &bias) {
            for plt in PLTSymbols.entries(elf) { raw.append((plt.start, plt.size, Int.max, pltNames.add(plt.name))) }
        }
        // Sort indices, not the tuples: moving Strings costs a retain and a release each
        // (a quarter of a first run on a 400k-symbol binary, measured with perf).
        var order = [Int32](0..<Int32(raw.count))
        raw.withUnsafeBufferPointer { r in
            order.sort { a, b in
                let x = r[Int(a)], y = r[Int(b)]
                return x.start != y.start ? x.start < y.start : (x.rank != y.rank ? x.rank > y.rank : a < b)
            }
        }
        var kept: [Int32] = []
        kept.reserveCapacity(order.count)
        for i in order where kept.last.map({ raw[Int($0)].start }) != raw[Int(i)].start { kept.append(i) }
        entries.reserveCapacity(kept.count)
        for (j, i) in kept.enumerated() {
            let k = raw[Int(i)]
            let next = j + 1 < kept.count ? raw[Int(kept[j + 1])].start : UInt64.max
            let end = k.size > 0 ? k.start &+ k.size : next
            entries.append(Entry(start: k.start, end: end, namePointer: k.name))
        }
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
