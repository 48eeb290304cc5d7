import Fold
import ProfileModel
import FuzzSupport
import TextInputs

/// `perf script` / `perf sched script` text: the parser with the real folder behind it, then the
/// loaders of both commands.
public func fuzzPerfScript(_ data: UnsafeRawBufferPointer) {
    let path = InputFile.shared.write(data)
    do {
        // A small buffer, so that lines crossing refills and buffer growth are exercised.
        let source = try ByteSource(path: path, chunkSize: 4096)
        let collapser = PerfScriptCollapser(options: Variant(data).collapse)
        let report = try PerfScriptParser().parse(source, into: collapser)
        collapser.finish()
        Loaders.check(report, path)
    } catch let e as InputError {
        FuzzCheck.message(e.description, file: path, "perf script")
    } catch {
        FuzzCheck.fail("perf script: not an InputError: \(error)")
    }
    Loaders.run(path: path, data)
}

/// Folded stacks (`a;b;c 12`), as on-CPU samples and as offcputime -f microseconds.
public func fuzzFolded(_ data: UnsafeRawBufferPointer) {
    let path = InputFile.shared.write(data)
    do {
        let source = try ByteSource(path: path, chunkSize: 4096)
        let loader = FoldedLoader(chartMode: Variant(data).bits & 4 != 0)
        let report = try FoldedParser().parse(source, into: loader)
        Loaders.check(report, path)
        _ = FoldedWriter.bytes(loader.profile)
    } catch let e as InputError {
        FuzzCheck.message(e.description, file: path, "folded")
    } catch {
        FuzzCheck.fail("folded: not an InputError: \(error)")
    }
    Loaders.run(path: path, data)
}

/// Runs one of the aggregated off-CPU parsers directly, then the loaders.
private func waitParser(_ data: UnsafeRawBufferPointer, _ name: String,
                        _ parse: (ByteSource, WaitRecordVisitor) throws -> ParseReport) {
    let path = InputFile.shared.write(data)
    do {
        let source = try ByteSource(path: path, chunkSize: 4096)
        let report = try parse(source, WaitSink())
        Loaders.check(report, path)
    } catch let e as InputError {
        FuzzCheck.message(e.description, file: path, name)
    } catch {
        FuzzCheck.fail("\(name): not an InputError: \(error)")
    }
    Loaders.run(path: path, data)
}

/// `perf sched timehist` output.
public func fuzzTimehist(_ data: UnsafeRawBufferPointer) {
    waitParser(data, "timehist") { try TimehistParser().parse($0, into: $1) }
}

/// bcc `offcputime` / `offwaketime`, default (multi-line) output; `-f` output is folded.
public func fuzzBccOffCPU(_ data: UnsafeRawBufferPointer) {
    waitParser(data, "bcc") { try BccOffCPUParser().parse($0, into: $1) }
}

/// bpftrace map dumps as text; every other input also asks for a map by name.
public func fuzzBpftrace(_ data: UnsafeRawBufferPointer) {
    let map = Variant(data).bits & 1 != 0 ? "offcpu" : nil
    waitParser(data, "bpftrace") { try BpftraceParser(map: map).parse($0, into: $1) }
}

/// bpftrace `-f json` map dumps (the same parser; its JSON reader is the part exercised here).
public func fuzzBpftraceJSON(_ data: UnsafeRawBufferPointer) {
    let map = Variant(data).bits & 1 != 0 ? "@offcpu" : nil
    waitParser(data, "bpftrace JSON") { try BpftraceParser(map: map).parse($0, into: $1) }
}
