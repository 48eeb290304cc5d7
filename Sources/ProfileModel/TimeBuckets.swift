/// A profile's weights over time in a bounded number of equal buckets: per stack node and lane
/// (on-CPU, or an off-CPU state), what fell in each bucket. What the SVG's time strip draws and
/// what its range selection re-aggregates the panes from. Memory grows with the (node, bucket)
/// pairs that occur, never with the samples: the buckets double in width when the capture
/// outgrows `maxBuckets`, and a sample is one addition. The same weights are also kept per
/// thread (`threadCells`), for the strip's rows per thread: one cell per (thread, lane, bucket)
/// it was busy in, so a short-lived process's thread costs a cell or two.
public struct TimeBuckets: Sendable {
    /// The most buckets kept; the width doubles past it.
    public static let maxBuckets = 240

    /// What a weight was: time on a CPU (or a sample), or a wait in one state.
    public enum Lane: UInt8, Sendable, CaseIterable {
        case onCPU = 0, sleeping, disk, runnable, other
    }

    /// Where bucket 0 starts (ns of perf's clock); nil before the first addition.
    public private(set) var origin: UInt64?
    /// ns per bucket.
    public private(set) var width: UInt64 = 1_000_000
    /// Buckets in use (0..<count).
    public private(set) var count = 0
    /// Weight per (node, lane, bucket), keyed by `key(node:lane:bucket:)`.
    public private(set) var cells: [UInt64: UInt64] = [:]
    /// Run-queue time per bucket (ns): threads that could run but waited for a CPU.
    public private(set) var runqueue: [UInt64: UInt64] = [:]
    /// The threads of `threadCells`, by index: their label (comm and tid, as the summary names them).
    public private(set) var threadNames: [[UInt8]] = []
    private var threadIndex: [[UInt8]: Int32] = [:]
    /// Weight per (thread, lane, bucket), keyed as `cells` with the thread's index for the node.
    public private(set) var threadCells: [UInt64: UInt64] = [:]

    public init() {}

    @inline(__always)
    static func key(node: Int32, lane: Lane, bucket: Int) -> UInt64 {
        UInt64(UInt32(bitPattern: node)) << 24 | UInt64(lane.rawValue) << 16 | UInt64(bucket)
    }

    /// The parts of a key.
    @inline(__always)
    public static func parts(_ key: UInt64) -> (node: Int32, lane: Lane, bucket: Int) {
        (Int32(bitPattern: UInt32(truncatingIfNeeded: key >> 24)), Lane(rawValue: UInt8(truncatingIfNeeded: key >> 16 & 0xFF)) ?? .other,
         Int(key & 0xFFFF))
    }

    /// Adds `weight` at `node` for a sample at `time`.
    public mutating func add(node: Int32, lane: Lane = .onCPU, time: UInt64, weight: UInt64) {
        guard time > 0, weight > 0 else { return }
        let b = place(time)
        cells[TimeBuckets.key(node: node, lane: lane, bucket: b), default: 0] &+= weight
    }

    /// Adds an interval from `start`, `length` ns long, of `weight` (its length, for waits) at
    /// `node`, spread over the buckets it overlaps.
    public mutating func add(node: Int32, lane: Lane, start: UInt64, length: UInt64, weight: UInt64) {
        guard start > 0, weight > 0 else { return }
        if length == 0 { add(node: node, lane: lane, time: start, weight: weight); return }
        for (k, w) in spread(start: start, length: length, weight: weight) {
            cells[TimeBuckets.key(node: node, lane: lane, bucket: k), default: 0] &+= w
        }
    }

    /// The index of the thread labelled `name` (its comm and tid), for `add(thread:...)`.
    public mutating func thread(named name: [UInt8]) -> Int32 {
        if let i = threadIndex[name] { return i }
        let i = Int32(threadNames.count)
        threadNames.append(name)
        threadIndex[name] = i
        return i
    }

    /// Adds to thread `thread` (from `thread(named:)`) what `add(node:...)` adds to a node: a
    /// sample at `start` (`length` 0) or an interval spread over its buckets.
    public mutating func add(thread: Int32, lane: Lane = .onCPU, start: UInt64, length: UInt64 = 0, weight: UInt64) {
        guard start > 0, weight > 0 else { return }
        if length == 0 {
            let b = place(start)
            threadCells[TimeBuckets.key(node: thread, lane: lane, bucket: b), default: 0] &+= weight
            return
        }
        for (k, w) in spread(start: start, length: length, weight: weight) {
            threadCells[TimeBuckets.key(node: thread, lane: lane, bucket: k), default: 0] &+= w
        }
    }

    /// Adds run-queue time: from `start`, `length` ns.
    public mutating func addRunqueue(start: UInt64, length: UInt64) {
        guard start > 0, length > 0 else { return }
        for (k, w) in spread(start: start, length: length, weight: length) { runqueue[UInt64(k), default: 0] &+= w }
    }

