import ProfileModel

/// The time strip above a document's panes: per process (the panes' root frames), or per thread
/// (a toggle), how busy it was over the capture in buckets, stacked by lane (on a CPU, runnable, disk, sleeping, other),
/// and the number of runnable threads over time, which is the workload's parallelism. Drawn as
/// plain paths, so that PNG previews and viewers without scripts show it; the script lets the
/// user drag a range on it, which re-aggregates the panes (`PaneTimeData`). The program's own
/// spans (`--spans`), when given, are drawn under it in rows; a click on one selects its range.
struct TimeStrip {
    /// At most this many process (or thread) rows; the rest are summed into one.
    static let maxRows = 8
    static let columns = 120
    static let rowHeight = 13.0
    static let labelWidth = 190.0

    typealias Row = TimeStripRows.Row

    let start: UInt64
    let end: UInt64
    private(set) var rows: [Row] = []
    /// The same per thread ("comm tid"); empty when a pane did not keep its threads' weights.
    private(set) var threads: [Row] = []
    /// Rows the chart takes: the larger set, so that the toggle moves nothing.
    var rowSlots: Int { max(rows.count, threads.count) }
    /// Threads running or waiting for a CPU, on average, per column; nil when the panes cannot
    /// say (on-CPU weights that are not time).
    private(set) var runnable: [Double]?
    private(set) var onCPUIsTime = true
    /// Whether `runnable` counts run-queue time (an off-CPU pane recorded it), not only threads on a CPU.
    private(set) var countsQueue = false
    /// At most this many rows of spans; deeper ones are counted in the strip's title.
    static let maxSpanRows = 4
    /// The spans inside the strip's time.
    private(set) var spans: [Span] = []
    /// Rows the spans take.
    var spanRows: Int { spans.isEmpty ? 0 : min((spans.map(\.row).max() ?? 0) + 1, TimeStrip.maxSpanRows) }

    /// The strip of `panes` (those with buckets); nil when none has any.
    init?(panes: [FlamePane]) {
        let timed = panes.filter { $0.buckets?.origin != nil && $0.diff == nil }
        guard !timed.isEmpty else { return nil }
        start = timed.map { $0.buckets!.origin! }.min()!
        end = timed.map { $0.buckets!.origin! + UInt64($0.buckets!.count) * $0.buckets!.width }.max()!
        guard end > start else { return nil }
        let n = TimeStrip.columns
        let span = Double(end - start)
        var processRows = TimeStripRows(columns: n), threadRows = TimeStripRows(columns: n)
        var running = [Double](repeating: 0, count: n)
        var queued = [Double](repeating: 0, count: n)
        var haveQueue = false
        var everyPaneHasThreads = true
        /// Spreads `w` over [a, a + len) onto the columns.
        func spread(_ a: UInt64, _ len: UInt64, _ w: Double, _ put: (Int, Double) -> Void) {
            let x0 = Double(a - start) / span * Double(n), x1 = Double(a + len - start) / span * Double(n)
            var c = max(Int(x0), 0)
            while Double(c) < x1 && c < n {
                let overlap = min(x1, Double(c + 1)) - max(x0, Double(c))
                if overlap > 0 { put(c, w * overlap / (x1 - x0)) }
                c += 1
            }
        }
        for pane in timed {
            let b = pane.buckets!, tree = pane.tree, o = b.origin!
            var isTime = true
            switch pane.unit {
            case .nanoseconds, .offCPU: break
            default: isTime = false
            }
            if !isTime { onCPUIsTime = false }
            // The root frame above each tree node (a reversed tree's roots are leaf frames: one row).
            var top = [Int32](repeating: 0, count: tree.count)
            for p in 0..<tree.count {
                for c in tree.children(p) { top[Int(c)] = p == 0 ? c : top[p] }
            }
            var rowOfTop: [Int32: Int] = [:]
            // In key order: the rows and their sums come out the same on every run.
            for (key, w) in b.cells.sorted(by: { $0.key < $1.key }) {
                let (node, lane, bucket) = TimeBuckets.parts(key)
                guard node > 0, Int(node) < tree.trieNodeCount else { continue }
                let t = tree.isReversed ? 0 : top[tree.node(ofTrieNode: Int(node))]
                let row: Int
                if let r = rowOfTop[t] {
                    row = r
                } else {
                    row = processRows.row(named: tree.isReversed || t == 0 ? Array("all threads".utf8)
                        : FlameGraphRenderer.displayName(tree.nameBytes(Int(t))))
                    rowOfTop[t] = row
                }
                spread(o + UInt64(bucket) * b.width, b.width, Double(w)) { c, v in
                    processRows.add(row: row, lane: lane, column: c, v)
                    if lane == .onCPU && isTime { running[c] += v }
                }
            }
            if b.threadCells.isEmpty && !b.cells.isEmpty { everyPaneHasThreads = false }
            var rowOfThread: [Int32: Int] = [:]
            for (key, w) in b.threadCells.sorted(by: { $0.key < $1.key }) {
                let (thread, lane, bucket) = TimeBuckets.parts(key)
                let row: Int
                if let r = rowOfThread[thread] { row = r } else {
                    row = threadRows.row(named: b.threadNames[Int(thread)].withUnsafeBufferPointer { FlameGraphRenderer.displayName($0) })
                    rowOfThread[thread] = row
                }
                spread(o + UInt64(bucket) * b.width, b.width, Double(w)) { c, v in threadRows.add(row: row, lane: lane, column: c, v) }
            }
            for (bucket, w) in b.runqueue.sorted(by: { $0.key < $1.key }) {
                haveQueue = true
                spread(o + bucket * b.width, b.width, Double(w)) { c, v in queued[c] += v }
            }
        }
        guard !processRows.rows.isEmpty else { return nil }
        let window = (start, end)
        spans = (panes.first { !$0.spans.isEmpty }?.spans ?? []).filter { $0.end >= window.0 && $0.start <= window.1 }
        rows = processRows.ranked(limit: TimeStrip.maxRows) { "\($0) other processes" }
        // Rows per thread only when every pane has them: half a story per thread would mislead.
        if everyPaneHasThreads { threads = threadRows.ranked(limit: TimeStrip.maxRows, byActivity: true) { "\($0) other threads" } }
        countsQueue = haveQueue
        if onCPUIsTime {
            let width = span / Double(n)
            runnable = (0..<n).map { (running[$0] + (haveQueue ? queued[$0] : 0)) / width }
        }
    }

