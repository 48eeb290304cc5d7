/// A problem found while reading a perf.data file; every case carries the byte offset it concerns.
public enum PerfDataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened, stat'ed, mapped or read.
    case io(file: String, message: String)
    /// The first 8 bytes are not `PERFILE2` in either byte order.
    case badMagic(file: String, found: UInt64)
    /// The magic is byte-swapped: the file was written on a machine of the other endianness.
    case otherEndian(file: String)
    /// A fixed-size structure (header, section, attr) does not fit in the file.
    case truncated(file: String, what: String, offset: Int, need: Int, fileEnd: Int)
    /// A record runs past the end of its section or stream.
    case truncatedRecord(file: String, offset: Int, type: UInt32, size: Int, end: Int)
    /// A record header announces a size smaller than the header itself.
    case badRecordSize(file: String, offset: Int, type: UInt32, size: Int)
    /// A sample's fields (per the event's sample_type) do not fit in its header.size.
    case badSample(file: String, offset: Int, event: Int, size: Int, need: Int)
    /// A structure's content is inconsistent (counts, lengths, section bounds).
    case malformed(file: String, offset: Int, message: String)
    /// A zstd COMPRESSED record could not be decompressed.
    case decompression(file: String, offset: Int, message: String)

    /// The byte offset the problem concerns (0 for file-level problems).
    public var offset: Int {
        switch self {
        case .io, .badMagic, .otherEndian: return 0
        case .truncated(_, _, let o, _, _), .truncatedRecord(_, let o, _, _, _), .badRecordSize(_, let o, _, _),
             .badSample(_, let o, _, _, _), .malformed(_, let o, _), .decompression(_, let o, _):
            return o
        }
    }

    /// The file the problem is in.
    public var file: String {
        switch self {
        case let .io(f, _), let .badMagic(f, _), let .otherEndian(f), let .truncated(f, _, _, _, _), let .truncatedRecord(f, _, _, _, _),
             let .badRecordSize(f, _, _, _), let .badSample(f, _, _, _, _), let .malformed(f, _, _), let .decompression(f, _, _):
            return f
        }
    }

    /// One line for the user: the file name, what is wrong and the byte offset where it was found.
    public var description: String { "\(file): \(detail)" }

    /// What is wrong and the byte offset where it was found, without the file name.
    public var detail: String {
        switch self {
        case let .io(_, message):
            return "\(message)"
        case let .badMagic(_, found):
            return "not a perf.data file (magic 0x\(String(found, radix: 16)) at byte 0, expected PERFILE2)"
        case .otherEndian:
            return "byte-swapped magic at byte 0: perf.data from a machine of the other endianness is not supported"
        case let .truncated(_, what, offset, need, fileEnd):
            return "truncated \(what) at byte \(offset) (needs \(need) bytes, file ends at \(fileEnd))"
        case let .truncatedRecord(_, offset, type, size, end):
            return "truncated record at byte \(offset) (type \(type), size \(size), file ends at \(end))"
        case let .badRecordSize(_, offset, type, size):
            return "bad record size \(size) at byte \(offset) (type \(type)); reading stopped"
        case let .badSample(_, offset, event, size, need):
            return "sample at byte \(offset) (event \(event)) needs \(need) bytes but its size is \(size)"
        case let .malformed(_, offset, message):
            return "\(message) at byte \(offset)"
        case let .decompression(_, offset, message):
            return "zstd decompression failed in record at byte \(offset): \(message)"
        }
    }
}
