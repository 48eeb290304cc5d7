#if canImport(Glibc)
import Glibc
#endif
import ProfileModel
import PerfData
import TextInputs
import Symbolize
import Capture

/// An off-CPU profile: weights are nanoseconds off-CPU, with what the reading counted.
public struct OffCPUResult {
    /// The off-CPU profile: weights in ns, unit `.offCPU`.
    public var profile: Profile
    /// Interval bookkeeping; nil for inputs that carry totals only (bcc, bpftrace, folded).
    public var summary: OffCPUSummary?
    /// The input's format, as detected from its content.
    public var format: InputFormat
}

/// Reads any input flame understands as off-CPU time, detecting the format by content:
/// scheduler events (perf.data, `perf script`, `perf sched script`) become intervals through
/// `OffCPUAccountant`; folded stacks are taken as microseconds (bcc's `offcputime -f`).
package enum OffCPULoader {
    static let howToRecord = "record system-wide with every switch: `perf sched record -g -- CMD`, or "
        + "`perf record -a -g -e sched:sched_switch -e sched:sched_wakeup -- CMD` (no -F, no -c; to sample the CPU "
        + "in the same capture give its event a period of its own: -e cpu-clock/period=1000000/)"

    /// Reads `path` ("-" for standard input) as off-CPU time; throws `InputError` for input that
    /// cannot be read or holds no off-CPU time; recoverable oddities become `profile.notes`.
    package static func load(path: String, collapse: CollapseOptions, options: OffCPUOptions) throws -> OffCPUResult {
        let source = try ByteSource(path: path)
        let format = try InputFormat.detect(source)
        if format != .perfData {
            try ProfileLoader.requireNoTrees(collapse.filter, file: source.name)
            try collapse.requireNoSpans(file: source.name)
        }
        if options.wakers && format != .perfData {
            throw InputError.noSamples(file: source.name, detail: "--wakers reads perf.data captures, whose wakeups carry the "
                + "waker's own stack and context; this input is \(format)")
        }
        var result: OffCPUResult
        var systemWide: Bool?
        switch format {
        case .perfData:
            let walk = CaptureWalk(file: try PerfDataInput.open(path, source: source), options: collapse)
            let loader = try OffCPUPerfDataLoader(walk: walk, collapse: collapse, options: options)
            let report = try walk.run([loader])
            let profile = try loader.finish(report)
            let file = walk.file
            result = try perfDataResult(loader, profile: profile, file: file, report: report)
            systemWide = Self.systemWide(file.header.cmdline)
        case .perfScript:
            let loader = OffCPUScriptLoader(collapse: collapse, options: options)
            loader.accountant.window = try collapse.textWindow(file: source.name)
            let report = try PerfScriptParser().parse(source, into: loader)
            loader.accountant.finish()
            let profile = loader.collapser.profile
            profile.diagnostics += report.diagnostics(file: source.name)
            profile.diagnostics += Diagnostic.symbols(loader.collapser.symbolizer?.warnings ?? [])
            loader.collapser.symbolizer?.saveCache()
            if loader.missingTime {
                profile.diagnostics.append(.warning(.recording, subject: source.name,
                                                    "events without a time were skipped (print it: perf script -F +time)"))
            }
            if let period = loader.sampledPeriod {
                profile.diagnostics.append(.warning(.recording, subject: source.name, "sched_switch was sampled (period \(period)), not "
                    + "recorded one by one, so most switches are missing and the times are not exact; " + howToRecord))
            }
            if loader.missingPid && !collapse.filter.pids.isEmpty {
                profile.diagnostics.append(.warning(.selection, subject: source.name, "the text has no pid column, so --pid keeps nothing "
                    + "(print it: perf script -F +pid)"))
            }
            try requireSwitches(loader.switches, file: source.name)
            result = OffCPUResult(profile: profile, summary: loader.accountant.summary, format: format)
        case .bccOffCPU, .bpftrace, .bpftraceJSON, .timehist:
            try collapse.requireTimes(format, file: source.name)
            let loader = WaitRecordLoader(collapse: collapse, options: options)
            let report: ParseReport
            switch format {
            case .bccOffCPU: report = try BccOffCPUParser().parse(source, into: loader)
            case .timehist: report = try TimehistParser().parse(source, into: loader)
            default: report = try BpftraceParser(map: options.bpftraceMap).parse(source, into: loader)
            }
            let profile = loader.collapser.profile
            profile.diagnostics += report.diagnostics(file: source.name)
            if let missing = loader.missingField {
                profile.diagnostics.append(.warning(.skipped, subject: source.name,
                                                    "this input has no \(missing); records without them were left out"))
            }
            if options.minBlockMicroseconds > 0 {
                profile.diagnostics.append(.warning(.selection, subject: source.name, "--min-block-us cannot apply: the input holds "
                    + "totals per stack, not single waits (give the tool its own minimum, e.g. offcputime -m)"))
            }
            if loader.records == 0 {
                throw InputError.noSamples(file: source.name, detail: "no off-CPU records")
            }
            result = OffCPUResult(profile: profile, summary: loader.summary, format: format)
        case .folded:
            // bcc's offcputime -f: one folded stack per key, in microseconds.
            try collapse.requireTimes(format, file: source.name)
            let loader = FoldedLoader(chartMode: false, weightScale: 1000)
            // Counts are µs made ns: the total in ns must fit in 64 bits.
            let report = try FoldedParser(maxTotal: .max / 1000).parse(source, into: loader)
            loader.profile.diagnostics += report.diagnostics(file: source.name)
            result = OffCPUResult(profile: loader.profile, summary: nil, format: format)
        }
        finish(&result, file: source.name, systemWide: systemWide)
        return result
    }

    /// The result of a perf.data walk: its notes (file warnings, damage, sampled switches), or the
    /// error when nothing could be read or no switch was recorded.
    static func perfDataResult(_ loader: OffCPUPerfDataLoader, profile: Profile, file: PerfDataFile,
                               report: PerfReadReport) throws -> OffCPUResult {
        let name = file.name
        profile.diagnostics.insert(contentsOf: file.warnings.map(Diagnostic.init), at: 0)
        profile.diagnostics += report.notes.map(Diagnostic.init)
        if let error = report.error, report.samples == 0 {
            throw InputError.unreadable(file: name, reason: error.description)
        }
        if report.error != nil {
            profile.diagnostics.append(.warning(.damage, subject: name, "counted the \(report.samples) events read before the damage"))
        }
        if !loader.sampledEvents.isEmpty {
            profile.diagnostics.append(.warning(.recording, subject: name, "\(loader.sampledEvents.joined(separator: ", ")) "
                + "sampled, not recorded one by one, so most switches are missing and the times are not exact; "
                + howToRecord))
        }
        try requireSwitches(loader.switches, file: name)
        return OffCPUResult(profile: profile, summary: loader.accountant.summary, format: .perfData)
    }

    /// What every off-CPU result gets: its time range, unit, event and the summary's warnings.
    static func finish(_ result: inout OffCPUResult, file: String, systemWide: Bool?) {
        if let s = result.summary, s.hasIntervals, let range = s.countedRange {
            result.profile.noteTime(range.lowerBound)
            result.profile.noteTime(range.upperBound)
        }
        result.profile.unit = .offCPU
        result.profile.event = "off-cpu"
        if let summary = result.summary { result.profile.diagnostics += notes(summary, file: file, systemWide: systemWide) }
    }

    private static func requireSwitches(_ switches: Int, file: String) throws {
        if switches == 0 {
            throw InputError.noSamples(file: file, detail: "no sched:sched_switch events to measure off-CPU time; " + howToRecord)
        }
    }

    /// Warnings about what the capture could not show. `systemWide`: what the recording command
    /// line says (perf.data), nil when unknown (text), in which case a capture that never saw a
    /// CPU leave its idle task is taken for a per-task one.
    static func notes(_ s: OffCPUSummary, file: String, systemWide: Bool?) -> [Diagnostic] {
        guard s.switchOuts > 0, !(systemWide ?? (s.idleSwitchOuts > 0)) else { return [] }
        return [.warning(.recording, subject: file, "recorded per task (without -a): a thread's switch-in is only seen when another "
            + "thread of the workload hands it the CPU, so most waits end at their wakeup or stay undated; " + howToRecord)]
    }

    /// Whether perf recorded on every CPU (`-a`, `-C`, `perf sched record`); nil when the file
    /// does not say how it was recorded.
    static func systemWide(_ cmdline: [String]) -> Bool? {
        guard cmdline.count > 1 else { return nil }
        let args = cmdline.prefix { $0 != "--" }
        if args.contains("sched") { return true }
        return args.contains { a in
            a == "-a" || a == "--all-cpus" || a == "-C" || a.hasPrefix("--cpu") || a.hasPrefix("-C")
                || (a.hasPrefix("-") && !a.hasPrefix("--") && a.dropFirst().allSatisfy(\.isLetter) && a.contains("a"))
        }
    }
}
