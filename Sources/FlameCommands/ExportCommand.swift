import ArgumentParser
import ProfileModel
import PerfData
import Export
import Fold
import TextInputs

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a profile for speedscope, pprof (go tool pprof, Pyroscope, Parca), Chrome/Perfetto traces, or as folded stacks.",
        discussion: """
            Formats: speedscope (JSON, one profile per process or thread), pprof (gzipped profile.proto: samples/count and \
            cpu/nanoseconds, EVENT/count, or off-cpu/nanoseconds), chrome (trace-event JSON: each thread's samples in time \
            order, for chrome://tracing and ui.perfetto.dev), folded (what `flame fold` prints; microseconds with --offcpu). \
            Every format carries the total the SVG shows for the same input and options.
            """)

    @Argument(help: "Any input flame reads; '-' reads standard input.")
    var input: String = "perf.data"

    @Option(help: "speedscope, pprof, chrome or folded.")
    var format: ExportFormat

    @Option(name: .shortAndLong, help: "Output file ('-' for standard output; default: standard output, or a file named for the format when it is a terminal). A name ending in .gz is gzip-compressed (pprof always is).")
    var output: String?

    @Flag(help: "Read the input as off-CPU time (scheduler events, offcputime, timehist, bpftrace).")
    var offcpu = false

    @Flag(help: "speedscope: samples in time order (its Time Order view is then a flame chart) instead of merged.")
    var flamechart = false

    @OptionGroup(title: "Off-CPU") var offcpuFlags: OffCPUFlags
    @OptionGroup(title: "Folding") var collapse: CollapseFlags
    @OptionGroup(title: "Threads") var filter: FilterFlags
    @OptionGroup(title: "Symbols") var symbols: SymbolFlags

    func validate() throws {
        if flamechart && format != .speedscope {
            throw ValidationError("--flamechart applies to --format speedscope (chrome traces are in time order already)")
        }
    }

    func run() throws {
        let target = CLI.outputPath(output, defaultFile: format.defaultFileName)
        let source = try CLI.resolve(input, filter)
        try CLI.refuseOverwritingInput(output: target, inputs: [source.path])
        var options = collapse.options(chart: flamechart && format == .speedscope, symbols: symbols, filter: filter)
        options.filter = source.filter
        options.keepTimeline = format.needsTimeline
        options.keepOrigins = format.needsOrigins
        let profile = try CLI.loadProfile(source.path, offcpu: offcpu, collapse: options, offcpuOptions: offcpuFlags.options,
                                          threads: collapse.threads)
        let name = InputName.of(source.path)
        try CLI.requireData(profile, path: source.path, filter: source.filter)
        if format == .chrome, let untimed = profile.timeline?.untimed, untimed > 0 {
            CLI.say(.warning(.output, subject: name, "\(untimed) samples without a time are not in the trace"))
        }
        var bytes: [UInt8]
        do {
            bytes = try Exporter.bytes(profile, format: format, name: name)
            if format != .pprof, let target, target.hasSuffix(".gz") { bytes = try Exporter.gzip(bytes) }
        } catch let error as ExportError {
            CLI.say("\(name): cannot export as \(format.rawValue): \(error.description)")
            throw ExitCode(2)
        }
        try CLI.write(bytes, to: target)
        if let target, target != "-" { CLI.say("wrote \(target)") }
    }
}

extension ExportFormat: ExpressibleByArgument {}
