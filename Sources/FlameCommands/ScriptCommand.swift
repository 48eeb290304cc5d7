import ArgumentParser
import ProfileModel
import Capture
import Fold
import PerfData
import TextInputs

struct ScriptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "script",
        abstract: "Print the samples of a perf.data file as perf script text, symbolized by flame.")

    @Argument(help: "perf.data (file or pipe mode); '-' reads standard input.")
    var input: String = "perf.data"

    @OptionGroup(title: "Symbols") var symbols: SymbolFlags

    func run() throws {
        let file = try PerfDataInput.open(input)
        for w in file.warnings { CLI.say(.warning(.damage, subject: w.file, w.detail)) }
        let dump = PerfScriptDump(file: file, symbols: symbols.options)
        try dump.write { try CLI.writeChunk($0) }
        for d in dump.diagnostics { CLI.say(d) }
    }
}
