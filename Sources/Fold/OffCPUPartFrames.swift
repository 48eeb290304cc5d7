import ProfileModel

/// The frames drawn on top of an off-CPU interval's stack for the parts of it that are not plain
/// blocked time (`[runqueue]`, `[switch-in not recorded]`, `[still waiting at capture end]`), as ids
/// of one loader's own frame space, made once: every loader draws the parts the same way.
struct OffCPUPartFrames {
    private let runqueue: Int32
    private let undated: Int32
    private let openAtEnd: Int32

    /// `id` gives a frame name's id in the loader's space (a name id, or a literal key).
    init(id: ([UInt8]) -> Int32) {
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
}
