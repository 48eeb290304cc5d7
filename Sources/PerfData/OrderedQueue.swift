/// perf's ordered-events queue: records are buffered and delivered in time order at round boundaries.
///
/// At each FINISHED_ROUND perf flushes everything up to the largest time seen *before the previous*
/// round ended (util/ordered-events.c, OE_FLUSH__ROUND), because a CPU's buffer may still hold older
/// records that only arrive in the next round. Equal times keep arrival order.
final class OrderedQueue {
    struct Entry {
        var time: UInt64
        var seq: Int
        /// Start of the record (header included) in the file or in a decompressed chunk.
        var record: UnsafeRawPointer
        var offset: Int
        var fromCompressed: Bool
        /// Decompressed chunk the record lives in, or -1 for the file itself.
        var chunk: Int
    }

    private var entries: [Entry] = []
    private var sortedPrefix = 0
    private var seq = 0
    private var maxTimestamp: UInt64 = 0
    private var nextFlush: UInt64 = 0
    private var lastFlush: UInt64 = 0

    func push(time: UInt64, record: UnsafeRawPointer, offset: Int, fromCompressed: Bool, chunk: Int,
              report: inout PerfReadReport) {
        if time < lastFlush { report.outOfOrderRecords += 1 }
        if time > maxTimestamp { maxTimestamp = time }
        entries.append(Entry(time: time, seq: seq, record: record, offset: offset, fromCompressed: fromCompressed,
                             chunk: chunk))
        seq += 1
    }

    /// The limit for a FINISHED_ROUND flush; afterwards the next round may flush up to today's maximum.
    func roundLimit() -> UInt64 {
        let limit = nextFlush
        nextFlush = maxTimestamp
        return limit
    }

    /// Delivers (in time, then arrival, order) and removes every entry with time <= limit.
    func flush(limit: UInt64, _ deliver: (Entry) throws -> Void) throws {
        guard !entries.isEmpty else { return }
        if sortedPrefix < entries.count {
            // Entries already sorted stay first in arrival among equals because seq breaks ties.
            entries.sort { $0.time != $1.time ? $0.time < $1.time : $0.seq < $1.seq }
        }
        var n = 0
        defer {
            entries.removeFirst(n)
            sortedPrefix = entries.count
        }
        while n < entries.count, entries[n].time <= limit {
            let e = entries[n]
            n += 1
            lastFlush = e.time
            try deliver(e)
        }
    }

    /// Smallest decompressed-chunk number still referenced (Int.max when none).
    func minChunk() -> Int {
        var m = Int.max
        for e in entries where e.chunk >= 0 && e.chunk < m { m = e.chunk }
        return m
    }
}
