import PerfData
import TextInputs

/// The one way flame opens a perf.data input: a path, or `-` for standard input (whose bytes a
/// `ByteSource` may already have started to read to detect the format). The reader's errors become
/// `InputError.unreadable` naming the input, with the reader's own place (byte offset) in them.
public enum PerfDataInput {
    /// Opens `path`; `source`, when given, is the standard input already being read.
    public static func open(_ path: String, source: ByteSource? = nil) throws -> PerfDataFile {
        do {
            if path == "-", let source { return try PerfDataFile(bytes: try source.readRemaining(), name: source.name) }
            return try PerfDataFile(path: path)
        } catch let error as PerfDataError {
            throw InputError.unreadable(file: InputName.of(path), reason: error.description)
        }
    }
}
