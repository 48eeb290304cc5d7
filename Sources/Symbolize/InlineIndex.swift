import CLibDW

/// Address ranges of every subprogram and inlined-subroutine instance in a module's DWARF,
/// indexed one CU at a time and binary-searched per address.
///
/// `dwarf_getscopes` walks a whole CU on every call (milliseconds per address on large CUs);
/// this index walks each CU once, and only the CUs whose ranges hold a looked-up address
/// (glibc's debug file has thousands of CUs; a profile touches a few dozen).
final class InlineIndex {
    struct Range {
        var low: UInt64
        var high: UInt64
        var die: Dwarf_Off
        var cu: Dwarf_Off
        var depth: Int32
        var inlined: Bool
    }

    /// One frame of an inline chain.
    struct Frame {
        var name: String?
        var linkageName: String?
        var inlined: Bool
        /// For inlined instances: where the caller called it.
        var callFile: String?
        var callLine: Int
        /// binutils' `is_linkage`: the name is a linkage name, or the CU's language does not
        /// mangle (C, Fortran 77, assembler...), so no better name exists in the symbol table.
        var isLinkage = false
        /// The DIE of this function or inlined instance.
        var die: Dwarf_Off = 0
        /// Its first range's start (binutils' `arange.low`), in module addresses.
        var low: UInt64 = 0
    }

    /// A compile unit: where its DIE is, and its function ranges once indexed.
    private struct Unit {
        var offset: Dwarf_Off
        var bias: Dwarf_Addr
        var ranges: [Range]?
    }

    /// A piece of a CU's address range (its DIE's low/high pc or DW_AT_ranges).
    private struct Span {
        var low: UInt64
        var high: UInt64
        var unit: Int32
    }

    private let module: OpaquePointer
    private let dwarf: OpaquePointer
    private var units: [Unit] = []
    private var unitByOffset: [Dwarf_Off: Int] = [:]
    /// CU ranges sorted by start; CUs that state none are indexed at once into `unspanned`.
    private var spans: [Span] = []
    private var unspanned: [Range] = []

    init?(module: OpaquePointer) {
        var moduleBias: Dwarf_Addr = 0
        guard let dw = dwfl_module_getdwarf(module, &moduleBias) else { return nil }
        self.module = module
        dwarf = dw
        var cuBias: Dwarf_Addr = 0
        var cu = dwfl_module_nextcu(module, nil, &cuBias)
        while let cuDie = cu {
            let unit = Int32(units.count)
            units.append(Unit(offset: dwarf_dieoffset(cuDie), bias: cuBias, ranges: nil))
            unitByOffset[units[Int(unit)].offset] = Int(unit)
            var base: Dwarf_Addr = 0, start: Dwarf_Addr = 0, end: Dwarf_Addr = 0
            var offset = dwarf_ranges(cuDie, 0, &base, &start, &end)
            var pieces = 0
            while offset > 0 && pieces < 100_000 {
                if end > start {
                    spans.append(Span(low: start &+ cuBias, high: end &+ cuBias, unit: unit))
                    pieces += 1
                }
                offset = dwarf_ranges(cuDie, offset, &base, &start, &end)
            }
            if pieces == 0 {
                var found: [Range] = []
                index(cu: cuDie, bias: cuBias, into: &found)
                unspanned += found
            }
            cu = dwfl_module_nextcu(module, cuDie, &cuBias)
        }
        if units.isEmpty { return nil }
        spans.sort { $0.low < $1.low }
        Self.sortRanges(&unspanned)
    }

    private static func sortRanges(_ ranges: inout [Range]) {
        ranges.sort { $0.low != $1.low ? $0.low < $1.low : $0.depth < $1.depth }
    }

