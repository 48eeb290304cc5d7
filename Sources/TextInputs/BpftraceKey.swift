import PerfData
/// The key of one bpftrace map entry, as text: stacks are `\n    frame\n    frame\n` blocks,
/// other parts are printed as they are, all joined by `, ` (text output) or `,` (JSON keys).
///
/// Roles are inferred from the shapes off-CPU scripts use, since the dump does not name them:
/// - strings: the first is the comm, a second one the waker's comm (offwake scripts:
///   `kstack, ustack, comm, waker comm, waker kstack, waker ustack`);
/// - stacks: those after the first run of stacks and after a scalar are the waker's when there is
///   a waker comm, else the task's own. User frames come before kernel frames: of two stacks, the
///   kernel one is told by its frames (`__schedule` at the leaf, kernel entry points, kernel
///   addresses), else the first is taken for the kernel's (`kstack, ustack`, the usual order);
/// - integers before the waker comm: one is the tid; of two or three, the last value that can be
///   a `prev_state` (0, or one or two bits below 0x10000) is the state, in perf's letters, and of
///   the two others the smaller is the pid (a thread's id is never below its process's).
struct BpftraceKey {
    enum Kind { case stack, text, number, empty }
    struct Part {
        var kind: Kind
        var start: Int
        var end: Int
    }

    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var parts: [Part] = []

    /// Splits `bytes` at `separator` (", " or ","), keeping stack blocks whole; nil when malformed.
    init?(_ bytes: UnsafeBufferPointer<UInt8>, separatorLength: Int) {
        self.bytes = bytes
        let n = bytes.count
        var i = 0
        while true {
            if i < n && bytes[i] == 0x0A {
                // A stack: lines that start with a space, each after a newline; a newline not
                // followed by one ends it.
                let start = i
                while i < n && bytes[i] == 0x0A {
                    guard i + 1 < n, bytes[i + 1] == 0x20 else { i += 1; break }
                    i += 1
                    while i < n && bytes[i] != 0x0A { i += 1 }
                }
                parts.append(Part(kind: .stack, start: start, end: i))
            } else {
                let start = i
                while i < n && !(bytes[i] == 0x2C && atSeparator(i, separatorLength)) { i += 1 }
                let kind: Kind = i == start ? .empty : (OffCPUText.id(slice(bytes, start, i)) != nil ? .number : .text)
                parts.append(Part(kind: kind, start: start, end: i))
            }
            if i >= n { return }
            guard bytes[i] == 0x2C, atSeparator(i, separatorLength) else { return nil }
            i += separatorLength
        }
    }

    private func atSeparator(_ i: Int, _ length: Int) -> Bool {
        length == 1 || (i + 1 < bytes.count && bytes[i + 1] == 0x20)
    }

    var hasStack: Bool { parts.contains { $0.kind == .stack } }
    /// An empty part may be an empty stack (a kernel thread's user stack): such a key does not
    /// tell yet whether its map holds stacks.
    var hasEmptyPart: Bool { parts.contains { $0.kind == .empty } }

    /// The record this key stands for, with `micros` as its blocked time.
    func record(micros: UInt64) -> WaitRecord {
        var blocked: [Int] = []
        var later: [Int] = []
        var texts: [Int] = []
        var numbers: [Int] = []
        var run = 0           // 0: before any stack, 1: in the first run of stacks, 2: after it
        for (index, part) in parts.enumerated() {
            switch part.kind {
            case .stack:
                if run <= 1 { run = 1; blocked.append(index) } else { later.append(index) }
            case .empty:
                continue
            case .text:
                if run == 1 { run = 2 }
                texts.append(index)
            case .number:
                if run == 1 { run = 2 }
                if texts.count < 2 { numbers.append(index) }
            }
        }
        // Without a waker comm, stacks after a scalar (`kstack, comm, ustack`) are the task's own.
        let wakerComm = texts.count > 1 ? Array(text(texts[1])) : []
        if wakerComm.isEmpty {
            blocked += later
            later = []
        }
        var record = WaitRecord(comm: texts.first.map { Array(text($0)) } ?? [], frames: rootFirst(blocked),
                                blockedMicroseconds: micros)
        assignNumbers(numbers.compactMap { OffCPUText.id(text($0)) }, to: &record)
        if !wakerComm.isEmpty {
            record.waker = rootFirst(later) + [wakerComm]
        }
        return record
    }