    /// Its height in the document.
    func height(fontSize fs: Double) -> Double {
        fs * 1.5 + Double(rowSlots + (runnable == nil ? 0 : 1) + spanRows) * TimeStrip.rowHeight + fs * 2.8
    }

    static let laneColors: [(TimeBuckets.Lane, String)] = [
        (.onCPU, "rgb(232,121,40)"), (.runnable, "rgb(80,170,80)"), (.disk, "rgb(150,90,200)"),
        (.sleeping, "rgb(90,140,220)"), (.other, "rgb(160,160,160)"),
    ]

    /// Draws the strip from `top`, across `width` pixels.
    func draw(_ out: inout SVGBuffer, top: Double, width: Double, options o: FlameGraphOptions) {
        let fs = o.fontSize, pad = FlameGraphRenderer.xpad
        let cx = pad + TimeStrip.labelWidth, cw = max(width - pad - cx, 10)
        let rowsTop = top + fs * 1.5
        let chartHeight = Double(rowSlots + (runnable == nil ? 0 : 1)) * TimeStrip.rowHeight
        let n = Double(TimeStrip.columns)
        let span = end - start
        out.raw("<g id=\"strip\" data-t0=\""); out.trusted(String(start))
        out.raw("\" data-t1=\""); out.trusted(String(end))
        out.raw("\" data-cx=\""); out.coord(cx); out.raw("\" data-cw=\""); out.coord(cw)
        out.raw("\" data-top=\""); out.coord(rowsTop); out.raw("\" data-h=\""); out.coord(chartHeight)
        out.raw("\">\n")
        let legend = TimeStrip.laneColors.filter { lane, _ in rows.contains { $0.lanes[Int(lane.rawValue)].contains { $0 > 0 } } }
        var head = "Time: \(ValueFormat.duration(nanoseconds: span)), each row's busiest moment full height · drag to select a range"
        if !spans.isEmpty {
            let hidden = spans.filter { $0.row >= TimeStrip.maxSpanRows }.count
            head += " · \(spans.count) spans: click one to select it" + (hidden > 0 ? " (\(hidden) in rows below the \(TimeStrip.maxSpanRows)th not drawn)" : "")
        }
        text(&out, x: pad, y: top + fs, head, cssClass: "stitle")
        var legendX = width - pad
        for (lane, color) in legend.reversed() {
            let name = TimeStrip.laneName(lane)
            legendX -= Double(name.count) * fs * o.fontWidth + 16
            out.raw("<rect x=\""); out.coord(legendX); out.raw("\" y=\""); out.coord(top + fs * 0.2)
            out.raw("\" width=\"10\" height=\"10\" fill=\""); out.trusted(color); out.raw("\"/>\n")
            text(&out, x: legendX + 13, y: top + fs, name, cssClass: "slegend")
        }
        let h = TimeStrip.rowHeight - 2
        // Rows per process, and per thread behind the toggle (shown by the script; without it,
        // and in PNG previews, the processes).
        out.raw("<g id=\"sprocs\">\n")
        drawRows(&out, rows, top: rowsTop, cx: cx, cw: cw, options: o)
        out.raw("</g>\n")
        if !threads.isEmpty {
            out.raw("<g id=\"sthreads\" display=\"none\">\n")
            drawRows(&out, threads, top: rowsTop, cx: cx, cw: cw, options: o)
            out.raw("</g>\n")
        }
        if let runnable {
            let y = rowsTop + Double(rowSlots) * TimeStrip.rowHeight
            let peak = runnable.max() ?? 0
            let label = (countsQueue ? "runnable threads" : "threads on a CPU") + " (max \(ValueFormat.fixed(peak, decimals: 1)))"
            text(&out, x: pad, y: y + h - 1.5, label, cssClass: "slabel")
            if peak > 0 {
                out.raw("<path class=\"srun\" fill=\"rgb(60,60,60)\" d=\"M"); out.coord(cx); out.raw(","); out.coord(y + h)
                for c in 0..<TimeStrip.columns {
                    out.raw("V"); out.coord(y + h - runnable[c] / peak * h)
                    out.raw("H"); out.coord(cx + Double(c + 1) / n * cw)
                }
                out.raw("V"); out.coord(y + h); out.raw("Z\"/>\n")
            }
        }
        drawSpans(&out, top: rowsTop + chartHeight, cx: cx, cw: cw, fs: fs, charWidth: fs * o.fontWidth * 0.85)
        // The time axis: seconds from the strip's start, and perf's absolute time at its ends.
        let axisY = rowsTop + chartHeight + Double(spanRows) * TimeStrip.rowHeight + fs
        for k in 0...4 {
            let t = Double(span) * Double(k) / 4
            let x = cx + cw * Double(k) / 4
            let s = k == 0 ? TimeWindow([.init(start: start, end: .max)]).description.dropLast() + " s"
                : "+" + ValueFormat.duration(nanoseconds: UInt64(t))
            out.raw("<text class=\"saxis\" x=\""); out.coord(x); out.raw("\" y=\""); out.coord(axisY)
            out.raw(k == 0 ? "\">" : (k == 4 ? "\" text-anchor=\"end\">" : "\" text-anchor=\"middle\">"))
            out.text(String(s)); out.raw("</text>\n")
        }
        if !threads.isEmpty {
            out.raw("<text id=\"stoggle\" class=\"stoggle\" x=\""); out.coord(pad); out.raw("\" y=\""); out.coord(axisY)
            out.raw("\" data-t=\"rows per thread ▸\" data-p=\"rows per process ▸\">rows per thread ▸</text>\n")
        }
        out.raw("<rect id=\"srange\" class=\"hide\" x=\""); out.coord(cx); out.raw("\" y=\""); out.coord(rowsTop)
        out.raw("\" width=\"0\" height=\""); out.coord(chartHeight); out.raw("\"/>\n")
        out.raw("<rect id=\"shit\" x=\""); out.coord(cx); out.raw("\" y=\""); out.coord(rowsTop)
        out.raw("\" width=\""); out.coord(cw); out.raw("\" height=\""); out.coord(chartHeight)
        out.raw("\" fill=\"rgb(0,0,0)\" fill-opacity=\"0\"/>\n")
        text(&out, x: cx, y: axisY + fs * 1.3, " ", cssClass: "stext", id: "stext")
        out.raw("</g>\n")
    }

