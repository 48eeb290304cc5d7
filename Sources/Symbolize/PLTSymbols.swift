import CLibDW

/// `name@plt` symbols for the PLT slots of an ELF file, as perf synthesizes them from the
/// `.rela.plt` relocations: slot i of `.plt` (after the PLT0 header) calls the i-th relocated
/// function. Without them, PLT addresses fall into `_init`, which has size 0 and extends.
enum PLTSymbols {
    struct Entry {
        var start: UInt64
        var size: UInt64
        var name: String
    }

    static func entries(_ elf: OpaquePointer) -> [Entry] {
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { return [] }
        var plt: GElf_Shdr?
        var relocations: (OpaquePointer, GElf_Shdr)?
        var scn: OpaquePointer? = nil
        while let s = elf_nextscn(elf, scn) {
            scn = s
            var h = GElf_Shdr()
            guard gelf_getshdr(s, &h) != nil, let namePointer = elf_strptr(elf, shstrndx, Int(h.sh_name)) else { continue }
            let name = String(cString: namePointer)
            if name == ".plt", h.sh_type == UInt32(SHT_PROGBITS) { plt = h }
            if name == ".rela.plt", h.sh_type == UInt32(SHT_RELA) { relocations = (s, h) }
        }
        guard let plt, let (relScn, relHeader) = relocations, relHeader.sh_entsize > 0,
              let relData = elf_getdata(relScn, nil),
              let dynsymScn = elf_getscn(elf, Int(relHeader.sh_link)) else { return [] }
        var dynsymHeader = GElf_Shdr()
        guard gelf_getshdr(dynsymScn, &dynsymHeader) != nil, dynsymHeader.sh_type != UInt32(SHT_NOBITS),
              let dynsymData = elf_getdata(dynsymScn, nil) else { return [] }
        let entrySize = plt.sh_entsize > 0 ? plt.sh_entsize : 16
        let count = Int(relHeader.sh_size / relHeader.sh_entsize)
        guard count > 0, count < 1 << 20, UInt64(count + 1) * entrySize <= plt.sh_size else { return [] }
        var out: [Entry] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            var rela = GElf_Rela()
            guard gelf_getrela(relData, Int32(i), &rela) != nil else { break }
            var sym = GElf_Sym()
            guard gelf_getsym(dynsymData, Int32(truncatingIfNeeded: rela.r_info >> 32), &sym) != nil,
                  let namePointer = elf_strptr(elf, Int(dynsymHeader.sh_link), Int(sym.st_name)),
                  namePointer.pointee != 0 else { continue }
            out.append(Entry(start: plt.sh_addr + entrySize * UInt64(i + 1), size: entrySize,
                             name: String(cString: namePointer) + "@plt"))
        }
        return out
    }
}
