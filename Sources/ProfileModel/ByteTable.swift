#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An interning table of byte strings: each distinct string gets a dense id from 0.
///
/// Keys live in one arena, slots use open addressing with linear probing, and the stored
/// hash is compared before the bytes, so a lookup costs one hash and usually one memcmp.
public final class ByteTable {
    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaCapacity: Int
    private var arenaUsed = 0
    private var starts: [Int] = []
    private var lengths: [Int32] = []
    private var hashes: [UInt64] = []
    private var slots: UnsafeMutablePointer<Int32>
    private var slotMask: Int

    /// Number of distinct strings.
    public var count: Int { starts.count }

    /// An empty table with room for about `expected` strings before it has to grow.
    public init(expected: Int = 1024) {
        var cap = 16
        while cap < expected * 2 { cap <<= 1 }
        slots = .allocate(capacity: cap)
        slots.initialize(repeating: -1, count: cap)
        slotMask = cap - 1
        arenaCapacity = max(4096, expected * 32)
        arena = .allocate(capacity: arenaCapacity)
    }

    deinit {
        slots.deallocate()
        arena.deallocate()
    }

    /// The id of `bytes`, adding it when new.
    @inline(__always)
    public func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let h = ByteTable.hash(bytes)
        var i = Int(truncatingIfNeeded: h) & slotMask
        while true {
            let id = slots[i]
            if id < 0 { break }
            if hashes[Int(id)] == h && equals(Int(id), bytes) { return id }
            i = (i + 1) & slotMask
        }
        let id = Int32(starts.count)
        append(bytes, hash: h)
        slots[i] = id
        if starts.count * 2 > slotMask { grow() }
        return id
    }

    /// The id of the key `a`, 0x00, `b`, `tag` (stored in that layout), adding it when new.
    /// Hashes and compares the parts in place, so a hit copies nothing.
    @inline(__always)
    public func intern(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, tag: UInt8) -> Int32 {
        let h = ByteTable.hash(a) &* 31 ^ ByteTable.hash(b) &+ UInt64(tag)
        let length = a.count + b.count + 2
        var i = Int(truncatingIfNeeded: h) & slotMask
        while true {
            let id = slots[i]
            if id < 0 { break }
            let k = Int(id)
            if hashes[k] == h && Int(lengths[k]) == length {
                let base = arena + starts[k]
                if (a.isEmpty || memcmp(base, a.baseAddress!, a.count) == 0) && base[a.count] == 0
                    && (b.isEmpty || memcmp(base + a.count + 1, b.baseAddress!, b.count) == 0)
                    && base[length - 1] == tag {
                    return id
                }
            }
            i = (i + 1) & slotMask
        }
        var joined = [UInt8](a)
        joined.append(0)
        joined.append(contentsOf: b)
        joined.append(tag)
        let id = Int32(starts.count)
        joined.withUnsafeBufferPointer { append($0, hash: h) }
        slots[i] = id
        if starts.count * 2 > slotMask { grow() }
        return id
    }

    /// The bytes of `id`. Valid until the next insertion.
    @inline(__always)
    public func bytes(_ id: Int32) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: arena + starts[Int(id)], count: Int(lengths[Int(id)]))
    }

    /// The bytes of `id` as a String (invalid UTF-8 repaired).
    public func string(_ id: Int32) -> String {
        String(decoding: bytes(id), as: UTF8.self)
    }

    @inline(__always)
    private func equals(_ id: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let len = Int(lengths[id])
        guard len == bytes.count else { return false }
        if len == 0 { return true }
        return memcmp(arena + starts[id], bytes.baseAddress!, len) == 0
    }

    private func append(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) {
        if arenaUsed + bytes.count > arenaCapacity {
            var newCapacity = arenaCapacity * 2
            while arenaUsed + bytes.count > newCapacity { newCapacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: arena, count: arenaUsed)
            arena.deallocate()
            arena = grown
            arenaCapacity = newCapacity
        }
        if let base = bytes.baseAddress, bytes.count > 0 {
            (arena + arenaUsed).update(from: base, count: bytes.count)
        }
        starts.append(arenaUsed)
        lengths.append(Int32(bytes.count))
        hashes.append(hash)
        arenaUsed += bytes.count
    }

    private func grow() {
        let cap = (slotMask + 1) * 2
        slots.deallocate()
        slots = .allocate(capacity: cap)
        slots.initialize(repeating: -1, count: cap)
        slotMask = cap - 1
        for id in 0..<starts.count {
            var i = Int(truncatingIfNeeded: hashes[id]) & slotMask
            while slots[i] >= 0 { i = (i + 1) & slotMask }
            slots[i] = Int32(id)
        }
    }

    /// A fast 64-bit hash over 8-byte words with a final avalanche.
    @inline(__always)
    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = bytes.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        guard let base = bytes.baseAddress, n > 0 else { return mix(h) }
        let raw = UnsafeRawPointer(base)
        if n > 64 {
            // Long keys (C++ names run to hundreds of bytes) are hashed from their length and
            // six words spread over head, middle and tail; lookups still compare every byte.
            @inline(__always) func step(_ offset: Int) {
                h = (h ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
                h ^= h >> 29
            }
            step(0); step(8); step(n / 2 - 4); step(n - 24); step(n - 16); step(n - 8)
            return mix(h)
        }
        var i = 0
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(base[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ w) &* 0xC4CE_B9FE_1A85_EC53
        }
        return mix(h)
    }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}

/// Bytewise order (as C's memcmp and Perl's `cmp` on byte strings).
@inline(__always)
public func bytesPrecede(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    let n = min(a.count, b.count)
    if n > 0 {
        let c = memcmp(a.baseAddress!, b.baseAddress!, n)
        if c != 0 { return c < 0 }
    }
    return a.count < b.count
}

/// Bytewise order of two byte arrays.
@inline(__always)
public func bytesPrecede(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in bytesPrecede(pa, pb) } }
}
