import ProfileModel
import PerfData
import TextInputs
import Symbolize
import Capture

/// The one way the commands read an input: its on-CPU profile, its off-CPU time, or both, with
/// the off-CPU summary and the typed diagnostics of each. Both views come as `ProfileLoader` and
/// `OffCPULoader` would give them one after the other, byte for byte. A perf.data file is walked
/// once (`CaptureWalk`): one machine state, one DWARF unwinding and one symbol lookup for both
/// views, every record going to both in time order. Text holds one kind of event per reading, so
/// each loader reads it in turn (a file, then: text on standard input is refused for both).
public enum CaptureLoader {
    /// Which views of the input to read.
    public enum Request: Sendable {
        /// The on-CPU profile alone.
        case onCPU
        /// The off-CPU time alone (its errors thrown).
        case offCPU
        /// Both views.
        case both
        /// Both views of a perf.data capture that recorded `sched:sched_switch` (its header says
        /// so); the on-CPU profile alone of any other input.
        case offCPUIfRecorded
    }

    /// The views read. The off-CPU one is kept as a result, so that callers check the on-CPU view
    /// first and report its errors first, as when the input was read twice.
    public struct Views {
        /// The on-CPU profile; nil when only off-CPU time was asked for.
        public var on: Profile?
        /// The off-CPU result, or why there is none; nil when it was not asked for (or, with
        /// `offCPUIfRecorded`, not recorded).
        public var off: Result<OffCPUResult, Error>?
    }

    /// Reads the `request`ed views of `path` ("-" for standard input), folded with `collapse`
    /// (off-CPU time as `offCPU` says); `threads` fold large text on that many cores (default: all).
    public static func load(path: String, request: Request = .both, collapse: CollapseOptions, offCPU: OffCPUOptions,
                            threads: Int? = nil) throws -> Views {
        switch request {
        case .onCPU:
            return Views(on: try ProfileLoader.load(path: path, options: collapse, threads: threads).0, off: nil)
        case .offCPU:
            return Views(on: nil, off: .success(try OffCPULoader.load(path: path, collapse: collapse, options: offCPU)))
        case .both, .offCPUIfRecorded:
            break
        }
        let source = try ByteSource(path: path)
        guard try InputFormat.detect(source) == .perfData else {
            if request == .offCPUIfRecorded {
                // The source already read the start of standard input: the text loader goes on from it.
                return Views(on: try ProfileLoader.load(path: path, options: collapse, threads: threads, source: source).0, off: nil)
            }
            // Each loader reads text from its start: a pipe cannot be read twice.
            if path == "-" { throw InputError.textOnStandardInputTwice }
            let on = try ProfileLoader.load(path: path, options: collapse, threads: threads).0
            return Views(on: on, off: Result { try OffCPULoader.load(path: path, collapse: collapse, options: offCPU) })
        }
        return try load(file: try PerfDataInput.open(path, source: source), collapse: collapse, offCPU: offCPU,
                        offCPUIfRecorded: request == .offCPUIfRecorded)
    }

    /// As `load(path:…)`, for a perf.data capture already open (so that its header is read once).
    public static func load(file: PerfDataFile, collapse: CollapseOptions, offCPU: OffCPUOptions,
                            offCPUIfRecorded: Bool = false) throws -> Views {
        let walk = CaptureWalk(file: file, options: collapse)
        let recorded = walk.file.header.events.contains { $0.name.hasPrefix("sched:sched_switch") }
        let onView = try OnCPUPerfDataLoader(walk: walk, options: collapse)
        let offView = offCPUIfRecorded && !recorded ? nil : try OffCPUPerfDataLoader(walk: walk, collapse: collapse, options: offCPU)
        let report = try walk.run([onView] + (offView.map { [$0] } ?? []))
        let file = walk.file
        let on = try onView.finish(report)
        on.diagnostics.insert(contentsOf: file.warnings.map(Diagnostic.init), at: 0)
        ProfileLoader.noteMissingCallStacks(on, file: file.name)
        guard let offView else { return Views(on: on, off: nil) }
        let off = Result { () throws -> OffCPUResult in
            let profile = try offView.finish(report)
            var result = try OffCPULoader.perfDataResult(offView, profile: profile, file: file, report: report)
            OffCPULoader.finish(&result, file: file.name, systemWide: OffCPULoader.systemWide(file.header.cmdline))
            return result
        }
        return Views(on: on, off: off)
    }
}

extension CaptureWalk {
    /// A walk of `file` for views folded with `options`: its processes selected by the options'
    /// trees and pids, its symbols looked up as they ask (`PerfDataSymbols` adds the binaries at
    /// the paths the capture recorded, checked against its build-ids).
    convenience init(file: PerfDataFile, options: CollapseOptions) {
        let stacks = CaptureStacks(file: file, trees: Set(options.filter.trees.map { Int32(truncatingIfNeeded: $0) }),
                                   pids: Set(options.filter.pids.map { Int32(truncatingIfNeeded: $0) }),
                                   symbols: options.symbolOptions ?? SymbolizeOptions(),
                                   inlineAndLines: options.inline || options.srcline,
                                   unmappedAddresses: options.naming.includeAddrs)
        self.init(file: file, stacks: stacks)
    }
}
