/// An input that cannot be read or understood, with the place where it went wrong.
public enum InputError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The content is none of the formats flame reads.
    case unknownFormat(file: String, line: Int, found: String)
    /// The input has no data at all.
    case empty(file: String)
    /// The input was read but holds no sample to draw.
    case noSamples(file: String, detail: String)
    /// A line longer than any profile has (`ByteSource.maxLineLength`): binary data or a runaway writer.
    case lineTooLong(file: String, line: Int, limit: Int)
    /// Text on standard input given for two views: each view reads text on its own, and a pipe can
    /// be read once (perf.data is read once for both, so it may come from a pipe).
    case textOnStandardInputTwice
    /// The processes or threads asked for cannot be chosen in this input (`--tree` of a pid the
    /// capture does not hold, `--tree` on text without FORK records).
    case selection(file: String, detail: String)
    /// A JSON input (a span file) that breaks off or is not what it must be, at byte `offset`.
    case malformed(file: String, offset: Int, detail: String)

    /// Whether the processes asked for are not to be had (see `selection`).
    public var isSelection: Bool {
        if case .selection = self { return true }
        return false
    }

    /// The message for stderr: the file (and line, where known), what went wrong and the formats flame reads.
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            // Readers' own errors (perf.data) already start with the file name.
            return reason.hasPrefix(file + ": ") ? reason : "\(file): cannot read: \(reason)"
        case let .unknownFormat(file, line, found):
            return "\(file):\(line): unknown input format: expected perf.data, `perf script` text, folded stacks "
                + "(`frame;frame;frame COUNT`) or off-CPU text (perf sched timehist, bcc offcputime, bpftrace), found \(found)"
        case let .empty(file):
            return "\(file): empty input: expected perf.data, `perf script` text, folded stacks or off-CPU text"
        case let .noSamples(file, detail):
            return "\(file): no samples to draw (\(detail))"
        case let .selection(file, detail):
            return "\(file): \(detail)"
        case let .malformed(file, offset, detail):
            return "\(file): byte \(offset): \(detail)"
        case .textOnStandardInputTwice:
            return "<stdin>: text input for both views must be a file, not standard input (each view reads it once; "
                + "perf.data may come from a pipe)"
        case let .lineTooLong(file, line, limit):
            return "\(file):\(line): line longer than \(limit >> 20) MiB: not a profile (expected perf.data, "
                + "`perf script` text, folded stacks or off-CPU text)"
        }
    }

    /// A short, printable excerpt of a line for messages (escaped, at most 60 characters).
    public static func excerpt(_ line: UnsafeBufferPointer<UInt8>) -> String {
        var out = "\""
        var count = 0
        for byte in line {
            if count == 60 { out += "…"; break }
            switch byte {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
            default: out += "\\x" + String(byte, radix: 16, uppercase: false).leftPadded(to: 2)
            }
            count += 1
        }
        return out + "\""
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
