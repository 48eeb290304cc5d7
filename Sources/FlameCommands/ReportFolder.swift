#if canImport(Glibc)
import Glibc
#endif
import ProfileModel
import Fold
import TextInputs
import Record
import SVGRender
import Report

/// A folder of graphs (SVG, with a PNG preview each) and the summary.md that links them; what
/// could not be made (no rasterizer) is kept as notes for the summary and said once on stderr.
struct ReportFolder {
    let path: String
    let render: RenderFlags
    private(set) var notes: [String] = []

    /// Creates the folder (and its parents) when missing; with `fresh`, a folder that already
    /// exists is refused (flame record never mixes two recordings).
    init(path: String, render: RenderFlags, fresh: Bool = false) throws {
        self.path = path
        self.render = render
        var existing = stat()
        if fresh && lstat(path, &existing) == 0 {
            throw OutputError(path: path, reason: "already exists; choose another -o, or --force to write into it")
        }
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw OutputError(path: path, reason: String(cString: strerror(errno)))
            }
        }
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { throw OutputError(path: path, reason: "not a directory") }
    }

    /// Draws one profile to `file.svg` (and its PNG) and describes it for the summary; with
    /// `facts`, the subtitle leads with the capture's headline.
    mutating func graph(_ p: Profile, title: String, file: String, palette: Palette, facts: CaptureFacts? = nil,
                        summary: OffCPUSummary? = nil, subtitle: String? = nil) throws -> ReportGraph {
        guard p.totalWeight > 0 else { throw InputError.noSamples(file: title, detail: "nothing to draw") }
        var options = render.options(palette: palette, title: title)
        if options.subtitle == nil { options.subtitle = subtitle }
        if let facts, options.subtitle == nil, !facts.parts.isEmpty { options.subtitle = facts.parts.joined(separator: " · ") }
        let (svg, pruned) = FlameGraphRenderer(options: options, unit: p.unit)
            .render(render.tree(p), buckets: p.buckets, spans: p.spanTotals?.spans ?? [])
        let png = try write(svg, name: file)
        return ReportGraph(title: title, profile: p, svg: "\(file).svg", png: png, pruned: pruned, summary: summary)
    }

    /// The program's critical path drawn to `file.svg` (with its PNG, and `file.folded` in µs);
    /// nil, with the reason said on stderr and noted, when the capture has no path to walk (no
    /// wakeups, no program). The walk reads every process: a path crosses the selection's bounds.
    mutating func criticalPath(_ data: String, collapse: CollapseOptions, program: Int32?,
                               file: String = "critical") -> (result: CriticalPathResult, svg: String, png: String?)? {
        var all = collapse
        all.filter = ProcessFilter()
        let result: CriticalPathResult
        do {
            result = try CLI.loadCriticalPath(data, collapse: all, program: program)
        } catch {
            let why = "no critical path: \(error)"
            CLI.say(.note(.output, why))
            notes.append(why)
            return nil
        }
        do {
            let drawn = try graph(result.profile, title: "Critical Path", file: file, palette: .hot,
                                  subtitle: CriticalPathReport.headline(result.summary, program: result.program))
            try CLI.write(FoldedWriter.bytes(result.profile, divisor: 1000), to: path + "/\(file).folded")
            return (result, drawn.svg, drawn.png)
        } catch {
            CLI.say(.warning(.output, "critical path: \(error)"))
            return nil
        }
    }

    /// summary.md's "Critical path" section for one capture (see `criticalPath`).
    mutating func criticalPathSection(_ data: String, collapse: CollapseOptions, program: Int32?, limit: Int) -> String? {
        guard let (r, svg, png) = criticalPath(data, collapse: collapse, program: program) else { return nil }
        return CriticalPathReport.markdown(r.summary, profile: r.profile, program: r.program, svg: svg, png: png, limit: limit)
    }

    /// Both views side by side in `both.svg`, described as a picture-only entry of the summary.
    mutating func both(on: Profile, off: Profile, summary: OffCPUSummary?, facts: CaptureFacts? = nil) throws -> ReportGraph {
        var drawing = render.options(palette: .hot, title: "On-CPU and Off-CPU Time")
        drawing.width = render.width ?? 1800
        var document = BothView.sideBySide(on: on, off: off, summary: summary, reverse: render.reverse,
                                           layout: .sideBySide, countName: render.countname, options: drawing)
        if let facts, !facts.parts.isEmpty { document.headline = facts.parts.joined(separator: " · ") }
        let png = try write(FlameGraphRenderer.render(document).svg, name: "both")
        return ReportGraph(title: "On-CPU and off-CPU side by side", profile: on, svg: "both.svg", png: png)
    }

    /// Writes `name.svg` and its PNG preview; the PNG's name, or nil with the reason noted once.
    mutating func write(_ svg: [UInt8], name: String) throws -> String? {
        try CLI.write(svg, to: "\(path)/\(name).svg")
        try CLI.refuseInput("\(path)/\(name).png")
        if let why = PNGPreview.write(svg: "\(path)/\(name).svg", png: "\(path)/\(name).png") {
            if !notes.contains(why) {
                notes.append(why)
                CLI.say(.warning(.output, why))
            }
            return nil
        }
        return "\(name).png"
    }

    /// Removes what an earlier `flame record` wrote here (`--force`), so that nothing of that
    /// recording is left beside the new one if the new one draws less (no off-CPU, no program).
    func clearRecording() {
        var names = ["perf.data", "perf.data.old", RecordSelection.fileName, "summary.md", SpanFlags.keptName]
        for graph in ["oncpu", "offcpu", "both", "critical"] { names += [graph + ".svg", graph + ".png", graph + ".folded"] }
        for name in names { unlink(path + "/" + name) }
    }

    func writeSummary(_ markdown: String) throws {
        try CLI.write(Array(markdown.utf8), to: path + "/summary.md")
    }
}
