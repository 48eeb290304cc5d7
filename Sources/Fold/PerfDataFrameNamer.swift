import ProfileModel
import PerfData
import TextInputs
import Symbolize
import Capture

/// Names the frame keys of a `PerfDataStacks` view, each id once, by the rules that fold perf
/// script text: a user frame is what perf script prints for it (`[unknown]` in its file, which
/// the collapser hands to the symbolizer), a kernel frame its kallsyms name.
///
/// Without inline chains or source lines a frame's names depend only on its function, so they
/// are made once per (file, function start) and shared by that function's addresses.
final class PerfDataFrameNamer {
    private let keys: FrameKeyTable
    /// What the symbolizer found for each user frame id: the function, then the calls inlined
    /// into it when inline chains were looked up (nil: none, or not a user frame).
    private let functions: [[SymbolFrame]?]
    private let machine: MachineState
    private let symbols: PerfDataSymbols
    private let collapser: PerfScriptCollapser
    private let perFunction: Bool
    private let addressNames: Bool

    private struct Function: Hashable { var dso: Int32, start: UInt64, java: Bool }
    private var byFunction: [Function: ArraySlice<Int32>] = [:]
    private var named: FrameNames
    private var dsoText: [Int32: [UInt8]] = [:]
    private var addressBytes: [UInt8] = []
    private let unknown = Array("[unknown]".utf8)
    /// Whether a kernel frame had no kallsyms name.
    private(set) var kernelUnnamed = false

    private let inlinedText = Array("inlined".utf8)
    /// binutils' naming state per binary (see `Addr2LineNames`): name DWARF-unwound frames in
    /// perf's order of lookups (`names` of each in `PerfDataStacks`' first-seen order) first.
    private var addr2line: [Int32: Addr2LineNames] = [:]

    /// The frame keys of an unwound user stack by ticket, outermost first.
    private let unwound: (Int) -> ArraySlice<Int32>

    init(keys: FrameKeyTable, functions: [[SymbolFrame]?], machine: MachineState, symbols: PerfDataSymbols,
         collapser: PerfScriptCollapser, unwound: @escaping (Int) -> ArraySlice<Int32> = { _ in [] }) {
        self.unwound = unwound
        self.keys = keys
        self.functions = functions
        self.machine = machine
        self.symbols = symbols
        self.collapser = collapser
        perFunction = !(collapser.options.inline || collapser.options.srcline)
        addressNames = collapser.options.naming.includeAddrs
        named = FrameNames(count: keys.count)
    }

    /// The folded names of frame id `key`, outermost first (none for a frame that folds away).
    func names(_ key: Int32, java: Bool) -> ArraySlice<Int32> {
        if let known = named.lookup(key, java: java) { return known }
        let result = makeNames(key, java: java)
        named.store(key, java: java, result)
        return result
    }

    private func makeNames(_ key: Int32, java: Bool) -> ArraySlice<Int32> {
        let k = Int(key)
        let address = keys.addresses[k]
        let dso = keys.dsos[k]
        switch keys.kinds[k] {
        case .literal:
            return [Int32(truncatingIfNeeded: address)]
        case .truncated:
            var name = "[truncated]"
            return [name.withUTF8 { collapser.profile.names.intern($0) }]
        case .unmapped:
            return viaCollapser(address, unknown[...], unknown, java)
        case .unwoundStack:
            var ids: [Int32] = []
            for k in unwound(Int(address)) { ids += names(k, java: java) }
            return ArraySlice(ids)
        case .unwound:
            if let chain = functions[k], let names = addr2line[dso, default: Addr2LineNames()].names(chain) {
                return inlineList(chain, names, address, dso, java)
            }
            return userNames(key, java: java)
        case .user:
            return userNames(key, java: java)
        case .kernel:
            let start = symbols.kernelFunctionStart(at: address)
            if start == nil { kernelUnnamed = true }
            return shared(Function(dso: dso, start: start ?? .max, java: java), unnamed: start == nil) {
                let symbol = symbols.kernelSymbol(at: address).map { Array($0.name.utf8) } ?? unknown
                let names = viaCollapser(address, symbol[...], text(dso, kernel: true), java)
                if let start, let origins = collapser.profile.origins, let first = names.first { origins.noteAddress(first, start) }
                return names
            }
        }
    }