    /// Splits `weight` over the buckets the interval overlaps, in proportion; the last bucket
    /// takes what rounding left, so the parts add up to `weight`.
    private mutating func spread(start: UInt64, length: UInt64, weight: UInt64) -> [(Int, UInt64)] {
        var out: [(Int, UInt64)] = []
        _ = place(start)
        _ = place(start &+ length &- 1)
        let o = origin!
        var t = start
        let end = start &+ length
        var given: UInt64 = 0
        while t < end {
            let b = Int((t - o) / width)
            let bucketEnd = o &+ UInt64(b + 1) * width
            let stop = min(end, bucketEnd)
            let share = stop == end ? weight - given : UInt64((Double(stop - t) / Double(length) * Double(weight)).rounded(.down))
            if share > 0 { out.append((b, share)) }
            given &+= share
            t = stop
        }
        return out
    }

    /// The bucket of `time`, widening or extending the buckets to hold it.
    private mutating func place(_ time: UInt64) -> Int {
        guard var o = origin else {
            origin = time
            count = 1
            return 0
        }
        while time < o {
            let shift = Int((o - time + width - 1) / width)
            if count + shift <= TimeBuckets.maxBuckets && UInt64(shift) * width <= o {
                rekey { $0 + shift }
                o -= UInt64(shift) * width
                origin = o
                count += shift
            } else {
                // Make room on the left by doubling, keeping bucket 0 aligned to `o` less one width.
                if o >= width {
                    rekey { $0 + 1 }
                    o -= width
                    origin = o
                    count += 1
                }
                double()
            }
        }
        var b = (time - o) / width
        while b >= UInt64(TimeBuckets.maxBuckets) {
            double()
            b = (time - o) / width
        }
        count = max(count, Int(b) + 1)
        return Int(b)
    }

    /// Each bucket twice as wide: bucket b becomes b / 2.
    private mutating func double() {
        width *= 2
        rekey { $0 / 2 }
        count = (count + 1) / 2
    }

    private mutating func rekey(_ f: (Int) -> Int) {
        func moved(_ cells: [UInt64: UInt64]) -> [UInt64: UInt64] {
            var out: [UInt64: UInt64] = [:]
            out.reserveCapacity(cells.count)
            for (k, w) in cells {
                let (n, lane, b) = TimeBuckets.parts(k)
                out[TimeBuckets.key(node: n, lane: lane, bucket: f(b)), default: 0] &+= w
            }
            return out
        }
        cells = moved(cells)
        threadCells = moved(threadCells)
        var rq: [UInt64: UInt64] = [:]
        for (b, w) in runqueue { rq[UInt64(f(Int(b))), default: 0] &+= w }
        runqueue = rq
    }

    /// Adds the buckets of another part of the same input, its nodes renamed through `nodeMap`:
    /// each of its buckets is spread over this grid as an interval.
    public mutating func absorb(_ other: TimeBuckets, nodeMap: [Int32]) {
        guard let o = other.origin else { return }
        for (k, w) in other.cells.sorted(by: { $0.key < $1.key }) {
            let (n, lane, b) = TimeBuckets.parts(k)
            let m = Int(n) < nodeMap.count ? nodeMap[Int(n)] : n
            add(node: m, lane: lane, start: o + UInt64(b) * other.width, length: other.width, weight: w)
        }
        for (b, w) in other.runqueue.sorted(by: { $0.key < $1.key }) {
            let start = o + b * other.width
            for (k, part) in spread(start: start, length: other.width, weight: w) { runqueue[UInt64(k), default: 0] &+= part }
        }
        let threadMap = other.threadNames.map { thread(named: $0) }
        for (k, w) in other.threadCells.sorted(by: { $0.key < $1.key }) {
            let (t, lane, b) = TimeBuckets.parts(k)
            add(thread: threadMap[Int(t)], lane: lane, start: o + UInt64(b) * other.width, length: other.width, weight: w)
        }
    }

    /// The same buckets with their nodes renamed through `map` (node ids of another trie).
    public func remapped(_ map: [Int32]) -> TimeBuckets {
        var copy = self
        var out: [UInt64: UInt64] = [:]
        out.reserveCapacity(cells.count)
        for (k, w) in cells {
            let (n, lane, b) = TimeBuckets.parts(k)
            let m = Int(n) < map.count ? map[Int(n)] : n
            out[TimeBuckets.key(node: m, lane: lane, bucket: b), default: 0] &+= w
        }
        copy.cells = out
        return copy
    }
}

extension TimeBuckets.Lane {
    /// The lane of an off-CPU wait in `state`.
    public init(_ state: OffCPUState) {
        switch state {
        case .sleeping: self = .sleeping
        case .disk: self = .disk
        case .runnable: self = .runnable
        case .other: self = .other
        }
    }
}