    /// The indexed ranges of the CUs whose span holds `vaddr` (indexing them on first use).
    private func unitRanges(covering vaddr: UInt64, _ body: ([Range]) -> Bool) {
        var lo = 0, hi = spans.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if spans[mid].low <= vaddr { lo = mid + 1 } else { hi = mid }
        }
        var i = lo - 1
        var budget = 256
        while i >= 0 && budget > 0 {
            if vaddr < spans[i].high {
                let u = Int(spans[i].unit)
                if units[u].ranges == nil {
                    var cuDie = Dwarf_Die()
                    var found: [Range] = []
                    if dwarf_offdie(dwarf, units[u].offset, &cuDie) != nil {
                        index(cu: &cuDie, bias: units[u].bias, into: &found)
                    }
                    Self.sortRanges(&found)
                    units[u].ranges = found
                }
                if body(units[u].ranges!) { return }
            }
            i -= 1
            budget -= 1
        }
        _ = body(unspanned)
    }

    private func index(cu: UnsafeMutablePointer<Dwarf_Die>, bias: Dwarf_Addr, into ranges: inout [Range]) {
        let cuOffset = dwarf_dieoffset(cu)
        var child = Dwarf_Die()
        guard dwarf_child(cu, &child) == 0 else { return }
        // Explicit stack of (first child, depth) instead of recursion: DWARF can nest deeply.
        var stack: [(Dwarf_Die, Int32)] = [(child, 0)]
        var steps = 0
        while let (first, depth) = stack.popLast() {
            var die = first
            while true {
                steps += 1
                if steps > 50_000_000 { return }  // a hostile or looping DIE tree
                let tag = dwarf_tag(&die)
                var nestedDepth = depth
                if tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine {
                    // A subprogram is a function of its own even when its DIE sits inside another
                    // function's (Swift nests closures and thunks so): its chain starts at depth 0.
                    let own = tag == DW_TAG_subprogram ? 0 : depth
                    addRanges(&die, cu: cuOffset, depth: own, inlined: tag == DW_TAG_inlined_subroutine, bias: bias, into: &ranges)
                    nestedDepth = own + 1
                }
                if tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block
                    || tag == DW_TAG_namespace || tag == DW_TAG_class_type || tag == DW_TAG_structure_type
                    || tag == DW_TAG_union_type || tag == DW_TAG_module {
                    var first = Dwarf_Die()
                    if dwarf_child(&die, &first) == 0 { stack.append((first, nestedDepth)) }
                }
                var next = Dwarf_Die()
                guard dwarf_siblingof(&die, &next) == 0 else { break }
                die = next
            }
        }
    }

    private func addRanges(_ die: inout Dwarf_Die, cu: Dwarf_Off, depth: Int32, inlined: Bool, bias: Dwarf_Addr,
                           into ranges: inout [Range]) {
        var base: Dwarf_Addr = 0, start: Dwarf_Addr = 0, end: Dwarf_Addr = 0
        var offset = dwarf_ranges(&die, 0, &base, &start, &end)
        let dieOffset = dwarf_dieoffset(&die)
        var guardCount = 0
        while offset > 0 && guardCount < 100_000 {
            if end > start {
                ranges.append(Range(low: start &+ bias, high: end &+ bias, die: dieOffset, cu: cu, depth: depth, inlined: inlined))
            }
            offset = dwarf_ranges(&die, offset, &base, &start, &end)
            guardCount += 1
        }
    }

    /// The chain at `vaddr`, outermost (the subprogram) first; empty when no function covers it.
    func chain(_ vaddr: UInt64) -> [Frame] {
        chainRanges(vaddr).map(frame)
    }

    /// The ranges covering `vaddr`, one per depth, outermost first; empty without a subprogram.
    private func chainRanges(_ vaddr: UInt64) -> [Range] {
        var result: [Range] = []
        unitRanges(covering: vaddr) { ranges in
            result = Self.chain(vaddr, in: ranges)
            return !result.isEmpty
        }
        return result
    }

    private static func chain(_ vaddr: UInt64, in ranges: [Range]) -> [Range] {
        // Last range starting at or before vaddr, then back over candidates that may contain it.
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].low <= vaddr { lo = mid + 1 } else { hi = mid }
        }
        var containing: [Range] = []
        var i = lo - 1
        var budget = 4096
        while i >= 0 && budget > 0 {
            let r = ranges[i]
            if vaddr < r.high {
                containing.append(r)
                if r.depth == 0 { break }
            }
            i -= 1
            budget -= 1
        }
        // Keep one range per depth (the innermost instance found first), outermost first.
        containing.sort { $0.depth < $1.depth }
        var seen = Set<Int32>()
        containing = containing.filter { seen.insert($0.depth).inserted }
        guard let outer = containing.first, outer.depth == 0 else { return [] }
        return containing
    }

    /// `file:line` from the line table of the CU whose function covers `vaddr`. Swift objects
    /// come without `.debug_aranges`, and then libdw's own address-to-CU lookup finds nothing.
    func sourceLine(_ vaddr: UInt64) -> (file: String, line: Int)? {
        guard let outer = chainRanges(vaddr).first else { return nil }
        let bias = unitByOffset[outer.cu].map { units[$0].bias } ?? 0
        var cuDie = Dwarf_Die()
        guard dwarf_offdie(dwarf, outer.cu, &cuDie) != nil,
              let l = dwarf_getsrc_die(&cuDie, vaddr &- bias) else { return nil }
        var line: Int32 = 0
        guard dwarf_lineno(l, &line) == 0, line > 0, let file = dwarf_linesrc(l, nil, nil) else { return nil }
        return (String(cString: file), Int(line))
    }

    private func frame(_ r: Range) -> Frame {
        var die = Dwarf_Die()
        guard dwarf_offdie(dwarf, r.die, &die) != nil else {
            return Frame(name: nil, linkageName: nil, inlined: r.inlined, callFile: nil, callLine: 0, isLinkage: false)
        }
        let name = dwarf_diename(&die).map { String(cString: $0) }
        var attr = Dwarf_Attribute()
        var linkage: String?
        if dwarf_attr_integrate(&die, UInt32(DW_AT_linkage_name), &attr) != nil || dwarf_attr_integrate(&die, UInt32(DW_AT_MIPS_linkage_name), &attr) != nil {
            linkage = dwarf_formstring(&attr).map { String(cString: $0) }
        }
        var callLine: Dwarf_Word = 0
        var callFile: String?
        if r.inlined {
            if dwarf_attr(&die, UInt32(DW_AT_call_line), &attr) != nil { _ = dwarf_formudata(&attr, &callLine) }
            var fileIndex: Dwarf_Word = 0
            var cuDie = Dwarf_Die()
            if dwarf_attr(&die, UInt32(DW_AT_call_file), &attr) != nil, dwarf_formudata(&attr, &fileIndex) == 0,
               dwarf_offdie(dwarf, r.cu, &cuDie) != nil {
                var files: OpaquePointer?
                var count = 0
                if dwarf_getsrcfiles(&cuDie, &files, &count) == 0, Int(fileIndex) < count,
                   let f = dwarf_filesrc(files, Int(fileIndex), nil, nil) {
                    callFile = String(cString: f)
                }
            }
        }
        var base: Dwarf_Addr = 0, start: Dwarf_Addr = 0, end: Dwarf_Addr = 0
        let bias = unitByOffset[r.cu].map { units[$0].bias } ?? 0
        let low = dwarf_ranges(&die, 0, &base, &start, &end) > 0 ? start &+ bias : r.low
        return Frame(name: name, linkageName: linkage, inlined: r.inlined, callFile: callFile, callLine: Int(callLine),
                     isLinkage: linkage != nil || unmangledLanguage(cu: r.cu), die: r.die, low: low)
    }

    private var unmangled: [Dwarf_Off: Bool] = [:]

    /// binutils' `non_mangled`: the languages whose DWARF names are the symbols' names.
    private func unmangledLanguage(cu: Dwarf_Off) -> Bool {
        if let known = unmangled[cu] { return known }
        var cuDie = Dwarf_Die()
        var result = false
        if dwarf_offdie(dwarf, cu, &cuDie) != nil {
            let lang = dwarf_srclang(&cuDie)
            // C89, C, Ada83, Cobol74, Cobol85, Fortran77, Pascal83, C99, Ada95, PLI, UPC, C11, Mips_Assembler.
            result = [0x1, 0x2, 0x3, 0x5, 0x6, 0x7, 0x9, 0xc, 0xd, 0xf, 0x12, 0x1d, 0x8001].contains(lang)
        }
        unmangled[cu] = result
        return result
    }
}
