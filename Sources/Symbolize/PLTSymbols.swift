import CLibDW
#if canImport(Glibc)
import Glibc
#endif

/// `name@plt` symbols for the PLT slots of an ELF file, named like objdump's labels: each slot
/// by the `.rela.plt` relocation of the GOT entry it jumps through. On x86-64 the slot's
/// `jmp *disp(%rip)` gives that entry, so libraries whose relocations are not in slot order
/// (libc's IFUNC slots, `R_X86_64_IRELATIVE`) are named right; elsewhere slot i (after the PLT0
/// header) is the i-th relocation, as perf 6.1 assumes everywhere. Without these names, PLT
/// addresses fall into `_init`, which has size 0 and extends.
enum PLTSymbols {
    struct Entry {
        var start: UInt64
        var size: UInt64
        /// The target's `name@plt`; nil for an IFUNC slot, which `resolver` names.
        var name: String?
        /// An IFUNC slot's resolver address (the relocation's addend): the slot is named after
        /// the symbol there (`strnlen@plt`), or `*ABS*+0x…@plt` as objdump says.
        var resolver: UInt64?
    }

    /// What a relocation of `.rela.plt` says of its GOT entry.
    private struct Target {
        var name: String?
        var resolver: UInt64?
    }

    /// The slots of the ELF file at `path` (empty when it cannot be read).
    static func entries(path: String) -> [Entry] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else { return [] }
        defer { elf_end(elf) }
        return entries(elf)
    }

    /// The slots of an open ELF file.
    static func entries(_ elf: OpaquePointer) -> [Entry] {
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { return [] }
        var plts: [(section: OpaquePointer, header: GElf_Shdr, secondary: Bool)] = []
        var relocations: (OpaquePointer, GElf_Shdr)?
        var scn: OpaquePointer? = nil
        while let s = elf_nextscn(elf, scn) {
            scn = s
            var h = GElf_Shdr()
            guard gelf_getshdr(s, &h) != nil, let namePointer = elf_strptr(elf, shstrndx, Int(h.sh_name)) else { continue }
            let name = String(cString: namePointer)
            if name == ".plt" || name == ".plt.sec", h.sh_type == UInt32(SHT_PROGBITS) { plts.append((s, h, name == ".plt.sec")) }
            if name == ".rela.plt", h.sh_type == UInt32(SHT_RELA) { relocations = (s, h) }
        }
        guard !plts.isEmpty, let (relScn, relHeader) = relocations, relHeader.sh_entsize > 0,
              let relData = elf_getdata(relScn, nil),
              let dynsymScn = elf_getscn(elf, Int(relHeader.sh_link)) else { return [] }
        var dynsymHeader = GElf_Shdr()
        guard gelf_getshdr(dynsymScn, &dynsymHeader) != nil, dynsymHeader.sh_type != UInt32(SHT_NOBITS),
              let dynsymData = elf_getdata(dynsymScn, nil) else { return [] }
        let count = Int(relHeader.sh_size / relHeader.sh_entsize)
        guard count > 0, count < 1 << 20 else { return [] }
        // In relocation order, and by the GOT entry each one fills.
        var targets: [Target] = []
        var byGOTEntry: [UInt64: Int] = [:]
        targets.reserveCapacity(count)
        for i in 0..<count {
            var rela = GElf_Rela()
            guard gelf_getrela(relData, Int32(i), &rela) != nil else { break }
            let symbol = Int32(truncatingIfNeeded: rela.r_info >> 32)
            var target = Target()
            if symbol == 0 {
                target.resolver = UInt64(bitPattern: rela.r_addend)
            } else {
                var sym = GElf_Sym()
                if gelf_getsym(dynsymData, symbol, &sym) != nil,
                   let namePointer = elf_strptr(elf, Int(dynsymHeader.sh_link), Int(sym.st_name)), namePointer.pointee != 0 {
                    target.name = String(cString: namePointer) + "@plt"
                }
            }
            byGOTEntry[rela.r_offset] = targets.count
            targets.append(target)
        }
        var header = GElf_Ehdr()
        let x86_64 = gelf_getehdr(elf, &header) != nil && header.e_machine == UInt16(EM_X86_64)
        var out: [Entry] = []
        for (section, plt, secondary) in plts {
            let entrySize = plt.sh_entsize > 0 ? plt.sh_entsize : 16
            let slots = Int(plt.sh_size / entrySize)
            guard slots > 0, slots < 1 << 20 else { continue }
            // `.plt` starts with the PLT0 header; `.plt.sec` (IBT) has none.
            let first = secondary ? 0 : 1
            var decoded = 0
            var found: [Entry] = []
            if x86_64, let data = elf_getdata(section, nil), let bytes = data.pointee.d_buf, data.pointee.d_size >= plt.sh_size {
                let code = bytes.assumingMemoryBound(to: UInt8.self)
                for slot in first..<slots {
                    let offset = Int(entrySize) * slot
                    guard let entry = jumpSlot(code + offset, length: Int(entrySize), address: plt.sh_addr + UInt64(offset)) else { continue }
                    decoded += 1
                    guard let t = byGOTEntry[entry] else { continue }
                    found.append(Entry(start: plt.sh_addr + UInt64(offset), size: entrySize, name: targets[t].name, resolver: targets[t].resolver))
                }
            }
            if decoded == 0, first == 1, UInt64(count + 1) * entrySize <= plt.sh_size {
                // Not x86-64 (or unreadable): slot i + 1 is relocation i.
                for (i, t) in targets.enumerated() {
                    found.append(Entry(start: plt.sh_addr + entrySize * UInt64(i + 1), size: entrySize, name: t.name, resolver: t.resolver))
                }
            }
            out += found.filter { $0.name != nil || $0.resolver != nil }
        }
        return out
    }

    /// The GOT entry an x86-64 PLT slot jumps through: `[endbr64] [bnd] jmp *disp32(%rip)` at
    /// its start (`f3 0f 1e fa`, `f2`, `ff 25 disp32`), or nil when the slot is not one.
    private static func jumpSlot(_ code: UnsafePointer<UInt8>, length: Int, address: UInt64) -> UInt64? {
        var i = 0
        if length >= 4, code[0] == 0xF3, code[1] == 0x0F, code[2] == 0x1E, code[3] == 0xFA { i = 4 }
        if i < length, code[i] == 0xF2 { i += 1 }
        guard i + 6 <= length, code[i] == 0xFF, code[i + 1] == 0x25 else { return nil }
        var disp: UInt32 = 0
        for k in 0..<4 { disp |= UInt32(code[i + 2 + k]) << (8 * k) }
        return address &+ UInt64(i + 6) &+ UInt64(bitPattern: Int64(Int32(bitPattern: disp)))
    }
}
