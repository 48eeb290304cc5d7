/// Every sample of a profile in reading order, with when and in which thread it happened: what
/// the merged trie forgets and a timeline export (Chrome trace) needs. Kept only when
/// `CollapseOptions.keepTimeline` asks, since it grows with the samples, not the stacks.
public struct SampleTimeline: Sendable {
    /// When the sample was taken, or when an off-CPU interval (part) began: ns of perf's clock.
    public private(set) var time: [UInt64] = []
    /// 0 for a sample (a point in time); the length of an off-CPU interval part, in ns.
    public private(set) var duration: [UInt64] = []
    /// Process id, -1 when the input did not say.
    public private(set) var pid: [Int32] = []
    /// Thread id.
    public private(set) var tid: [Int32] = []
    /// The stack: a node of the profile's trie.
    public private(set) var node: [Int32] = []
    /// What the sample adds to the profile's total.
    public private(set) var weight: [UInt64] = []
    /// Samples counted in the profile but left out here because the input gave them no time.
    public package(set) var untimed: UInt64 = 0

    /// An empty timeline; loaders make one when `CollapseOptions.keepTimeline` is set.
    public init() {}

    /// Number of samples kept.
    public var count: Int { time.count }

    /// Adds a sample (or an off-CPU interval part, with its `duration`).
    @inline(__always)
    public mutating func append(time t: UInt64, duration d: UInt64 = 0, pid p: Int32, tid t2: Int32, node n: Int32, weight w: UInt64) {
        time.append(t)
        duration.append(d)
        pid.append(p)
        tid.append(t2)
        node.append(n)
        weight.append(w)
    }

    /// The same samples with their nodes renamed through `map` (node ids of another trie).
    package func remapped(_ map: [Int32]) -> SampleTimeline {
        var copy = self
        for i in copy.node.indices { copy.node[i] = map[Int(copy.node[i])] }
        return copy
    }

    /// Appends `other`'s samples (a later part of the same input) with nodes renamed through `map`.
    mutating func append(_ other: SampleTimeline, nodeMap map: [Int32]) {
        time += other.time
        duration += other.duration
        pid += other.pid
        tid += other.tid
        node += other.node.map { map[Int($0)] }
        weight += other.weight
        untimed += other.untimed
    }
}
