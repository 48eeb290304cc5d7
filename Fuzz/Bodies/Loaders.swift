import Fold
import ProfileModel
import FuzzSupport
import TextInputs

/// Options picked from the input itself, so that one input always runs the same way (libFuzzer
/// replays must reproduce) while the corpus as a whole covers the flags the commands pass.
struct Variant {
    let bits: Int

    init(_ data: UnsafeRawBufferPointer) {
        bits = (data.count &* 31 &+ Int(data.first ?? 0)) & 7
    }

    var collapse: CollapseOptions {
        var o = CollapseOptions()
        if bits & 1 != 0 { o.includePid = true; o.includeTid = true }
        if bits & 2 != 0 { o.naming = FrameNaming(annotateKernel: true, annotateJit: true, includeAddrs: true) }
        if bits & 4 != 0 { o.chartMode = true }
        return o
    }

    var offcpu: OffCPUOptions {
        var o = OffCPUOptions()
        if bits & 1 != 0 { o.stateFrames = true }
        if bits & 2 != 0 { o.splitWakeup = true }
        if bits & 4 != 0 { o.states = [UInt8(ascii: "S"), UInt8(ascii: "D")]; o.minBlockMicroseconds = 10 }
        return o
    }
}

/// The whole reading of a text input as `flame oncpu` and `flame offcpu` do it: format detection,
/// the parser it picks, folding, notes. Input errors must be `InputError`s of one line naming the
/// file (the command line turns anything else into exit status 1 and a different message).
enum Loaders {
    static func run(path: String, _ data: UnsafeRawBufferPointer) {
        // perf.data goes to the symbolizer, which opens the binaries it names: the PerfDataFold
        // target takes it, with no files opened.
        if data.starts(with: "PERFILE2".utf8) || data.starts(with: "2ELIFREP".utf8) { return }
        let variant = Variant(data)
        both(path: path, collapse: variant.collapse, offcpu: variant.offcpu)
    }

    /// The input through `flame oncpu`'s loader and `flame offcpu`'s.
    static func both(path: String, collapse: CollapseOptions, offcpu: OffCPUOptions) {
        do {
            let (profile, _) = try ProfileLoader.load(path: path, options: collapse, threads: 1)
            notes(profile, path)
            _ = FlameTree(profile)
            _ = FoldedWriter.bytes(profile)
        } catch let e as InputError {
            FuzzCheck.message(e.description, file: path, "oncpu")
        } catch {
            FuzzCheck.fail("oncpu: not an InputError: \(error)")
        }
        do {
            let result = try OffCPULoader.load(path: path, collapse: collapse, options: offcpu)
            notes(result.profile, path)
            _ = result.summary?.report(duration: { "\($0) ns" })
            _ = FlameTree(result.profile)
        } catch let e as InputError {
            FuzzCheck.message(e.description, file: path, "offcpu")
        } catch {
            FuzzCheck.fail("offcpu: not an InputError: \(error)")
        }
    }

    /// Notes and the off-CPU summary quote names from the input (thread names, events), which may
    /// hold any byte: the command line escapes control characters when it prints them
    /// (HostileInputCLITests), so they are only built here.
    static func notes(_ profile: Profile, _ path: String) {
        if profile.notes.contains(where: \.isEmpty) { FuzzCheck.fail("an empty note") }
    }

    /// Parser reports: every warning one line.
    static func check(_ report: ParseReport, _ path: String) {
        for w in report.warnings(file: path) { FuzzCheck.message(w, file: path, "parse warning") }
    }
}

/// A visitor of off-CPU records that reads every field, so that views into the input are used.
final class WaitSink: WaitRecordVisitor {
    var bytes = 0
    var total: UInt64 = 0

    func record(_ r: WaitRecord, line: Int) {
        bytes &+= r.comm.count + (r.state?.count ?? 0)
        for f in r.frames { bytes &+= f.count }
        for f in r.waker { bytes &+= f.count }
        total &+= r.blockedMicroseconds &+ r.runqueueMicroseconds
        if line <= 0 { FuzzCheck.fail("record at line \(line)") }
    }
}
