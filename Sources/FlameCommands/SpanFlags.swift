import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Fold
import TextInputs

/// `--spans FILE` and `--spans-offset SECONDS`: the program's own phases, from Chrome trace JSON.
struct SpanFlags: ParsableArguments {
    @Option(name: .customLong("spans"), help: ArgumentHelp("The program's own spans (phases), as Chrome trace JSON: X events, "
        + "B/E and b/e pairs, in µs of CLOCK_MONOTONIC (flame record records on that clock). Each span's window takes "
        + "the selected processes' samples and waits inside it. flame report --before/--after takes one per side.",
        valueName: "file"))
    var files: [String] = []
    @Option(name: .customLong("spans-offset"), help: ArgumentHelp("Seconds to add to every span time: the capture's time "
        + "(as perf prints it) of the spans' 0, for span files that count from their program's start.", valueName: "seconds"))
    var offset: Double?

    func validate() throws {
        if let offset, !offset.isFinite || abs(offset) > 1e9 { throw ValidationError("--spans-offset takes seconds") }
        if offset != nil && files.isEmpty { throw ValidationError("--spans-offset needs --spans") }
    }

    /// Throws unless `--spans` was given at most `count` times.
    func require(atMost count: Int) throws {
        guard files.count > count else { return }
        throw ValidationError(count == 1 ? "--spans takes one file here" : "--spans takes one file per input (\(count) here)")
    }

    /// The first `--spans` file, for messages.
    var spans: String? { files.first }

    /// The name of the copy of the spans `flame record --spans` keeps in its folder.
    static let keptName = "spans.json"

    /// The spans of the `index`th `--spans` file, with their offset; without `--spans`, those
    /// `flame record --spans` kept in the record folder `input` comes from (said in a note); else
    /// nil. Warns of events left out.
    func request(_ index: Int = 0, input: CLI.Input? = nil) throws -> SpanRequest? {
        var path: String
        if files.isEmpty, let input, input.selection != nil, input.path.hasSuffix("/perf.data") {
            path = String(input.path.dropLast("perf.data".count)) + SpanFlags.keptName
            guard access(path, F_OK) == 0 else { return nil }
            CLI.say(.note(.selection, subject: path, "the spans flame record kept with this recording (--spans FILE reads others)"))
        } else {
            guard index < files.count else { return nil }
            path = files[index]
        }
        let read = try ChromeTraceSpans.read(path: path)
        if let warning = read.warning { CLI.say("warning: " + warning) }
        return SpanRequest(spans: read, offset: offset.map { Int64(($0 * 1e9).rounded()) })
    }
}
