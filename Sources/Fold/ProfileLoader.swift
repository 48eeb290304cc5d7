import PerfScript

/// Reads any text input flame understands into a `Profile`, detecting the format by content.
public enum ProfileLoader {
    /// Loads `path` ("-" for standard input). Throws `InputError` for unreadable or unknown input;
    /// recoverable oddities become `profile.notes`.
    public static func load(path: String, options: CollapseOptions = CollapseOptions()) throws -> (Profile, InputFormat) {
        let source = try ByteSource(path: path)
        let format = try InputFormat.detect(try source.peek(InputFormat.sniffBytes), file: source.name)
        switch format {
        case .perfScript:
            let collapser = PerfScriptCollapser(options: options)
            let report = try PerfScriptParser().parse(source, into: collapser)
            collapser.finish()
            collapser.profile.notes += report.warnings(file: source.name)
            return (collapser.profile, format)
        case .folded:
            let loader = FoldedLoader(chartMode: options.chartMode)
            let report = try FoldedParser().parse(source, into: loader)
            loader.profile.notes += report.warnings(file: source.name)
            return (loader.profile, format)
        }
    }
}
