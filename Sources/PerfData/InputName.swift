/// How messages name an input: its path, or `<stdin>` for `-`.
public enum InputName {
    /// The name of `path` in messages.
    public static func of(_ path: String) -> String { path == "-" ? "<stdin>" : path }
}
