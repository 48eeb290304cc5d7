import ProfileModel

/// The time strip's thread of each sample or wait of a text input (`TimeBuckets.thread(named:)`):
/// "comm tid", as the summary names threads, looked up per record without building the label
/// again while a thread keeps its comm (a thread that execs becomes another one).
struct BucketThreads {
    private var known: [Int32: (comm: [UInt8], index: Int32)] = [:]

    /// The index in `buckets` of thread `tid` under `comm`.
    mutating func index(tid: Int32, comm: UnsafeBufferPointer<UInt8>, in buckets: inout TimeBuckets) -> Int32 {
        if let k = known[tid], k.comm.elementsEqual(comm) { return k.index }
        let name = Array(comm) + Array(" \(tid)".utf8)
        let i = buckets.thread(named: name)
        known[tid] = (Array(comm), i)
        return i
    }

    /// The index last given for `tid`, if any.
    func index(tid: Int32) -> Int32? { known[tid]?.index }
}
