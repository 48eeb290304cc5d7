import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Fold
import PerfScript

@main
struct Flame: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flame",
        abstract: "Turn Linux profiles into interactive flame graphs.",
        subcommands: [OnCPUCommand.self, FoldCommand.self, ScriptCommand.self, SymbolizeCommand.self])

    /// Runs the command; input errors are one line on stderr and exit status 2.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as InputError {
            CLI.say(error.description)
            Glibc.exit(2)
        } catch let error as OutputError {
            CLI.say(error.description)
            Glibc.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}

