#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ProfileModel
import Dispatch
import PerfData
import TextInputs
import Symbolize
import Capture

/// Reads any text input flame understands into a `Profile`, detecting the format by content.
package enum ProfileLoader {
    /// Inputs at least this large are folded on all cores.
    package static let parallelThreshold = 16 << 20

    /// Loads `path` ("-" for standard input). Throws `InputError` for unreadable or unknown input;
    /// recoverable oddities become `profile.notes`. Large regular files of perf script text are
    /// split at record boundaries and folded in parallel (`threads`, default: online CPUs).
    /// `source`: the input already opened (standard input whose format was detected).
    package static func load(path: String, options: CollapseOptions = CollapseOptions(),
                            threads: Int? = nil, source: ByteSource? = nil) throws -> (Profile, InputFormat) {
        let (profile, format) = try loadFormat(path: path, options: options, threads: threads, source: source)
        noteMissingCallStacks(profile, file: InputName.of(path))
        return (profile, format)
    }

    /// A profile without call stacks says so once, in place of per-binary frame-pointer advice.
    static func noteMissingCallStacks(_ profile: Profile, file: String) {
        if profile.recordedWithoutCallStacks && profile.totalSamples > 0 {
            let line = Diagnostic.warning(.callStacks, subject: file, "recorded without call stacks (perf record without -g): every "
                + "sample is one frame, so the graph shows where the time went but not the calls that led there; record with "
                + "-g, or --call-graph dwarf")
            // Frame-pointer advice about binaries says nothing when no sample has a stack.
            profile.diagnostics.removeAll { profile.stackWarnings.contains($0) }
            profile.stackWarnings = [line]
            profile.diagnostics.append(line)
        }
    }

    private static func loadFormat(path: String, options: CollapseOptions, threads: Int?,
                                   source given: ByteSource?) throws -> (Profile, InputFormat) {
        let source = try given ?? ByteSource(path: path)
        let format = try InputFormat.detect(source)
        if format != .perfData {
            try requireNoTrees(options.filter, file: source.name)
            try options.requireNoSpans(file: source.name)
        }
        switch format {
        case .perfScript:
            _ = try options.textWindow(file: source.name)
            // This reading owns its symbolizer, and saves its cache when done.
            let symbolizer = options.textSymbolizer()
            defer { symbolizer?.saveCache() }
            let cores = threads ?? max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
            if cores > 1, let size = ByteSource.regularFileSize(path), size >= parallelThreshold,
               let profile = try loadInParts(path: path, size: size, options: options, symbolizer: symbolizer, parts: cores) {
                return (profile, format)
            }
            let collapser = PerfScriptCollapser(options: options, symbolizer: symbolizer)
            let report = try PerfScriptParser().parse(source, into: collapser)
            collapser.finish()
            collapser.profile.recordedWithoutCallStacks = report.records > 0 && report.recordsWithCallchain == 0
            collapser.profile.diagnostics += report.diagnostics(file: source.name)
            collapser.profile.diagnostics += Diagnostic.symbols(symbolizer?.warnings ?? [])
            return (collapser.profile, format)
        case .perfData:
            let walk = CaptureWalk(file: try PerfDataInput.open(path, source: source), options: options)
            let view = try OnCPUPerfDataLoader(walk: walk, options: options)
            let profile = try view.finish(try walk.run([view]))
            let file = walk.file
            profile.diagnostics.insert(contentsOf: file.warnings.map(Diagnostic.init), at: 0)
            return (profile, format)
        case .folded:
            try options.requireTimes(format, file: source.name)
            let loader = FoldedLoader(chartMode: options.chartMode)
            let report = try FoldedParser().parse(source, into: loader)
            loader.profile.diagnostics += report.diagnostics(file: source.name)
            return (loader.profile, format)
        case .bccOffCPU, .bpftrace, .bpftraceJSON, .timehist:
            throw InputError.noSamples(file: source.name, detail: "the input holds off-CPU time (\(format.rawValue)), "
                + "not samples: use `flame offcpu`")
        }
    }

    /// Folds `parts` byte ranges of the file concurrently and merges them in order. Nil when the
    /// file has no record boundaries to split at (e.g. samples without callchains).
    static func loadInParts(path: String, size: Int, options: CollapseOptions, symbolizer: Symbolizer? = nil,
                            parts: Int) throws -> Profile? {
        let cuts = try recordBoundaries(path: path, size: size, parts: parts)
        guard cuts.count > 2 else { return nil }
        // Every part must keep the same event: the first one of the whole input, unless chosen.
        var chosen = options
        if chosen.eventFilter == nil {
            guard let first = try firstEvent(path: path) else { return nil }
            chosen.eventFilter = first
        }
        let partOptions = chosen
        let count = cuts.count - 1
        final class Part: @unchecked Sendable {
            var collapser: PerfScriptCollapser?
            var report = ParseReport()
            var error: Error?
        }
        let results = (0..<count).map { _ in Part() }
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let part = results[i]
            do {
                let source = try ByteSource(path: path, range: cuts[i]..<cuts[i + 1])
                let collapser = PerfScriptCollapser(options: partOptions, symbolizer: symbolizer)
                part.report = try PerfScriptParser().parse(source, into: collapser)
                part.collapser = collapser
            } catch {
                part.error = error
            }
        }
        if let error = results.lazy.compactMap(\.error).first { throw error }
        let collapsers = results.compactMap(\.collapser)
        let profile = collapsers[0].profile
        var tally = collapsers[0].tally
        var report = results[0].report
        for i in 1..<count {
            profile.absorb(collapsers[i].profile)
            tally.merge(collapsers[i].tally)
            report.merge(results[i].report)
        }
        tally.defaulted = options.eventFilter == nil
        tally.apply(to: profile)
        profile.recordedWithoutCallStacks = report.records > 0 && report.recordsWithCallchain == 0
        profile.diagnostics += report.diagnostics(file: path)
        profile.diagnostics += Diagnostic.symbols(symbolizer?.warnings ?? [])
        return profile
    }

    /// `--tree` follows FORK records, which only perf.data carries.
    static func requireNoTrees(_ filter: ProcessFilter, file: String) throws {
        guard let pid = filter.trees.sorted().first else { return }
        throw InputError.selection(file: file, detail: "--tree \(pid) follows the processes it starts through the capture's "
            + "FORK records, and only perf.data has them: read the perf.data, or choose processes with --pid")
    }

    /// Offsets that split the file into about `parts` ranges, each cut just after a blank line
    /// (the end of a record). Includes 0 and `size`.
    static func recordBoundaries(path: String, size: Int, parts: Int) throws -> [Int] {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw InputError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let window = 1 << 20
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: window)
        defer { buffer.deallocate() }
        var cuts = [0]
        for k in 1..<parts {
            var offset = max(size * k / parts, cuts.last!)
            var found: Int?
            // Look for "\n\n" in a few windows after the nominal cut.
            for _ in 0..<8 where found == nil && offset < size {
                let n = pread(fd, buffer, window, off_t(offset))
                if n <= 1 { break }
                var i = 0
                while i + 1 < n {
                    if buffer[i] == 0x0A && buffer[i + 1] == 0x0A { found = offset + i + 2; break }
                    i += 1
                }
                offset += n - 1
            }
            if let found, found < size, found > cuts.last! { cuts.append(found) }
        }
        cuts.append(size)
        return cuts
    }

    /// The event of the first record that names one.
    static func firstEvent(path: String) throws -> String? {
        let source = try ByteSource(path: path)
        var event: String?
        try source.forEachLine { line, _ in
            guard let first = line.first, first != 0x09, first != 0x23,
                  let header = ScriptHeader.parse(line), let e = header.event else { return true }
            event = String(decoding: e, as: UTF8.self)
            return false
        }
        return event
    }
}
