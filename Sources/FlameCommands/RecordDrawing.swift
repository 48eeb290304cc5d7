#if canImport(Glibc)
import Glibc
#endif
import ProfileModel
import Capture
import Fold
import PerfData
import TextInputs
import Record
import SVGRender
import Report

/// What `flame record` writes after perf stops: the selection (flame-record.json), the graphs,
/// their folded stacks and summary.md, for the program and the attached processes' trees.
struct RecordDrawing {
    let data: String
    var folder: ReportFolder
    let command: [String]
    let attached: [AttachTarget]
    let perf: [String]
    /// The recording perf's pid (the program's parent).
    let perfPID: Int32
    let status: Int32?
    let interrupted: Bool
    let onCPUOnly: Bool
    let offCPU: OffCPUOptions
    let symbols: SymbolFlags
    /// `--spans`: the file the program writes its spans to, read once it has ended.
    let spans: SpanFlags

    mutating func draw() throws {
        let file = try PerfDataInput.open(data)
        let scan = try CaptureScan(file, perf: perfPID, program: !command.isEmpty, attached: Set(attached.map(\.pid)))
        // What was asked for must be there, or the graphs would tell the story without it.
        if let gone = scan.absent(attached).first {
            throw InputError.selection(file: data, detail: "--attach \(gone.asked): \(gone.comm) (pid \(gone.pid)) exited before "
                + "recording began, so it is not in the capture; nothing drawn (the capture is kept: "
                + "flame oncpu \(ShellWords.quote(data)) --all-processes)")
        }
        var present = attached
        // Without a program, what perf ran is its timer (`sleep` for --duration), not a program.
        let program = command.isEmpty ? nil : scan.programPID
        if !command.isEmpty && program == nil {
            CLI.say(.warning(.selection, subject: data, "the program's process is not in the capture"))
        }
        present = present.filter { $0.pid != program }
        let selection = RecordSelection(command: command, programPID: program, attached: present, perf: perf,
                                        exitStatus: status, interrupted: interrupted)
        guard !selection.trees.isEmpty else {
            throw InputError.selection(file: data, detail: "none of the processes to record is in the capture; nothing drawn "
                + "(the capture is kept: flame oncpu \(ShellWords.quote(data)) --all-processes)")
        }
        try CLI.write(selection.json(), to: folder.path + "/" + RecordSelection.fileName)

        var options = CollapseOptions()
        options.symbolOptions = symbols.options
        options.demangleSwift = !symbols.noDemangle
        options.filter = ProcessFilter(trees: Set(selection.trees.map(Int.init)))
        options.keepBuckets = !folder.render.noTimeStrip
        // The recording stands without its spans: a span file that cannot be read or placed is said, and left out.
        do {
            options.spans = try spans.request()
            _ = try options.spanTotals(in: file)
            // Kept beside perf.data, so that reading the folder later draws them without --spans.
            if let path = spans.spans {
                try CLI.write(try ByteSource(path: path).readRemaining(), to: folder.path + "/" + SpanFlags.keptName)
            }
        } catch {
            options.spans = nil
            CLI.say(.warning(.selection, "\(error); the graphs are drawn without spans"))
        }
        let on: Profile
        var off: OffCPUResult?
        if onCPUOnly {
            on = try CLI.load(data, options)
        } else {
            // Both views of the capture, read once, from the file the scan opened.
            let loaded = try CLI.loadBoth(file, collapse: options, offcpuOptions: offCPU)
            on = loaded.on
            off = try loaded.off?()
        }
        let facts = CaptureFacts(on: on, off: off?.profile, summary: off?.summary, program: selection.programPID)
        var graphs: [ReportGraph] = []
        if on.totalSamples > 0 {
            try CLI.write(FoldedWriter.bytes(on), to: folder.path + "/oncpu.folded")
            graphs.append(try folder.graph(on, title: "On-CPU", file: "oncpu", palette: .hot, facts: facts))
        } else {
            CLI.say(.warning(.output, subject: data, "no on-CPU sample of the recorded processes (they ran for less than a sampling "
                + "period?); no on-CPU graph"))
        }
        if let off {
            if off.profile.totalWeight > 0 {
                try CLI.write(FoldedWriter.bytes(off.profile, divisor: 1000), to: folder.path + "/offcpu.folded")
                graphs.append(try folder.graph(off.profile, title: "Off-CPU", file: "offcpu", palette: .io, facts: facts,
                                               summary: off.summary))
                if on.totalSamples > 0 {
                    graphs.insert(try folder.both(on: on, off: off.profile, summary: off.summary, facts: facts), at: 0)
                }
            } else {
                CLI.say(.warning(.output, subject: data, "the recorded processes never waited off-CPU; no off-CPU graph"))
            }
        }
        // A program that ran is something to draw; attached processes may have been idle throughout.
        if graphs.isEmpty && !command.isEmpty {
            throw InputError.noSamples(file: data, detail: "nothing of the program was recorded")
        }
        let title = command.isEmpty ? selection.description : ShellWords.join(command)
        var notes = folder.notes
        if graphs.isEmpty {
            CLI.say(.warning(.output, subject: data, "the attached processes neither ran nor switched during the capture (idle "
                + "throughout?): summary.md says so, no graph is drawn"))
            notes.insert("Nothing to draw: the recorded processes had no on-CPU sample and no scheduler event during the "
                + "capture (idle throughout?).", at: 0)
        }
        if let status, status != 0 { notes.insert("The program exited with status \(status).", at: 0) }
        if interrupted { notes.insert("The recording was interrupted (Ctrl-C): waits still open then are cut there.", at: 0) }
        // The program's critical path, when it was recorded with its wakeups (a second walk: the
        // path crosses processes the selection leaves out, such as a daemon).
        var sections: [String] = []
        let phases = ReportWriter.spanTable(on: on, off: off?.profile).map { [SpanReport.section($0, file: options.spans?.spans.file ?? "", limit: 40)] } ?? []
        if !onCPUOnly, let pid = selection.programPID, off != nil, file.header.events.contains(where: { $0.name == "sched:sched_waking" }) {
            if let section = folder.criticalPathSection(data, collapse: options, program: pid, limit: 15) { sections.append(section) }
            notes += folder.notes.filter { !notes.contains($0) }
        }
        try folder.writeSummary(MarkdownReport.summary(title: title, command: !command.isEmpty, facts: facts, selection: "Recorded: " + selection.description + ".",
                                                       graphs: graphs, limit: 15, notes: notes,
                                                       pictureOnly: graphs.count == 3 ? [0] : [], leading: phases,
                                                       sections: sections))
    }
}
