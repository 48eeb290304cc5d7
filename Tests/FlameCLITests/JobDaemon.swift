import Foundation

/// testdata/src/jobd.c, started outside any recording on `DIR/sock` (as a build tool's daemon
/// runs before its CLI), and stopped when the test ends.
final class JobDaemon {
    private let process = Process()

    /// Starts `DIR/bin/jobd DIR/sock` and waits (up to 2 s) for its socket.
    init(dir: String) throws {
        process.executableURL = URL(fileURLWithPath: dir + "/bin/jobd")
        process.arguments = [dir + "/sock"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: dir + "/sock") { usleep(20_000) }
    }

    /// The daemon's pid.
    var pid: Int32 { process.processIdentifier }

    /// Stops the daemon if it still runs.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