    private func text(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        slice(bytes, parts[index].start, parts[index].end)
    }

    private func assignNumbers(_ values: [Int], to record: inout WaitRecord) {
        guard !values.isEmpty else { return }
        guard values.count > 1 else { record.tid = values[0]; return }
        let candidates = values.indices.filter { values[$0] >= 0 && values[$0] < 0x10000 && values[$0].nonzeroBitCount <= 2 }
        let stateIndex = candidates.last
        if let s = stateIndex { record.state = SchedStateLetters.kernel.letters(UInt64(values[s])) }
        let ids = values.indices.filter { $0 != stateIndex }.prefix(2).map { values[$0] }
        if ids.count == 2 {
            record.pid = min(ids[0], ids[1])
            record.tid = max(ids[0], ids[1])
        } else {
            record.tid = ids.first
        }
    }

    /// User frames root first, then kernel frames root first.
    private func rootFirst(_ stacks: [Int]) -> [[UInt8]] {
        var kernel: [Int] = []
        var user: [Int] = []
        for index in stacks {
            if isKernel(text(index)) { kernel.append(index) } else { user.append(index) }
        }
        if stacks.count > 1 && (kernel.isEmpty || user.isEmpty) {
            kernel = [stacks[0]]
            user = Array(stacks.dropFirst())
        }
        var frames: [[UInt8]] = []
        for index in user + kernel {
            var stack: [[UInt8]] = []
            forEachFrame(text(index)) { stack.append(BpftraceKey.frameName($0)) }
            frames += stack.reversed()
        }
        return frames
    }

    private func forEachFrame(_ stack: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var i = 0
        while i < stack.count {
            var end = i
            while end < stack.count && stack[end] != 0x0A { end += 1 }
            let frame = OffCPUText.trimEnd(slice(stack, skipSpaces(stack, i), end))
            if !frame.isEmpty { body(frame) }
            i = end + 1
        }
    }

    private func isKernel(_ stack: UnsafeBufferPointer<UInt8>) -> Bool {
        var kernel = false
        var first = true
        forEachFrame(stack) { frame in
            defer { first = false }
            if first && (OffCPUText.has(frame, "__schedule+") || OffCPUText.has(frame, "schedule+")) { kernel = true }
            if OffCPUText.has(frame, "0xffff") || OffCPUText.has(frame, "entry_SYSCALL_64")
                || OffCPUText.has(frame, "ret_from_fork") || OffCPUText.has(frame, "do_syscall_64+")
                || OffCPUText.has(frame, "asm_sysvec_") || OffCPUText.has(frame, "asm_exc_")
                || OffCPUText.has(frame, "try_to_wake_up+") || OffCPUText.has(frame, "secondary_startup_64")
                || OffCPUText.has(frame, "common_startup_64") || OffCPUText.has(frame, "cpu_startup_entry+") {
                kernel = true
            }
        }
        return kernel
    }

    /// `sym+123` -> `sym`; a raw address `0x7f..` (bpftrace could not name it) -> `[unknown]`.
    static func frameName(_ frame: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        if frame.count > 2, frame[0] == 0x30, frame[1] == 0x78,
           slice(frame, 2, frame.count).allSatisfy({ hexValue($0) != nil }) {
            return Array("[unknown]".utf8)
        }
        var p = frame.count
        while p > 0 && isDigit(frame[p - 1]) { p -= 1 }
        if p < frame.count, p > 1, frame[p - 1] == 0x2B { return Array(slice(frame, 0, p - 1)) }
        // `+0x1f`, in case a script or version prints offsets in hex.
        p = frame.count
        while p > 0 && hexValue(frame[p - 1]) != nil { p -= 1 }
        if p < frame.count, p > 3, frame[p - 1] == 0x78, frame[p - 2] == 0x30, frame[p - 3] == 0x2B {
            return Array(slice(frame, 0, p - 3))
        }
        return Array(frame)
    }
}
