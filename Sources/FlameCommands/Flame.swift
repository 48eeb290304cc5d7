import ArgumentParser
import ProfileModel
#if canImport(Glibc)
import Glibc
#endif
import Fold
import TextInputs
import Symbolize

/// The `flame` command line: its subcommands, and how errors become exit statuses (2 for bad input,
/// 1 for output, as the README's table says).
public struct Flame: ParsableCommand {
    /// The command name, its abstract and the subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "flame",
        abstract: "Turn Linux profiles into interactive flame graphs.",
        subcommands: [OnCPUCommand.self, OffCPUCommand.self, BothCommand.self, CriticalCommand.self, TopCommand.self, DiffCommand.self, ReportCommand.self, RecordCommand.self, ExportCommand.self, FoldCommand.self, ScriptCommand.self, SymbolizeCommand.self])

    /// The root command (swift-argument-parser makes it from the command line).
    public init() {}

    /// Runs the command; input errors are one line on stderr and exit status 2.
    public static func main() {
        do {
            var command = try parseAsRoot(rewriteFilterArguments(Array(CommandLine.arguments.dropFirst())))
            try command.run()
            Symbolizer.waitForBackgroundSaves()
        } catch let error as InputError {
            CLI.say(error.description)
            Glibc.exit(2)
        } catch let error as BothError {
            // The inputs cannot give both views (`flame both`, `flame report`): bad input too.
            CLI.say(error.description)
            Glibc.exit(2)
        } catch let error as OutputError {
            CLI.say(error.description)
            Glibc.exit(1)
        } catch {
            // A misspelt option or a value out of range is bad input: exit status 2, as for files.
            if exitCode(for: error) == .validationFailure {
                FileHandleStderr.write(fullMessage(for: error) + "\n")
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }

    /// perf spells its filters `--pid N` and `--tid N`; stackcollapse-perf.pl has flags of the same
    /// names that put ids into process names. With a number after them (or `=N`) they are the
    /// filters (`--only-pid`, `--only-tid`), bare they are the flags.
    static func rewriteFilterArguments(_ args: [String]) -> [String] {
        // `flame record --pid N` attaches to a process; its arguments after `--` are a program's.
        if args.first == "record" { return args }
        var out: [String] = []
        var i = 0
        func ids(_ s: Substring) -> Bool { !s.isEmpty && s.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) } }
        next: while i < args.count {
            let a = args[i]
            if a == "--" { out += args[i...]; break }
            for name in ["pid", "tid"] {
                if a == "--\(name)", i + 1 < args.count, ids(Substring(args[i + 1])) {
                    out += ["--only-\(name)", args[i + 1]]
                    i += 2
                    continue next
                }
                if a.hasPrefix("--\(name)="), ids(a.dropFirst(name.count + 3)) {
                    out.append("--only-\(name)=" + a.dropFirst(name.count + 3))
                    i += 1
                    continue next
                }
            }
            out.append(a)
            i += 1
        }
        return out
    }
}

