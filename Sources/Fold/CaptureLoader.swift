import ProfileModel
import PerfData
import TextInputs

/// Both views of one input: the on-CPU profile of its sampling event and the off-CPU time of its
/// scheduler switches, as `ProfileLoader` and `OffCPULoader` would give them one after the other,
/// byte for byte. A perf.data file is walked once, every record going to both views in time
/// order; text holds one kind of event per reading, so each loader reads it in turn (a file, then:
/// text on standard input is refused).
public enum CaptureLoader {
    /// The two views. The off-CPU one is kept as a result, so that callers check the on-CPU view
    /// first and report its errors first, as when the input was read twice.
    public struct Views {
        /// The on-CPU profile.
        public var on: Profile
        /// The off-CPU result, or why there is none.
        public var off: Result<OffCPUResult, Error>
    }

    /// Reads `path` once for both views; `offCollapse` are the off-CPU view's folding options
    /// (its filter may differ), `threads` as for `ProfileLoader`.
    public static func load(path: String, collapse: CollapseOptions, offCollapse: CollapseOptions,
                            offCPU: OffCPUOptions, threads: Int? = nil) throws -> Views {
        let source = try ByteSource(path: path)
        guard try InputFormat.detect(source) == .perfData else {
            // Each loader reads text from its start: a pipe cannot be read twice.
            if path == "-" { throw InputError.textOnStandardInputTwice }
            let on = try ProfileLoader.load(path: path, options: collapse, threads: threads).0
            return Views(on: on, off: Result { try OffCPULoader.load(path: path, collapse: offCollapse, options: offCPU) })
        }
        let file = try PerfDataInput.open(path, source: source)
        let onLoader = OnCPUPerfDataLoader(file: file, options: collapse, symbols: PerfDataInput.symbols(collapse))
        let offLoader = OffCPUPerfDataLoader(file: file, collapse: offCollapse, symbols: PerfDataInput.symbols(offCollapse),
                                             options: offCPU)
        let report = try file.forEachRecord(ordered: true, sample: { s in
            onLoader.sample(s)
            offLoader.sample(s)
        }, other: { r in
            onLoader.other(r)
            offLoader.other(r)
        })
        let on = try onLoader.finish(report)
        on.notes.insert(contentsOf: file.warnings.map { "warning: \($0)" }, at: 0)
        ProfileLoader.noteMissingCallStacks(on, file: file.name)
        let off = Result { () throws -> OffCPUResult in
            let profile = try offLoader.finish(report)
            var result = try OffCPULoader.perfDataResult(offLoader, profile: profile, file: file, report: report)
            OffCPULoader.finish(&result, file: file.name, systemWide: OffCPULoader.systemWide(file.header.cmdline))
            return result
        }
        return Views(on: on, off: off)
    }
}
