/// Frames of perf.data samples before they have names: where each address fell (no map, a
/// user map, a kernel map) and the address perf would print, each distinct frame with a dense id.
///
/// A sample's stack becomes a list of these ids while the file is walked; names are looked up
/// once per id afterwards, so the cost of naming grows with distinct frames, not with samples.
package struct FrameKeyTable {
    package enum Kind: UInt8 {
        /// No map covers the address: `[unknown] ([unknown])` at the absolute address.
        case unmapped = 0
        /// A user map: `dso` is the machine's file id, `address` the file offset.
        case user = 1
        /// The kernel or a module: `dso` is the machine's file id, `address` the address.
        case kernel = 2
        /// A frame name given as is: `address` is its id in the profile's names.
        case literal = 3
        /// A user frame found by DWARF unwinding (as `user`): perf names these with their inline
        /// chains, which frame-pointer frames do not get.
        case unwound = 4
        /// The whole user stack of a DWARF-mode sample, unwound after the walk: `address` is the
        /// sample's ticket; its frames are `.unwound` (and `.unmapped`, `.literal`) keys.
        case unwoundStack = 5
        /// Where a DWARF-unwound stack went on beyond the user stack perf copied: named `[truncated]`.
        case truncated = 6
    }

    package private(set) var kinds: [Kind] = []
    package private(set) var dsos: [Int32] = []
    package private(set) var addresses: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int

    package init(expected: Int = 1 << 14) {
        var cap = 16
        while cap < expected * 2 { cap <<= 1 }
        slots = Array(repeating: -1, count: cap)
        mask = cap - 1
    }

    package var count: Int { kinds.count }

    /// The id of the frame (`kind`, `dso`, `address`), added when new.
    @inline(__always)
    package mutating func intern(_ kind: Kind, dso: Int32, address: UInt64) -> Int32 {
        var i = Self.hash(kind, dso, address) & mask
        while true {
            let id = slots[i]
            if id < 0 { break }
            let k = Int(id)
            if addresses[k] == address && dsos[k] == dso && kinds[k] == kind { return id }
            i = (i + 1) & mask
        }
        let id = Int32(kinds.count)
        kinds.append(kind)
        dsos.append(dso)
        addresses.append(address)
        slots[i] = id
        if kinds.count * 2 > mask { grow() }
        return id
    }

    private mutating func grow() {
        let cap = (mask + 1) * 2
        slots = Array(repeating: -1, count: cap)
        mask = cap - 1
        for k in 0..<kinds.count {
            var i = Self.hash(kinds[k], dsos[k], addresses[k]) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(k)
        }
    }

    @inline(__always)
    private static func hash(_ kind: Kind, _ dso: Int32, _ address: UInt64) -> Int {
        let tag = UInt64(kind.rawValue) << 32 | UInt64(UInt32(bitPattern: dso))
        var h = (address ^ tag &* 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }
}
