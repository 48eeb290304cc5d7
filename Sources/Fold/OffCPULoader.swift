#if canImport(Glibc)
import Glibc
#endif
import PerfData
import PerfScript
import Symbolize

/// An off-CPU profile: weights are nanoseconds off-CPU, with what the reading counted.
public struct OffCPUResult {
    public var profile: Profile
    /// Interval bookkeeping; nil for inputs that carry totals only (bcc, bpftrace, folded).
    public var summary: OffCPUSummary?
    public var format: InputFormat
}

/// Reads any input flame understands as off-CPU time, detecting the format by content:
/// scheduler events (perf.data, `perf script`, `perf sched script`) become intervals through
/// `OffCPUAccountant`; folded stacks are taken as microseconds (bcc's `offcputime -f`).
public enum OffCPULoader {
    static let howToRecord = "record system-wide with every switch: `perf sched record -g -- CMD`, or "
        + "`perf record -a -g -e sched:sched_switch -e sched:sched_wakeup -- CMD` (no -F, no -c)"

    public static func load(path: String, collapse: CollapseOptions, options: OffCPUOptions) throws -> OffCPUResult {
        let source = try ByteSource(path: path)
        let format = try InputFormat.detect(source)
        var result: OffCPUResult
        switch format {
        case .perfData:
            let file: PerfDataFile
            do {
                file = path == "-" ? try PerfDataFile(bytes: try source.readRemaining(), name: source.name)
                                   : try PerfDataFile(path: path)
            } catch let error as PerfDataError {
                throw InputError.unreadable(file: source.name, reason: error.description)
            }
            var symbols = collapse.symbolOptions ?? SymbolizeOptions()
            symbols.useProfilePath = true
            let loader = OffCPUPerfDataLoader(file: file, collapse: collapse, symbols: symbols, options: options)
            let (profile, report) = try loader.load()
            profile.notes.insert(contentsOf: file.warnings.map { "warning: \($0)" }, at: 0)
            for m in report.messages { profile.notes.append("warning: \(m)") }
            if let error = report.error, report.samples == 0 {
                throw InputError.unreadable(file: source.name, reason: error.description)
            }
            if report.error != nil {
                profile.notes.append("warning: \(source.name): counted the \(report.samples) events read before the damage")
            }
            if !loader.sampledEvents.isEmpty {
                profile.notes.append("warning: \(source.name): \(loader.sampledEvents.joined(separator: ", ")) "
                    + "sampled, not recorded one by one, so most switches are missing and the times are not exact; "
                    + howToRecord)
            }
            try requireSwitches(loader.switches, file: source.name)
            result = OffCPUResult(profile: profile, summary: loader.accountant.summary, format: format)
        case .perfScript:
            let loader = OffCPUScriptLoader(collapse: collapse, options: options)
            let report = try PerfScriptParser().parse(source, into: loader)
            loader.accountant.finish()
            let profile = loader.collapser.profile
            profile.notes += report.warnings(file: source.name)
            profile.notes += (collapse.symbolizer?.warnings ?? []).map { "warning: \($0)" }
            if loader.missingTime {
                profile.notes.append("warning: \(source.name): events without a time were skipped (print it: perf script -F +time)")
            }
            if let period = loader.sampledPeriod {
                profile.notes.append("warning: \(source.name): sched_switch was sampled (period \(period)), not recorded one by "
                    + "one, so most switches are missing and the times are not exact; " + howToRecord)
            }
            if loader.missingPid && !collapse.filter.pids.isEmpty {
                profile.notes.append("warning: \(source.name): the text has no pid column, so --pid keeps nothing "
                    + "(print it: perf script -F +pid)")
            }
            try requireSwitches(loader.switches, file: source.name)
            result = OffCPUResult(profile: profile, summary: loader.accountant.summary, format: format)
        case .folded:
            // bcc's offcputime -f: one folded stack per key, in microseconds.
            let loader = FoldedLoader(chartMode: false, weightScale: 1000)
            let report = try FoldedParser().parse(source, into: loader)
            loader.profile.notes += report.warnings(file: source.name)
            result = OffCPUResult(profile: loader.profile, summary: nil, format: format)
        }
        result.profile.unit = .offCPU
        result.profile.event = "off-cpu"
        if let summary = result.summary { result.profile.notes += notes(summary, file: source.name) }
        return result
    }

    private static func requireSwitches(_ switches: Int, file: String) throws {
        if switches == 0 {
            throw InputError.noSamples(file: file, detail: "no sched:sched_switch events to measure off-CPU time; " + howToRecord)
        }
    }

    /// Warnings about what the summary shows could not be counted.
    static func notes(_ s: OffCPUSummary, file: String) -> [String] {
        var out: [String] = []
        if s.switchOuts > 0 && s.switchInsMatched == 0 && s.recoveredByRuntime == 0 && s.recoveredByEstimate == 0 {
            out.append("warning: \(file): no thread was ever seen switching back in: the capture holds only the "
                + "workload's own switch-outs (recorded per task, without -a?); " + howToRecord)
        }
        return out
    }
}