    /// Draws `rows` from `top`: each row's label with its totals, and its lanes as stacked step
    /// areas scaled to the row's busiest column.
    private func drawRows(_ out: inout SVGBuffer, _ rows: [Row], top rowsTop: Double, cx: Double, cw: Double, options o: FlameGraphOptions) {
        let fs = o.fontSize, pad = FlameGraphRenderer.xpad, h = TimeStrip.rowHeight - 2, n = Double(TimeStrip.columns)
        for (r, row) in rows.enumerated() {
            let y = rowsTop + Double(r) * TimeStrip.rowHeight
            let peak = (0..<TimeStrip.columns).map { c in row.lanes.reduce(0) { $0 + $1[c] } }.max() ?? 0
            let cpu = row.lanes[0].reduce(0, +), waiting = row.lanes.dropFirst().reduce(0) { $0 + $1.reduce(0, +) }
            var label = String(decoding: row.name, as: UTF8.self)
            if onCPUIsTime { label += " " + ValueFormat.duration(nanoseconds: UInt64(cpu)) + " CPU" }
            if waiting > 0 { label += ", " + ValueFormat.duration(nanoseconds: UInt64(waiting)) + " off" }
            let fitted = FlameGraphRenderer.label(Array(label.utf8), fitting: TimeStrip.labelWidth - 6, charWidth: fs * o.fontWidth * 0.85)
            out.raw("<text class=\"slabel\" x=\""); out.coord(pad); out.raw("\" y=\""); out.coord(y + h - 1.5); out.raw("\">")
            fitted.withUnsafeBufferPointer { out.text($0) }
            out.raw("<title>"); out.text(label); out.raw("</title></text>\n")
            guard peak > 0 else { continue }
            // Stacked step areas, one path per lane, bottom to top in `laneColors` order.
            var base = [Double](repeating: 0, count: TimeStrip.columns)
            for (lane, color) in TimeStrip.laneColors {
                let values = row.lanes[Int(lane.rawValue)]
                guard values.contains(where: { $0 > 0 }) else { continue }
                let tops = (0..<TimeStrip.columns).map { base[$0] + values[$0] }
                out.raw("<path fill=\""); out.trusted(color); out.raw("\" d=\"M"); out.coord(cx); out.raw(",")
                out.coord(y + h - base[0] / peak * h)
                for c in 0..<TimeStrip.columns {
                    out.raw("V"); out.coord(y + h - tops[c] / peak * h)
                    out.raw("H"); out.coord(cx + Double(c + 1) / n * cw)
                }
                var c = TimeStrip.columns - 1
                while c >= 0 {
                    out.raw("V"); out.coord(y + h - base[c] / peak * h)
                    out.raw("H"); out.coord(cx + Double(c) / n * cw)
                    c -= 1
                }
                out.raw("Z\"/>\n")
                base = tops
            }
        }
    }

