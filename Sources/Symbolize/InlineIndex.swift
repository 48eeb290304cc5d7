import CLibDW

/// Address ranges of every subprogram and inlined-subroutine instance in a module's DWARF,
/// built in one pass over all CUs and binary-searched per address.
///
/// `dwarf_getscopes` walks a whole CU on every call (milliseconds per address on large CUs);
/// this index costs one walk in total and then microseconds per address.
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
    }

    private let module: OpaquePointer
    private let dwarf: OpaquePointer
    private var ranges: [Range] = []
    /// Module address minus DWARF address (0 for modules reported at base 0 without relocation).
    private var bias: Dwarf_Addr = 0

    init?(module: OpaquePointer) {
        var moduleBias: Dwarf_Addr = 0
        guard let dw = dwfl_module_getdwarf(module, &moduleBias) else { return nil }
        self.module = module
        dwarf = dw
        var cuBias: Dwarf_Addr = 0
        var cu = dwfl_module_nextcu(module, nil, &cuBias)
        while let cuDie = cu {
            self.bias = cuBias
            index(cu: cuDie, bias: cuBias)
            cu = dwfl_module_nextcu(module, cuDie, &cuBias)
        }
        ranges.sort { $0.low != $1.low ? $0.low < $1.low : $0.depth < $1.depth }
        if ranges.isEmpty { return nil }
    }

    private func index(cu: UnsafeMutablePointer<Dwarf_Die>, bias: Dwarf_Addr) {
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
                    addRanges(&die, cu: cuOffset, depth: depth, inlined: tag == DW_TAG_inlined_subroutine, bias: bias)
                    nestedDepth = depth + 1
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

    private func addRanges(_ die: inout Dwarf_Die, cu: Dwarf_Off, depth: Int32, inlined: Bool, bias: Dwarf_Addr) {
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
            return Frame(name: nil, linkageName: nil, inlined: r.inlined, callFile: nil, callLine: 0)
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
        return Frame(name: name, linkageName: linkage, inlined: r.inlined, callFile: callFile, callLine: Int(callLine))
    }
}
