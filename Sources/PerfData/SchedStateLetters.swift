/// `prev_state` of `sched:sched_switch` in perf's letters: the one decoder every input uses, so that
/// `--state` and `[state …]` frames read the same from perf.data, perf script text and bpftrace.
///
/// The kernel (4.14 and later) prints the field with
/// `(s & mask) ? __print_flags(s & mask, "|", {0x01, "S"}, …, {0x80, "I"}) : "R"`, then `+` when the
/// bit above the table (`TASK_REPORT_MAX`, preemption) is set, where `mask` is that bit minus one.
/// So: `R` when no bit below the preemption bit is set; else the letters of the set bits joined by
/// `|`, and bits without a letter (a table shorter than the mask) in hex, as `__print_flags` prints
/// them; then `+`.
/// Bits above the preemption bit are masked off, as the kernel's format does.
public struct SchedStateLetters: Sendable {
    private let table: [(value: UInt64, text: [UInt8])]
    private let mask: UInt64
    private let preempt: UInt64

    /// The table of the kernel's own format (`TracepointFormat.flagTables["prev_state"]`); empty
    /// gives `kernel`.
    public init(_ table: [(value: UInt64, text: String)]) {
        let table = table.isEmpty ? SchedStateLetters.kernelTable : table
        self.table = table.map { ($0.value, Array($0.text.utf8)) }
        let top = table.map(\.value).max() ?? 0x80
        preempt = top << 1
        mask = preempt &- 1
    }

    /// The letters of Linux 4.14 and later (`TASK_REPORT`), for inputs that carry no format:
    /// S D T t X Z P I, preemption at 0x100.
    public static let kernel = SchedStateLetters([])

    private static let kernelTable: [(value: UInt64, text: String)] = [
        (0x01, "S"), (0x02, "D"), (0x04, "T"), (0x08, "t"), (0x10, "X"), (0x20, "Z"), (0x40, "P"), (0x80, "I"),
    ]

    /// Writes the letters of `state` into `out` (replacing what it held).
    public func letters(_ state: UInt64, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var bits = state & mask
        if bits == 0 {
            out.append(UInt8(ascii: "R"))
        } else {
            for (value, text) in table where value != 0 && bits & value == value {
                if !out.isEmpty { out.append(UInt8(ascii: "|")) }
                out.append(contentsOf: text)
                bits &= ~value
            }
            if bits != 0 {
                if !out.isEmpty { out.append(UInt8(ascii: "|")) }
                out.append(contentsOf: Array("0x".utf8))
                out.append(contentsOf: Array(String(bits, radix: 16).utf8))
            }
        }
        if state & preempt != 0 { out.append(UInt8(ascii: "+")) }
    }

    /// The letters of `state`.
    public func letters(_ state: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        letters(state, into: &out)
        return out
    }
}
