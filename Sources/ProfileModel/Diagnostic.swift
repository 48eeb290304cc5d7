/// One thing a reading has to say about its input: what is damaged, missing, lost or only
/// approximate, and where. Readers and loaders return these with the profile; the commands print
/// them on stderr (`description`), reports list the ones about stacks as caveats (`topic`), and
/// tests look at their topic and subject instead of parsing text.
public struct Diagnostic: Equatable, Sendable, CustomStringConvertible {
    /// How much it matters.
    public enum Severity: String, Sendable {
        /// Something the picture lacks or gets only approximately.
        case warning
        /// Something worth knowing that changes nothing (which event was kept).
        case note
    }

    /// What the diagnostic is about.
    public enum Topic: String, Sendable {
        /// Damaged input (truncated, malformed): what was read before the damage is kept.
        case damage
        /// Lines, records or events of the input that were skipped or not understood.
        case skipped
        /// Events perf lost while recording.
        case lost
        /// Symbol sources: binaries, debug files or kernel symbols not found, or not matching.
        case symbols
        /// Call stacks that are less than whole: none recorded, or broken frame pointers.
        case callStacks
        /// DWARF-unwound stacks cut where perf's stack copy ended.
        case unwinding
        /// How the capture was recorded limits what it shows (sampled switches, per-task
        /// recording, events without a time).
        case recording
        /// The choice of event or processes, as the options or the input made it.
        case selection
        /// Weights that would overflow their sums.
        case weights
        /// An output that could not be made, or is drawn without part of the data.
        case output
    }

    /// How much it matters.
    public var severity: Severity
    /// What it is about.
    public var topic: Topic
    /// The file (input, binary) it is about, when it names one.
    public var subject: String?
    /// The line of a text input it is about.
    public var line: Int?
    /// What happened, in one line, without the subject.
    public var message: String

    /// A diagnostic; `subject` and `line` say where, when known.
    public init(_ severity: Severity, _ topic: Topic, subject: String? = nil, line: Int? = nil, _ message: String) {
        self.severity = severity
        self.topic = topic
        self.subject = subject
        self.line = line
        self.message = message
    }

    /// A warning (see `init`).
    public static func warning(_ topic: Topic, subject: String? = nil, line: Int? = nil, _ message: String) -> Diagnostic {
        Diagnostic(.warning, topic, subject: subject, line: line, message)
    }

    /// A note (see `init`).
    public static func note(_ topic: Topic, subject: String? = nil, _ message: String) -> Diagnostic {
        Diagnostic(.note, topic, subject: subject, message)
    }

    /// The place, then the severity, then the message, as compilers print them:
    /// `FILE:LINE: warning: MESSAGE`, `FILE: warning: MESSAGE`, or `warning: MESSAGE`.
    public var description: String {
        var place = subject ?? ""
        if let line { place += ":\(line)" }
        return place.isEmpty ? "\(severity.rawValue): \(message)" : "\(place): \(severity.rawValue): \(message)"
    }

    /// The subject and message without the severity, for a list of caveats.
    public var caveat: String {
        subject.map { "\($0): \(message)" } ?? message
    }
}