    /// The spans in their rows from `top`: a box each with its name where it fits, its window in
    /// `data-s`/`data-e` (ns) for the script, and a tooltip with its wall time and `--time` range.
    private func drawSpans(_ out: inout SVGBuffer, top: Double, cx: Double, cw: Double, fs: Double, charWidth: Double) {
        guard spanRows > 0 else { return }
        let span = Double(end - start), h = TimeStrip.rowHeight - 2
        out.raw("<g id=\"spans\">\n")
        for s in spans where s.row < TimeStrip.maxSpanRows {
            let a = max(s.start, start), b = min(s.end, end)
            let x0 = cx + Double(a - start) / span * cw, x1 = cx + Double(b - start) / span * cw
            let w = max(x1 - x0, 1), y = top + Double(s.row) * TimeStrip.rowHeight
            out.raw("<g class=\"span\" data-s=\""); out.trusted(String(s.start)); out.raw("\" data-e=\""); out.trusted(String(s.end))
            out.raw("\"><title>"); out.text(s.name)
            out.text(" · \(ValueFormat.duration(nanoseconds: s.wall)) · --time \(TimeWindow.seconds(s.start)),\(TimeWindow.seconds(s.end))")
            out.raw("</title><rect x=\""); out.coord(x0); out.raw("\" y=\""); out.coord(y)
            out.raw("\" width=\""); out.coord(w); out.raw("\" height=\""); out.coord(h); out.raw("\" rx=\"2\"/>")
            let label = FlameGraphRenderer.label(Array(s.name.utf8), fitting: w - 4, charWidth: charWidth)
            if !label.isEmpty {
                out.raw("<text x=\""); out.coord(x0 + 2); out.raw("\" y=\""); out.coord(y + h - 2); out.raw("\">")
                label.withUnsafeBufferPointer { out.text($0) }
                out.raw("</text>")
            }
            out.raw("</g>\n")
        }
        out.raw("</g>\n")
    }

    static func laneName(_ lane: TimeBuckets.Lane) -> String {
        switch lane {
        case .onCPU: return "on CPU"
        case .runnable: return "runnable"
        case .disk: return "disk (D)"
        case .sleeping: return "sleeping (S)"
        case .other: return "other"
        }
    }

    private func text(_ out: inout SVGBuffer, x: Double, y: Double, _ s: String, cssClass: StaticString, id: StaticString? = nil) {
        out.raw("<text class=\""); out.raw(cssClass); out.raw("\"")
        if let id { out.raw(" id=\""); out.raw(id); out.raw("\"") }
        out.raw(" x=\""); out.coord(x); out.raw("\" y=\""); out.coord(y); out.raw("\">")
        out.text(s); out.raw("</text>\n")
    }
}