    /// The names of a DWARF-unwound frame as perf's `append_inlines` makes them: each entry of
    /// the inline chain at the frame's address, named as binutils' addr2line names it (see
    /// `Addr2LineNames`); an entry named otherwise than the ELF symbol is a made-up symbol
    /// perf prints in `(inlined)`.
    private func inlineList(_ chain: [SymbolFrame], _ names: [String], _ address: UInt64, _ dso: Int32, _ java: Bool) -> ArraySlice<Int32> {
        let elfName = chain[0].name
        let file = text(dso, kernel: false)
        var ids: [Int32] = []
        for name in names {
            let bytes = Array(name.utf8)
            ids += viaCollapser(address, bytes[...], name == elfName ? file : inlinedText, java)
        }
        if let origins = collapser.profile.origins, let outer = ids.first {
            origins.noteAddress(outer, address &- (chain[0].offset ?? 0))
        }
        return ArraySlice(ids)
    }

    /// The names of a user frame as perf script names it (a function, or `[unknown]` in its file).
    private func userNames(_ key: Int32, java: Bool) -> ArraySlice<Int32> {
        let k = Int(key)
        let address = keys.addresses[k]
        let dso = keys.dsos[k]
        let f = functions[k]?.first
        guard perFunction else {
            let names = viaCollapser(address, unknown[...], text(dso, kernel: false), java)
            if let f, let origins = collapser.profile.origins, let outer = names.first {
                origins.noteAddress(outer, address &- (f.offset ?? 0))
            }
            return names
        }
        // Every address in no function of a file folds to `[file]` (unless `--addrs`).
        let function = Function(dso: dso, start: f.map { address &- ($0.offset ?? 0) } ?? .max, java: java)
        return shared(function, unnamed: f == nil) {
            if let f {
                let id = text(dso, kernel: false).withUnsafeBufferPointer { collapser.foldedName(f, dso: $0, java: java) }
                collapser.profile.origins?.noteAddress(id, function.start)
                return [id]
            }
            return viaCollapser(address, unknown[...], text(dso, kernel: false), java)
        }
    }

    /// The names of `function`, made once; an unnamed frame under `--addrs` has its own.
    private func shared(_ function: Function, unnamed: Bool, _ make: () -> ArraySlice<Int32>) -> ArraySlice<Int32> {
        if unnamed && addressNames { return make() }
        if let known = byFunction[function] { return known }
        // A copy: a slice of the collapser's growing array would keep it shared.
        let result = ArraySlice(Array(make()))
        byFunction[function] = result
        return result
    }

    /// What perf script prints in parentheses for file `dso`: the symbol file's path for user
    /// frames (perf's saved vDSO image for `[vdso]`), `[kernel.kallsyms]` or the module.
    private func text(_ dso: Int32, kernel: Bool) -> [UInt8] {
        if let known = dsoText[dso] { return known }
        let filename = machine.dso(dso).filename
        let text = Array((kernel ? (filename.hasPrefix("[kernel.kallsyms]") ? "[kernel.kallsyms]" : filename)
                                 : (symbols.symbolFile(filename: filename) ?? filename)).utf8)
        dsoText[dso] = text
        return text
    }

    /// The names the collapser gives the frame line `address symbol (dso)`.
    private func viaCollapser(_ address: UInt64, _ symbol: ArraySlice<UInt8>, _ dso: [UInt8], _ java: Bool) -> ArraySlice<Int32> {
        addressBytes.removeAll(keepingCapacity: true)
        appendHex(address, to: &addressBytes)
        return addressBytes.withUnsafeBufferPointer { a in
            symbol.withUnsafeBufferPointer { s in
                dso.withUnsafeBufferPointer { d in
                    collapser.foldedNames(FrameLine(address: a, symbol: s, offset: nil, dso: d), java: java)
                }
            }
        }
    }
}

/// The names of each frame id, for Java and other processes (their rules differ).
private struct FrameNames {
    private var start: [Int32]
    private var length: [Int32]
    private var javaNames: [Int32: ArraySlice<Int32>] = [:]
    private var ids: [Int32] = []

    init(count: Int) {
        start = Array(repeating: -1, count: count)
        length = Array(repeating: 0, count: count)
    }

    @inline(__always)
    func lookup(_ key: Int32, java: Bool) -> ArraySlice<Int32>? {
        if java { return javaNames[key] }
        let s = Int(start[Int(key)])
        return s < 0 ? nil : ids[s..<(s + Int(length[Int(key)]))]
    }

    mutating func store(_ key: Int32, java: Bool, _ names: ArraySlice<Int32>) {
        if java {
            // A copy: a slice would keep the collapser's growing array shared.
            javaNames[key] = ArraySlice(Array(names))
        } else {
            start[Int(key)] = Int32(ids.count)
            length[Int(key)] = Int32(names.count)
            ids.append(contentsOf: names)
        }
    }
}
