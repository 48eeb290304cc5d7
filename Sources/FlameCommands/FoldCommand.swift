import ArgumentParser
import ProfileModel
import Fold
import TextInputs
import Symbolize

/// `--only-pid`, `--only-tid`, `--comm`: which threads to keep. `--pid N` and `--tid N` (with a
/// number, as perf spells them) mean these too; a bare `--pid`/`--tid` stays stackcollapse's flag
/// (see `Flame.rewriteFilterArguments`).
struct FilterFlags: ParsableArguments {
    @Option(name: .customLong("only-pid"), help: ArgumentHelp("Keep only these processes (comma-separated pids; also spelled --pid N).", valueName: "pid"))
    var pids: [String] = []
    @Option(name: .customLong("only-tid"), help: ArgumentHelp("Keep only these threads (comma-separated tids; also spelled --tid N).", valueName: "tid"))
    var tids: [String] = []
    @Option(name: .customLong("tree"), help: ArgumentHelp("Keep this process and every process it started during the capture, "
        + "followed through the FORK records of perf.data (repeatable, or comma-separated pids).", valueName: "pid"))
    var trees: [String] = []
    @Option(name: .customLong("comm"), help: "Keep only threads with this comm, or whose process has it (repeatable).")
    var comms: [String] = []
    @Flag(name: .customLong("all-processes"), help: "For a flame record folder: read every process of the capture, not the ones the recording selected.")
    var allProcesses = false
    @Option(name: .customLong("time"), help: ArgumentHelp("Keep only this time range, as perf script --time: START,STOP in "
        + "seconds as perf prints them (either may be empty; several ranges separated by spaces), or slices of the capture: "
        + "10%-20%, 10%/2 (the second 10%), 0%-10%,50%-60%. Samples outside are left out; off-CPU waits are clipped to "
        + "the ranges.", valueName: "range"))
    var time: String?

    func validate() throws {
        for v in pids + tids + trees { for n in v.split(separator: ",") where Int32(n) == nil || Int32(n)! < 0 {
            throw ValidationError("\(n) is not a process or thread id")
        } }
        if let time {
            do { _ = try TimeSelection(time) } catch let e as TimeSelection.Invalid { throw ValidationError(e.description) }
        }
    }

    /// `--time` as parsed (validated already).
    var timeSelection: TimeSelection? { time.flatMap { try? TimeSelection($0) } }

    var filter: ProcessFilter {
        ProcessFilter(pids: Set(pids.flatMap { $0.split(separator: ",").compactMap { Int($0) } }),
                      trees: Set(trees.flatMap { $0.split(separator: ",").compactMap { Int($0) } }),
                      tids: Set(tids.flatMap { $0.split(separator: ",").compactMap { Int($0) } }),
                      comms: Set(comms.map { Array($0.utf8) }))
    }
}

/// The stackcollapse-perf.pl options, shared by every command that reads perf script text.
struct CollapseFlags: ParsableArguments {
    @Flag(help: "Include the PID with process names (comm-PID).")
    var pid = false
    @Flag(help: "Include the PID and TID with process names (comm-PID/TID).")
    var tid = false
    @Flag(help: "Annotate kernel functions with _[k].")
    var kernel = false
    @Flag(help: "Annotate JIT functions (/tmp/perf-PID.map) with _[j].")
    var jit = false
    @Flag(help: "All annotations (--kernel --jit).")
    var all = false
    @Flag(help: "Include raw addresses where symbols cannot be found.")
    var addrs = false
    @Option(name: .customLong("event-filter"), help: "Keep only samples of this event (default: the first event seen).")
    var eventFilter: String?
    @Flag(help: "Add inlined calls as name_[i] frames, from DWARF (as stackcollapse-perf.pl --inline).")
    var inline = false
    @Flag(help: "Append :file:line to frames, from DWARF (as stackcollapse-perf.pl --context).")
    var srcline = false
    @Option(help: "Threads for folding large files (default: one per CPU).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 || threads > 256 { throw ValidationError("--threads takes 1 to 256") }
    }

    func options(chart: Bool = false, symbols: SymbolFlags? = nil, filter: FilterFlags? = nil) -> CollapseOptions {
        var o = CollapseOptions()
        if let filter {
            o.filter = filter.filter
            o.time = filter.timeSelection
        }
        if let symbols {
            o.symbolOptions = symbols.options
            o.demangleSwift = !symbols.noDemangle
        }
        o.inline = inline
        o.srcline = srcline
        o.includePid = pid
        o.includeTid = tid
        o.naming = FrameNaming(annotateKernel: kernel || all, annotateJit: jit || all, includeAddrs: addrs)
        o.eventFilter = eventFilter
        o.chartMode = chart
        return o
    }
}

struct FoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fold",
        abstract: "Print folded stacks from perf.data, perf script text or folded stacks (as stackcollapse-perf.pl).")

    @Argument(help: "perf.data (file or pipe mode), perf script text or folded stacks; '-' reads standard input.")
    var input: String = "perf.data"

    @OptionGroup var collapse: CollapseFlags
    @OptionGroup(title: "Threads") var filter: FilterFlags
    @OptionGroup(title: "Symbols") var symbols: SymbolFlags

    func run() throws {
        let source = try CLI.resolve(input, filter)
        var options = collapse.options(symbols: symbols, filter: filter)
        options.filter = source.filter
        let profile = try CLI.load(source.path, options, threads: collapse.threads)
        try CLI.write(FoldedWriter.bytes(profile), to: nil)
    }
}
