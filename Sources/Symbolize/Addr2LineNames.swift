/// The names binutils' `addr2line -f -i` gives the entries of inline chains, which perf prints
/// for DWARF-unwound frames. For a function or inlined instance without a linkage name (in a
/// language that mangles) they depend on the lookups before: the first time it is the innermost
/// entry, binutils names it by the symbol table, and from then on by its DWARF name, unless a
/// symbol starts where it does, in which case the symbol's name becomes its name for good (also
/// where it is an outer entry). Keep one per binary (perf runs one addr2line per binary) and ask
/// in perf's order of lookups.
public struct Addr2LineNames {
    /// Instances looked up as innermost entries: those renamed to their symbol, and the rest.
    private var renamed: Set<UInt64> = []
    private var settled: Set<UInt64> = []

    /// A fresh state, as of an addr2line process that has answered no lookup yet.
    public init() {}

    /// The names of the chain of one address (`Symbolizer.frames`: the function first), in that
    /// order; nil when DWARF does not cover the address (perf then prints the symbol alone).
    public mutating func names(_ chain: [SymbolFrame]) -> [String]? {
        guard chain.first?.perfName != nil else { return nil }
        var out: [String] = []
        out.reserveCapacity(chain.count)
        for (i, f) in chain.enumerated() {
            let name = f.perfName ?? f.name
            guard let alias = f.perfAlias, let instance = f.perfInstance else {
                out.append(name)
                continue
            }
            if renamed.contains(instance) {
                out.append(alias)
            } else if i == chain.count - 1 && !settled.contains(instance) {
                out.append(alias)
                if f.perfRenames { renamed.insert(instance) } else { settled.insert(instance) }
            } else {
                out.append(name)
            }
        }
        return out
    }
}
