/// What a record walk saw: counts, losses, skipped records, and the problem that stopped it, if any.
public struct PerfReadReport: Sendable {
    /// Records per type, including those that came out of COMPRESSED records.
    public var recordCounts: [UInt32: Int] = [:]
    /// Samples delivered to the visitor.
    public var samples = 0
    /// Number of LOST records and the sum of the events they report lost.
    public var lostRecords = 0
    /// Sum of the `lost` counts of all LOST records (saturating at `UInt64.max`).
    public var lostEvents: UInt64 = 0
    /// Sum of LOST_SAMPLES counts.
    public var lostSamples: UInt64 = 0
    /// Records of types this reader does not know, skipped by header.size: type -> count.
    public var unknownTypes: [UInt32: Int] = [:]
    /// Samples whose id matched no event (skipped, as perf does).
    public var unknownIDSamples = 0
    /// Records queued with a time older than the last ordered flush (perf: "out of order event").
    public var outOfOrderRecords = 0
    /// COMPRESSED/COMPRESSED2 records and the bytes they decompressed to.
    public var compressedRecords = 0
    /// Total bytes the COMPRESSED/COMPRESSED2 records decompressed to.
    public var decompressedBytes = 0
    /// Non-fatal problems, each with its byte offset.
    public var warnings: [PerfDataError] = []
    /// The problem that ended the walk early; records before it were delivered.
    public var error: PerfDataError?
    /// The file's name, for the messages (every message names the file it is about).
    public var file = "perf.data"

    /// `a + b`, or `UInt64.max` where that overflows (loss counts of a damaged file).
    public static func saturating(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// One thing the walk has to say about the file: its kind, the file, and what happened.
    public struct Note: Equatable, Sendable {
        /// What the note is about.
        public enum Kind: Sendable {
            /// Damage: a malformed or truncated part (the walk read around it, or stopped).
            case damage
            /// Records or samples the walk could not place and skipped.
            case skipped
            /// Events perf lost (LOST, LOST_SAMPLES).
            case lost
        }
        /// What it is about.
        public var kind: Kind
        /// The file.
        public var file: String
        /// What happened, without the file name.
        public var detail: String
    }

    /// Each warning, the unknown records and events skipped, the losses and the error.
    public var notes: [Note] {
        var out = warnings.map { Note(kind: .damage, file: $0.file, detail: $0.detail) }
        if !unknownTypes.isEmpty {
            let list = unknownTypes.sorted { $0.key < $1.key }.map { "type \($0.key) x\($0.value)" }
            out.append(Note(kind: .skipped, file: file, detail: "skipped records of unknown type: " + list.joined(separator: ", ")))
        }
        if unknownIDSamples > 0 { out.append(Note(kind: .skipped, file: file, detail: "skipped \(unknownIDSamples) samples with an unknown event id")) }
        if lostRecords > 0 { out.append(Note(kind: .lost, file: file, detail: "\(lostRecords) LOST records, \(lostEvents) events lost")) }
        if lostSamples > 0 { out.append(Note(kind: .lost, file: file, detail: "\(lostSamples) samples lost (LOST_SAMPLES)")) }
        if let error { out.append(Note(kind: .damage, file: error.file, detail: error.detail)) }
        return out
    }

    /// One line per note (`FILE: DETAIL`), for printing.
    public var messages: [String] { notes.map { "\($0.file): \($0.detail)" } }
}
