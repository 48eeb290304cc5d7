import FuzzSupport
import ProfileModel
import Fold
import PerfData
import TextInputs
import Symbolize

/// The perf.data reader: header, attrs and feature sections (file mode) or header records (pipe
/// mode), then every record, in perf's time order and in file order, through the thread and map
/// state, callchains and tracepoint fields. zstd COMPRESSED records come in with the seeds.
/// Every error and warning must name a byte offset, on one line.
public func fuzzPerfData(_ data: UnsafeRawBufferPointer) {
    let name = "fuzz.data"
    let file: PerfDataFile
    do {
        file = try PerfDataFile(bytes: Array(data), name: name)
    } catch let e as PerfDataError {
        check(e, name)
        return
    } catch {
        FuzzCheck.fail("perf.data: not a PerfDataError: \(error)")
    }
    for w in file.warnings { check(w, name) }
    let events = file.header.events
    for ordered in [true, false] {
        let machine = MachineState()
        var touched: UInt64 = 0
        do {
            let report = try file.forEachRecord(ordered: ordered) { record in
                machine.apply(record)
                guard case .sample(let s) = record else { return }
                for frame in s.frames {
                    if let m = machine.map(pid: s.pid, address: frame.address, cpumode: frame.cpumode) {
                        touched &+= m.fileOffset &+ UInt64(m.dsoName.utf8.count)
                    }
                }
                touched &+= UInt64(machine.comm(tid: s.tid).utf8.count)
                if let i = s.eventIndex, i < events.count, let format = file.tracepointFormat(event: i) {
                    touched &+= UInt64(format.render(s.raw)?.utf8.count ?? 0)
                    for f in format.fields {
                        touched &+= UInt64(bitPattern: TracepointFormat.integer(f, in: s.raw) ?? 0)
                        touched &+= UInt64(TracepointFormat.bytes(f, in: s.raw)?.count ?? 0)
                    }
                }
                touched &+= UInt64(s.stackUser.valid.count)
                if let b = s.branchStack {
                    for k in 0..<b.count { touched &+= b.entry(k).from }
                }
            }
            if let e = report.error { check(e, name) }
            for w in report.warnings { check(w, name) }
            for m in report.messages { FuzzCheck.message(m, file: name, "perf.data report") }
        } catch {
            FuzzCheck.fail("perf.data: the walk threw \(error)")
        }
        if touched == 1 { print("") }  // keeps the reads from being optimized away
    }
}

private func check(_ e: PerfDataError, _ name: String) {
    let text = e.description
    FuzzCheck.message(text, file: name, "perf.data")
    if !text.contains("byte") { FuzzCheck.fail("perf.data: message without a byte offset: \(text)") }
}

/// perf.data through what `flame oncpu` and `flame offcpu` do with it after reading: stacks and
/// their address arithmetic against the thread maps, `--call-graph dwarf` unwinding of the
/// sampled registers and stack bytes, frame naming, the off-CPU accountant. No file is opened
/// for symbols (`readsFiles` off): a fuzzed MMAP may name any path, and opening binaries would
/// leave little time for anything else. Errors must be `InputError`s naming the file.
public func fuzzPerfDataFold(_ data: UnsafeRawBufferPointer) {
    guard data.starts(with: "PERFILE2".utf8) || data.starts(with: "2ELIFREP".utf8) else { return }
    let path = InputFile.shared.write(data)
    let variant = Variant(data)
    var symbols = SymbolizeOptions()
    symbols.readsFiles = false
    symbols.diskCache = nil
    symbols.buildIDCache = nil
    var collapse = variant.collapse
    collapse.symbolOptions = symbols
    Loaders.both(path: path, collapse: collapse, offcpu: variant.offcpu)
}
