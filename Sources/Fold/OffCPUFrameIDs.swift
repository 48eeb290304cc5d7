import ProfileModel

/// The pseudo-frames of off-CPU stacks as ids of one loader's own frame space (name ids, or
/// literal keys), each made once, so that every loader draws an interval the same way:
///
///     thread root ; [state X] ; stack ... ; [runqueue] | [switch-in not recorded] | [still waiting at capture end]
///     process root ; [idle: N threads] ; stack ...
///
/// The state frame is there with `--state-frames`; the frame on top names the part of the
/// interval that is not plain blocked time.
struct OffCPUFrameIDs {
    private let id: ([UInt8]) -> Int32
    private let runqueue: Int32
    private let undated: Int32
    private let openAtEnd: Int32
    private var states: [[UInt8]: Int32] = [:]
    private var idle: [Int: Int32] = [:]

    /// `id` gives a frame name's id in the loader's space.
    init(id: @escaping ([UInt8]) -> Int32) {
        self.id = id
        runqueue = id(OffCPUFrames.runqueueFrame)
        undated = id(OffCPUFrames.undatedFrame)
        openAtEnd = id(OffCPUFrames.openAtEndFrame)
    }

    /// The frame over the stack for `part`; nil for blocked and idle time, drawn on the stack itself.
    func frame(_ part: OffCPUPart) -> Int32? {
        switch part {
        case .blocked, .idle: return nil
        case .runqueue: return runqueue
        case .undated: return undated
        case .openAtEnd: return openAtEnd
        }
    }

    /// The `[state X]` frame of task state letters `state`.
    mutating func state(_ state: UnsafeBufferPointer<UInt8>) -> Int32 {
        let frame = OffCPUFrames.stateFrame(state)
        if let known = states[frame] { return known }
        let made = id(frame)
        states[frame] = made
        return made
    }

    /// The `[idle: N threads]` frame under which the waits of `threads` idle threads are merged.
    mutating func idle(threads: Int) -> Int32 {
        if let known = idle[threads] { return known }
        let made = id(OffCPUFrames.idleFrame(threads: threads))
        idle[threads] = made
        return made
    }
}
