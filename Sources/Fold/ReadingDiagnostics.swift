import ProfileModel
import PerfData

/// The diagnostics of the readers and the symbolizer, made typed values for a profile.
extension Diagnostic {
    /// A non-fatal problem of a perf.data file (its header, a feature section, a record).
    init(_ error: PerfDataError) {
        self = .warning(.damage, subject: error.file, error.detail)
    }

    /// What a perf.data walk had to say: damage, records skipped, events lost.
    init(_ note: PerfReadReport.Note) {
        let topic: Topic
        switch note.kind {
        case .damage: topic = .damage
        case .skipped: topic = .skipped
        case .lost: topic = .lost
        }
        self = .warning(topic, subject: note.file, note.detail)
    }

    /// A symbolizer's warnings (each names its binary or kernel image itself).
    static func symbols(_ warnings: [String]) -> [Diagnostic] {
        warnings.map { .warning(.symbols, $0) }
    }
}
