import XCTest
@testable import PerfData

/// perf.data records made to exhaust the reader (issue 9).
final class HostileRecordTests: XCTestCase {
    /// zstd.data with its COMPRESSED record replaced by one 64 KB record of 16,380 zstd RLE blocks,
    /// each 4 bytes standing for 128 KB: 2 GB from one record. Feature sections are dropped, so
    /// the header does not say the ring buffer's size and the 64 MiB default applies.
    static func decompressionBomb() throws -> (bytes: [UInt8], record: Int) {
        let full = try Fixtures.bytes("perfdata/zstd.data")
        let dataOffset = Int(full.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 40, as: UInt64.self) })
        var at = dataOffset
        while full.withUnsafeBytes({ $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }) != PerfRecordType.compressed {
            at += Int(full.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at + 6, as: UInt16.self) })
        }
        let blocks = 16_380
        var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38]  // magic; no content size; 128 KB window
        for k in 0..<blocks {
            let header = UInt32(131_072) << 3 | 1 << 1 | (k == blocks - 1 ? 1 : 0)  // RLE, 128 KB
            frame += [UInt8(header & 0xFF), UInt8(header >> 8 & 0xFF), UInt8(header >> 16), 0x00]
        }
        let size = 8 + frame.count
        var record: [UInt8] = [81, 0, 0, 0, 0, 0, UInt8(size & 0xFF), UInt8(size >> 8)]
        record += frame
        var bytes = Array(full[0..<at]) + record
        withUnsafeBytes(of: UInt64(bytes.count - dataOffset).littleEndian) { bytes.replaceSubrange(48..<56, with: $0) }
        bytes.replaceSubrange(72..<104, with: [UInt8](repeating: 0, count: 32))
        return (bytes, at)
    }

    func testDecompressionBombIsRefusedAtItsRecord() throws {
        let (bytes, at) = try Self.decompressionBomb()
        let f = try PerfDataFile(bytes: bytes, name: "bomb.data")
        XCTAssertNil(f.header.compression)
        var samples = 0
        let report = try f.forEachRecord { r in if case .sample = r { samples += 1 } }
        XCTAssertEqual(report.error, .decompression(file: "bomb.data", offset: at, message: "it decompresses to more than 67108864 bytes"))
        XCTAssertEqual(report.error?.description,
                       "bomb.data: zstd decompression failed in record at byte \(at): it decompresses to more than 67108864 bytes")
    }

    /// With the header's ring-buffer size (zstd.data: 528,384 bytes), the limit is twice that.
    func testDecompressionLimitFollowsTheRingBuffer() throws {
        let f = try PerfDataFile(bytes: try Fixtures.bytes("perfdata/zstd.data"), name: "zstd.data")
        XCTAssertEqual(f.header.compression?.mmapLength, 528_384)
        XCTAssertEqual(f.decompressLimit, 1_056_768)
        let report = try f.forEachRecord { _ in }
        XCTAssertNil(report.error)
        XCTAssertEqual(report.decompressedBytes, 30_264)
    }
}

/// A FINISHED_ROUND inside a COMPRESSED record (perf writes them outside; a crafted file need not)
/// flushed the time-ordered queue, which freed the decompressed chunk still being walked: the
/// PerfDataFold fuzzer found the use after free. Here the chunk is 34 MB, past glibc's largest
/// mmap threshold, so a freed chunk is unmapped and reading on faults instead of passing.
final class RoundInsideCompressedTests: XCTestCase {
    func testChunkOutlivesARoundFlushedInsideIt() throws {
        let full = try Fixtures.bytes("perfdata/zstd.data")
        let dataOffset = Int(full.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 40, as: UInt64.self) })
        var at = dataOffset
        while full.withUnsafeBytes({ $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }) != PerfRecordType.compressed {
            at += Int(full.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at + 6, as: UInt16.self) })
        }
        // One raw block holding a FINISHED_ROUND, then RLE blocks of 0x08 bytes: records of
        // unknown type 0x08080808 and size 0x0808, 16,958 of them (34.9 MB).
        var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38]
        func block(_ header: UInt32) { frame += [UInt8(header & 0xFF), UInt8(header >> 8 & 0xFF), UInt8(header >> 16)] }
        block(8 << 3)                                  // raw, 8 bytes
        frame += [68, 0, 0, 0, 0, 0, 8, 0]             // FINISHED_ROUND
        let records = 16_958, total = records * 0x0808
        var left = total
        while left > 0 {
            let n = min(left, 131_072)
            left -= n
            block(UInt32(n) << 3 | 1 << 1 | (left == 0 ? 1 : 0))  // RLE
            frame.append(0x08)
        }
        let size = 8 + frame.count
        var record: [UInt8] = [81, 0, 0, 0, 0, 0, UInt8(size & 0xFF), UInt8(size >> 8)]
        record += frame
        var bytes = Array(full[0..<at]) + record
        withUnsafeBytes(of: UInt64(bytes.count - dataOffset).littleEndian) { bytes.replaceSubrange(48..<56, with: $0) }
        bytes.replaceSubrange(72..<104, with: [UInt8](repeating: 0, count: 32))  // no features: the 64 MiB limit
        let f = try PerfDataFile(bytes: bytes, name: "round.data")
        for ordered in [true, false] {
            let report = try f.forEachRecord(ordered: ordered) { _ in }
            XCTAssertNil(report.error)
            XCTAssertEqual(report.decompressedBytes, 8 + total)
            XCTAssertEqual(report.unknownTypes[0x0808_0808], records, "every record after the round read")
        }
    }
}
