import ArgumentParser
import ProfileModel
import PerfData
import Fold
import TextInputs
import SVGRender
import Report

struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Print the processes and the functions with the most self and total weight, as tables.")

    @Argument(help: "Any input flame reads; '-' reads standard input.")
    var input: String = "perf.data"

    @Flag(help: "Read the input as off-CPU time (scheduler events, offcputime, timehist, bpftrace).")
    var offcpu = false

    @Option(help: "Rows per table.")
    var limit: Int = 20

    @Option(help: "text (aligned), md (GitHub Markdown), csv or tsv (one table, raw numbers).")
    var format: TableFormat = .text

    @OptionGroup(title: "Spans") var spanFlags: SpanFlags
    @OptionGroup(title: "Off-CPU") var offcpuFlags: OffCPUFlags
    @OptionGroup(title: "Folding") var collapse: CollapseFlags
    @OptionGroup(title: "Threads") var filter: FilterFlags
    @OptionGroup(title: "Symbols") var symbols: SymbolFlags

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        try spanFlags.require(atMost: 1)
    }

    func run() throws {
        let source = try CLI.resolve(input, filter)
        var options = collapse.options(symbols: symbols, filter: filter)
        options.filter = source.filter
        if let spans = try spanFlags.request() {
            options.spans = spans
            return try CLI.writeChunk(Array(spanTables(source.path, options).utf8))
        }
        let profile = try CLI.loadProfile(source.path, offcpu: offcpu, collapse: options,
                                          offcpuOptions: offcpuFlags.options, threads: collapse.threads)
        try CLI.requireData(profile, path: source.path, filter: source.filter)
        let tables = ProfileTables(profile, limit: limit)
        var out = ""
        switch format {
        case .csv, .tsv:
            out = tables.rawTable.render(format)
        case .text, .md:
            let heading = { (s: String) in format == .md ? "### \(s)\n\n" : "\(s)\n" }
            let head = "\(input): \(tables.amount(tables.totals.total)) \(tables.quantity)" + (profile.event.map { " (\($0))" } ?? "")
            out += (format == .md ? TextTable.mdText(head) : TextTable.oneLine(head)) + "\n\n"
            if let groups = CaptureFacts(on: offcpu ? nil : profile, off: offcpu ? profile : nil, summary: nil).groupTable(limit: limit) {
                out += heading("Processes by command") + groups.render(format) + "\n"
            }
            out += heading("Threads by name (first frame)") + tables.processTable.render(format) + "\n"
            out += heading("Top \(limit) functions by \(tables.selfMeaning) \(tables.quantity)") + tables.selfTable.render(format) + "\n"
            out += heading("Top \(limit) functions by total \(tables.quantity)") + tables.totalTable.render(format)
            if let line = tables.unresolvedLine { out += "\n" + line + "\n" }
        }
        try CLI.writeChunk(Array(out.utf8))
    }

    /// The spans' table (`--spans`): on-CPU and, where the capture has the scheduler's switches, off-CPU.
    private func spanTables(_ path: String, _ options: CollapseOptions) throws -> String {
        let loaded = try CLI.loadBoth(path, collapse: options, offcpuOptions: offcpuFlags.options, threads: collapse.threads,
                                      offCPUIfRecorded: true)
        let off = try loaded.off?().profile
        let table = SpanTable(on: loaded.on.spanTotals, off: off?.spanTotals, onCPUIsTime: { if case .nanoseconds = loaded.on.unit { return true }; return false }())
        switch format {
        case .csv, .tsv: return table.table.render(format)
        case .text, .md:
            let what = "\(table.rows.count) spans of \(spanFlags.spans ?? "")" + (loaded.on.event.map { " over \($0)" } ?? "")
                + "; CPU and waits summed over the selected processes' threads"
                + (off == nil ? "; no off-CPU time (the capture has no sched_switch)" : "")
            let head = format == .md ? TextTable.mdText(what) : TextTable.oneLine(what)
            return head + "\n\n" + table.table.render(format)
        }
    }
}

extension TableFormat: ExpressibleByArgument {}
