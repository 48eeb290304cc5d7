import ProfileModel
import SVGRender

/// The phase tables of summary.md (`flame report --spans`, `flame record --spans`): for one
/// capture, each span's wall time, CPU and waits; for two runs (cold and hot, before and after),
/// the same phases side by side, matched by name (the n-th span of a name with the n-th).
public enum SpanReport {
    /// The section for one capture: at most `limit` spans, the longest (the rest are counted,
    /// and `flame top --spans` lists them all).
    public static func section(_ table: SpanTable, file: String, limit: Int) -> String {
        var out = "## Phases\n\n"
        let shown = table.longest(limit)
        out += "\(table.rows.count) spans of \(TextTable.codeSpan(file))"
            + (shown.rows.count < table.rows.count ? ", the \(shown.rows.count) longest shown in time order (`flame top --spans` "
                + "lists every one)" : "")
            + "; CPU and off-CPU time are summed over the "
            + "recorded processes' threads inside each span's window, so a phase that keeps two threads busy shows "
            + "twice its wall time on CPU. `start` and `stop` select the same window with `--time`.\n\n"
        var t = shown.table
        t.code = [0]
        return out + t.render(.md) + "\n"
    }

    /// The section for two runs: `before` and `after` phases side by side, at most `limit` of
    /// them (those longest on either side; the rest are counted).
    public static func comparison(before: SpanTable, after: SpanTable, names: (String, String), limit: Int) -> String {
        func key(_ rows: [SpanTable.Row]) -> [String: [SpanTable.Row]] {
            var out: [String: [SpanTable.Row]] = [:]
            for r in rows { out[r.span.name, default: []].append(r) }
            return out
        }
        let b = key(before.rows), a = key(after.rows)
        var order: [(String, Int)] = []
        var seen: [String: Int] = [:]
        for r in before.rows + after.rows {
            let n = seen[r.span.name, default: 0]
            let have = max(b[r.span.name]?.count ?? 0, a[r.span.name]?.count ?? 0)
            if n < have && !order.contains(where: { $0 == (r.span.name, n) }) {
                order.append((r.span.name, n))
                seen[r.span.name] = n + 1
            }
        }
        func ms(_ v: UInt64?) -> String { v.map(SpanTable.ms) ?? "—" }
        func change(_ x: UInt64?, _ y: UInt64?) -> String {
            guard let x, let y else { return "—" }
            let d = (Double(y) - Double(x)) / 1e6
            let sign = d >= 0 ? "+" : "−"
            return sign + ValueFormat.fixed(abs(d), decimals: 3) + " ms"
                + (x > 0 ? " (" + sign + ValueFormat.fixed(abs(d) * 1e8 / Double(x), decimals: 1) + "%)" : "")
        }
        func pick(_ side: [String: [SpanTable.Row]], _ key: (String, Int)) -> SpanTable.Row? {
            side[key.0].flatMap { key.1 < $0.count ? $0[key.1] : nil }
        }
        let all = order.count
        if order.count > limit {
            func wall(_ k: (String, Int)) -> UInt64 { max(pick(b, k)?.span.wall ?? 0, pick(a, k)?.span.wall ?? 0) }
            let keep = Set(order.indices.sorted { wall(order[$0]) != wall(order[$1]) ? wall(order[$0]) > wall(order[$1]) : $0 < $1 }
                .prefix(limit))
            order = order.indices.filter(keep.contains).map { order[$0] }
        }
        let rows = order.map { name, n -> [String] in
            let x = b[name].flatMap { n < $0.count ? $0[n] : nil }, y = a[name].flatMap { n < $0.count ? $0[n] : nil }
            return [name, ms(x?.span.wall), ms(y?.span.wall), change(x?.span.wall, y?.span.wall),
                    ms(x?.onCPU), ms(y?.onCPU), ms(x?.offCPUTotal), ms(y?.offCPUTotal)]
        }
        let header = ["phase", "wall before (ms)", "wall after (ms)", "wall change", "CPU before", "CPU after",
                      "off-CPU before", "off-CPU after"]
        var out = "### Phases, \(TextTable.mdText(names.0)) → \(TextTable.mdText(names.1))\n\n"
        out += "Spans matched by name (the n-th of a name with the n-th)"
            + (order.count < all ? "; the \(order.count) longest of \(all) shown (`flame top --spans` lists each side's)" : "")
            + "; CPU and off-CPU in ms, summed over the threads inside each span. — : the phase is on one side only.\n\n"
        return out + TextTable(header: header, rows: rows, rightAligned: Set(1..<header.count), code: [0]).render(.md) + "\n"
    }
}
