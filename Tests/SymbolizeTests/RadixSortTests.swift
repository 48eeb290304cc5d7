import XCTest
@testable import Symbolize

/// The radix sort that orders symbol tables, against the standard library's sort.
final class RadixSortTests: XCTestCase {
    func testSortsLikeSortOnTheKeptBits() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            seed &+= 0x9E37_79B9_7F4A_7C15
            var z = seed
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for (count, low, mask) in [(10, 0, UInt64.max), (1000, 0, UInt64.max), (50_000, 0, 0xFFFF_FFFF),
                                   (50_000, 24, UInt64.max), (3000, 0, 0x00FF_00FF_0000_0000)] {
            var a = (0..<count).map { _ in next() & mask }
            let original = a
            radixSort(&a, ignoringLowBits: low)
            XCTAssertEqual(a.map { $0 >> UInt64(low) }, original.map { $0 >> UInt64(low) }.sorted(), "count \(count), low \(low)")
            XCTAssertEqual(a.sorted(), original.sorted(), "a permutation of the input")
        }
    }
}
