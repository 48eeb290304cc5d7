#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PerfData

/// A streamed input file (or standard input) delivered line by line as raw bytes.
///
/// Lines are handed out as pointers into an internal buffer that is reused, so a
/// consumer copies what it keeps. The whole input is never held in memory.
public final class ByteSource {
    /// The name used in messages: the path, or "<stdin>".
    public let name: String
    private let fd: Int32
    private let ownsFD: Bool
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0      // first unconsumed byte
    private var end = 0        // one past the last valid byte
    private var atEOF = false
    /// Bytes still allowed to be read when reading a range of a file.
    private var remaining: Int = .max

    /// Opens `path` for reading; "-" means standard input.
    public init(path: String, chunkSize: Int = 1 << 20) throws {
        if path == "-" {
            name = InputName.of(path)
            fd = 0
            ownsFD = false
        } else {
            name = path
            var st = stat()
            if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                throw InputError.unreadable(file: path, reason: "is a directory")
            }
            let opened = open(path, O_RDONLY)
            if opened < 0 {
                throw InputError.unreadable(file: path, reason: String(cString: strerror(errno)))
            }
            fd = opened
            ownsFD = true
        }
        capacity = max(chunkSize, 4096)
        buffer = .allocate(capacity: capacity)
    }

    /// Opens the bytes `range` of the regular file `path` (for reading parts in parallel).
    public convenience init(path: String, range: Range<Int>, chunkSize: Int = 1 << 20) throws {
        try self.init(path: path, chunkSize: chunkSize)
        if lseek(fd, off_t(range.lowerBound), SEEK_SET) < 0 {
            throw InputError.unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        remaining = range.count
    }

    /// The size of a regular file, or nil for pipes, devices and errors.
    public static func regularFileSize(_ path: String) -> Int? {
        guard path != "-" else { return nil }
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    deinit {
        buffer.deallocate()
        if ownsFD { close(fd) }
    }

    /// Reads until at least `count` bytes are buffered or the input ends.
    /// Returns the buffered prefix (not consumed).
    public func peek(_ count: Int) throws -> UnsafeBufferPointer<UInt8> {
        while end - start < count && !atEOF {
            try fill()
        }
        return UnsafeBufferPointer(start: buffer + start, count: min(count, end - start))
    }

    /// Everything not yet consumed, to the end of the input (for binary inputs read from a pipe).
    public func readRemaining() throws -> [UInt8] {
        while !atEOF { try fill() }
        let out = Array(UnsafeBufferPointer(start: buffer + start, count: end - start))
        start = end
        return out
    }

    /// The longest line read. No profile line comes near it (a folded stack of 10,000 frames of
    /// 200-byte names is 2 MB); past it the input is not a profile, and holding it would take
    /// gigabytes. (Checking it needs a buffer of twice this size.)
    public static let maxLineLength = 128 << 20

    /// Calls `body` for every line (without its newline; a trailing "\r" is kept)
    /// and its 1-based number. Stops early when `body` returns false. Throws
    /// `InputError.lineTooLong` for a line longer than `maxLineLength`.
    public func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Bool) throws {
        var lineNumber = 0
        // Bytes after `start` known to hold no newline: a long line arriving through a pipe in
        // 64 KB reads is then scanned once, not once per read.
        var scanned = 0
        while true {
            // Consume every complete line in the buffer.
            while start < end {
                let base = buffer + start
                let avail = end - start
                guard let nl = memchr(base + scanned, 0x0A, avail - scanned) else {
                    scanned = avail
                    break
                }
                let len = UnsafeMutableRawPointer(nl) - UnsafeMutableRawPointer(base)
                scanned = 0
                lineNumber += 1
                if len > ByteSource.maxLineLength {
                    throw InputError.lineTooLong(file: name, line: lineNumber, limit: ByteSource.maxLineLength)
                }
                let line = UnsafeBufferPointer(start: UnsafePointer(base), count: len)
                start += len + 1
                if try !body(line, lineNumber) { return }
            }
            if end - start > ByteSource.maxLineLength {
                throw InputError.lineTooLong(file: name, line: lineNumber + 1, limit: ByteSource.maxLineLength)
            }
            if atEOF {
                if start < end {
                    lineNumber += 1
                    let line = UnsafeBufferPointer(start: UnsafePointer(buffer + start), count: end - start)
                    start = end
                    _ = try body(line, lineNumber)
                }
                return
            }
            try fill()
        }
    }

    /// Moves unconsumed bytes to the front, grows the buffer when a line is longer
    /// than it, and reads more.
    private func fill() throws {
        if start > 0 {
            let live = end - start
            if live > 0 { memmove(buffer, buffer + start, live) }
            start = 0
            end = live
        }
        if end == capacity {
            let newCapacity = capacity * 2
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = grown
            capacity = newCapacity
        }
        while true {
            if remaining == 0 { atEOF = true; return }
            let n = read(fd, buffer + end, min(capacity - end, remaining))
            if n > 0 { end += n; remaining -= n; return }
            if n == 0 { atEOF = true; return }
            if errno == EINTR { continue }
            throw InputError.unreadable(file: name, reason: String(cString: strerror(errno)))
        }
    }
}
