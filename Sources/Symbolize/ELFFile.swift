import CLibDW
#if canImport(Glibc)
import Glibc
#endif

/// What flame needs from an ELF file's headers: its type, build-id, debuglink and the
/// loadable segments that map file offsets (what perf prints) to ELF virtual addresses.
public struct ELFFile: Sendable {
    /// A PT_LOAD segment.
    public struct Segment: Sendable, Equatable {
        /// `p_offset`: where the segment starts in the file, in bytes.
        public var offset: UInt64
        /// `p_filesz`: how many bytes of the file it maps.
        public var fileSize: UInt64
        /// `p_vaddr`: the ELF virtual address that `offset` maps to.
        public var vaddr: UInt64
    }

    /// The file the headers were read from, as given.
    public let path: String
    /// `.note.gnu.build-id` as lowercase hex, if present.
    public let buildID: String?
    /// `.gnu_debuglink` file name, if present.
    public let debugLink: String?
    /// ET_EXEC (non-PIE executables); false for ET_DYN (PIE, shared objects).
    public let isFixedAddress: Bool
    /// The PT_LOAD segments, in program-header order; empty when the file has none.
    public let segments: [Segment]
    /// Whether the file has a `.symtab` (false once stripped).
    public let hasSymbolTable: Bool
    /// Whether the file has DWARF (`.debug_info` with contents).
    public let hasDebugInfo: Bool
    /// Whether `.text` has contents (false for a separate debug file, whose code sections are NOBITS).
    public let hasCode: Bool

    /// Reads the headers of `path`. Throws `SymbolizeError` for missing or non-ELF files.
    public init(path: String) throws {
        self.path = path
        _ = elf_version(UInt32(EV_CURRENT))
        // Paths come from profiles made elsewhere: opening a FIFO would block for ever, and opening
        // a device can act (a watchdog starts on open), so only regular files are opened.
        var st = stat()
        if stat(path, &st) != 0 { throw SymbolizeError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw SymbolizeError.notELF(path: path, reason: "not a regular file") }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { throw SymbolizeError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw SymbolizeError.notELF(path: path, reason: "not a regular file")
        }
        guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else {
            throw SymbolizeError.notELF(path: path, reason: String(cString: elf_errmsg(-1)))
        }
        defer { elf_end(elf) }
        guard elf_kind(elf) == ELF_K_ELF else { throw SymbolizeError.notELF(path: path, reason: "not an ELF file") }
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else {
            throw SymbolizeError.notELF(path: path, reason: String(cString: elf_errmsg(-1)))
        }
        isFixedAddress = ehdr.e_type == UInt16(ET_EXEC)

        var count = 0
        var segs: [Segment] = []
        if elf_getphdrnum(elf, &count) == 0 {
            for i in 0..<count {
                var ph = GElf_Phdr()
                if gelf_getphdr(elf, Int32(i), &ph) != nil, ph.p_type == UInt32(PT_LOAD) {
                    segs.append(Segment(offset: ph.p_offset, fileSize: ph.p_filesz, vaddr: ph.p_vaddr))
                }
            }
        }
        segments = segs

        var idPointer: UnsafeRawPointer?
        let idLength = dwelf_elf_gnu_build_id(elf, &idPointer)
        if idLength > 0, let idPointer {
            let bytes = UnsafeBufferPointer(start: idPointer.assumingMemoryBound(to: UInt8.self), count: idLength)
            buildID = bytes.map { String($0, radix: 16).leftPadded(2) }.joined()
        } else {
            buildID = nil
        }
        var crc: GElf_Word = 0
        debugLink = dwelf_elf_gnu_debuglink(elf, &crc).map { String(cString: $0) }

        var symtab = false, debugInfo = false, code = false
        var shstrndx = 0
        _ = elf_getshdrstrndx(elf, &shstrndx)
        var scn = elf_nextscn(elf, nil)
        while let section = scn {
            var sh = GElf_Shdr()
            if gelf_getshdr(section, &sh) != nil {
                if sh.sh_type == UInt32(SHT_SYMTAB) { symtab = true }
                if let name = elf_strptr(elf, shstrndx, Int(sh.sh_name)),
                   strcmp(name, ".debug_info") == 0, sh.sh_type != UInt32(SHT_NOBITS), sh.sh_size > 0 {
                    debugInfo = true
                }
                if let name = elf_strptr(elf, shstrndx, Int(sh.sh_name)), strcmp(name, ".text") == 0,
                   sh.sh_type == UInt32(SHT_PROGBITS) {
                    code = true
                }
            }
            scn = elf_nextscn(elf, section)
        }
        hasSymbolTable = symtab
        hasDebugInfo = debugInfo
        hasCode = code
    }

    /// The ELF virtual address of a file offset, through the PT_LOAD segment containing it.
    /// For ET_EXEC, perf may also print absolute addresses: those are returned unchanged.
    public func virtualAddress(fileOffset: UInt64) -> UInt64? {
        if isFixedAddress, segments.contains(where: { fileOffset >= $0.vaddr && fileOffset < $0.vaddr + $0.fileSize }) {
            return fileOffset
        }
        for s in segments where fileOffset >= s.offset && fileOffset < s.offset + s.fileSize {
            return fileOffset - s.offset + s.vaddr
        }
        return nil
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Why a binary could not be used, with the path.
public enum SymbolizeError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case notELF(path: String, reason: String)
    case dwarf(path: String, reason: String)

    /// `PATH: ...`: what could not be done with the binary and why, for stderr.
    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .notELF(path, reason): return "\(path): not a usable ELF file: \(reason)"
        case let .dwarf(path, reason): return "\(path): cannot read symbols: \(reason)"
        }
    }
}
