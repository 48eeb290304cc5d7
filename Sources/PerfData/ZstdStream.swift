import CZstd

/// One zstd decompression stream for the whole file: perf compresses its ring-buffer chunks as one stream.
final class ZstdStream {
    private let stream: OpaquePointer

    init?() {
        guard let s = ZSTD_createDStream() else { return nil }
        stream = s
        let r = ZSTD_initDStream(s)
        if ZSTD_isError(r) != 0 {
            ZSTD_freeDStream(s)
            return nil
        }
    }

    deinit { ZSTD_freeDStream(stream) }

    /// Appends the decompression of `input` to `output` (growing it as needed); returns nil or an error text.
    /// More than `limit` bytes out is an error: zstd turns 4 bytes into a 128 KB block, so one 64 KB
    /// record could otherwise claim gigabytes.
    func decompress(_ input: UnsafeRawBufferPointer, into output: inout GrowableBuffer, limit: Int = .max) -> String? {
        guard let src = input.baseAddress, input.count > 0 else { return nil }
        var inBuf = ZSTD_inBuffer(src: src, size: input.count, pos: 0)
        let start = output.count
        while true {
            let room = limit - (output.count - start)
            if room <= 0 { return "it decompresses to more than \(limit) bytes" }
            output.reserve(min(max(input.count * 4, 1 << 16), room))
            var outBuf = ZSTD_outBuffer(dst: output.base + output.count, size: min(output.capacity - output.count, room), pos: 0)
            let r = ZSTD_decompressStream(stream, &outBuf, &inBuf)
            if ZSTD_isError(r) != 0 { return String(cString: ZSTD_getErrorName(r)) }
            output.count += outBuf.pos
            // Done when all input is consumed and zstd did not fill the output (nothing more is pending).
            if inBuf.pos == inBuf.size && outBuf.pos < outBuf.size { return nil }
        }
    }
}

/// A heap byte buffer that grows by doubling; it owns its memory until `take()`.
struct GrowableBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    /// Makes room for at least `extra` more bytes.
    mutating func reserve(_ extra: Int) {
        guard capacity - count < extra else { return }
        var c = capacity
        while c - count < extra { c *= 2 }
        let p = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 16)
        p.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = p
        capacity = c
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let b = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).copyMemory(from: b, byteCount: bytes.count)
        count += bytes.count
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    func free() { base.deallocate() }
}
