import XCTest
import PerfData
@testable import Record

/// What `flame record` keeps of its selection, how `--attach` finds processes, and how it looks
/// the program up, without running perf.
final class RecordSelectionTests: XCTestCase {
    func temporary() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func testSelectionRoundTripsAndSaysWhatItChose() throws {
        let dir = try temporary()
        let s = RecordSelection(command: ["make", "-j2", "CC=sccache gcc"], programPID: 4242,
                                attached: [AttachTarget(pid: 17, comm: "sccache", asked: "sccache")],
                                perf: ["perf", "record", "-a"], exitStatus: 2, interrupted: true)
        XCTAssertEqual(s.trees, [4242, 17])
        XCTAssertEqual(s.description, "the program (make, pid 4242) and sccache (pid 17, --attach sccache) and every process "
            + "they started during the capture")
        try Data(s.json()).write(to: dir.appendingPathComponent(RecordSelection.fileName))
        XCTAssertEqual(try RecordSelection.read(folder: dir.path), s)
        let text = try String(contentsOf: dir.appendingPathComponent(RecordSelection.fileName), encoding: .utf8)
        XCTAssertTrue(text.contains("\"program_pid\" : 4242"), text)
        // A folder is an input with its perf.data; the perf.data inside one too.
        try Data("x".utf8).write(to: dir.appendingPathComponent("perf.data"))
        for input in [dir.path, dir.path + "/", dir.path + "/perf.data"] {
            let r = try RecordInput.resolve(input)
            XCTAssertEqual(r.selection, s, input)
            XCTAssertTrue(r.data.hasSuffix("/perf.data"), r.data)
        }
        XCTAssertNil(try RecordInput.resolve("-").selection)
    }

    func testFoldersThatAreNotFlameRecordsAreRefused() throws {
        let dir = try temporary()
        XCTAssertThrowsError(try RecordInput.resolve(dir.path)) { e in
            XCTAssertEqual((e as? RecordSelection.Invalid)?.reason,
                           "not a flame record folder (it has no flame-record.json); give a perf.data file, or a folder `flame record` wrote")
        }
        let file = dir.appendingPathComponent(RecordSelection.fileName)
        for (content, reason) in [("not json", "not flame record's selection (expected a JSON object with \"flame_record\": 1)"),
                                  ("{\"flame_record\": 2}", "version 2 of flame record's selection; this flame reads version 1"),
                                  ("{\"flame_record\": 1, \"trees\": []}", "it selects no process (\"trees\" is empty)")] {
            try Data(content.utf8).write(to: file)
            XCTAssertThrowsError(try RecordSelection.read(folder: dir.path)) { e in
                XCTAssertEqual((e as? RecordSelection.Invalid)?.reason, reason)
            }
        }
        try Data("{\"flame_record\": 1, \"trees\": [5]}".utf8).write(to: file)
        XCTAssertThrowsError(try RecordInput.resolve(dir.path)) { e in
            XCTAssertEqual((e as? RecordSelection.Invalid)?.reason, "a flame record folder without its perf.data")
        }
    }

    /// A process table of three: a daemon, a zombie of the same name, and a process whose
    /// executable has that name under another comm.
    func testAttachFindsRunningProcessesByPidOrName() throws {
        let proc = try temporary()
        func process(_ pid: Int, comm: String, state: String, exe: String?) throws {
            let d = proc.appendingPathComponent(String(pid))
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try Data((comm + "\n").utf8).write(to: d.appendingPathComponent("comm"))
            try Data("\(pid) (\(comm)) \(state) 1 1 1\n".utf8).write(to: d.appendingPathComponent("stat"))
            if let exe { try FileManager.default.createSymbolicLink(atPath: d.appendingPathComponent("exe").path, withDestinationPath: exe) }
        }
        try process(101, comm: "sccache", state: "S", exe: "/usr/bin/sccache")
        try process(102, comm: "sccache", state: "Z", exe: nil)
        try process(103, comm: "tokio-rt", state: "R", exe: "/usr/bin/sccache (deleted)")
        try process(104, comm: "a (weird) name", state: "S", exe: "/bin/x")
        let byName = try AttachTargets.resolve(["sccache"], proc: proc.path)
        XCTAssertEqual(byName.map(\.pid), [101, 103], "running ones, by comm or executable; no zombie")
        XCTAssertEqual(try AttachTargets.resolve(["104,101", "101"], proc: proc.path).map(\.pid), [104, 101], "each once, in order")
        XCTAssertEqual(try AttachTargets.resolve(["104"], proc: proc.path).first?.comm, "a (weird) name")
        for (spec, message) in [("102", "--attach 102: no such process (is it running? `pgrep -a NAME` lists processes)"),
                                ("999", "--attach 999: no such process (is it running? `pgrep -a NAME` lists processes)"),
                                ("nginx", "--attach nginx: no running process has this comm or executable name (start it first, e.g. `sccache --start-server`)"),
                                ("101,", "--attach 101,: an empty name or pid")] {
            XCTAssertThrowsError(try AttachTargets.resolve([spec], proc: proc.path)) { e in
                XCTAssertEqual((e as? AttachError)?.message, message)
            }
        }
    }

    /// flame's own lineage (flame, the shell that ran it, ...) is never attached: its tree holds
    /// flame and perf. By name it is skipped; by pid it is refused.
    func testAttachNeverTakesFlameOrItsAncestors() throws {
        let proc = try temporary()
        for (pid, ppid, comm) in [(1, 0, "init"), (200, 1, "bash"), (201, 200, "flame"), (300, 1, "bash")] {
            let d = proc.appendingPathComponent(String(pid))
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try Data((comm + "\n").utf8).write(to: d.appendingPathComponent("comm"))
            try Data("\(pid) (\(comm)) S \(ppid) 1 1\n".utf8).write(to: d.appendingPathComponent("stat"))
        }
        let lineage = AttachTargets.lineage(of: 201, proc: proc.path)
        XCTAssertEqual(lineage, [201, 200, 1])
        XCTAssertEqual(AttachTargets.byName("bash", proc: proc.path, skipping: lineage).map(\.pid), [300], "the other shell only")
        XCTAssertEqual(AttachTargets.byName("bash", proc: proc.path).map(\.pid), [200, 300])
        // On this machine: the test runner's parent and the runner itself.
        for pid in [getppid(), getpid()] {
            XCTAssertThrowsError(try AttachTargets.resolve([String(pid)])) { e in
                let message = (e as? AttachError)?.message ?? ""
                XCTAssertTrue(message.hasPrefix("--attach \(pid): "), message)
                XCTAssertTrue(message.contains(pid == getpid() ? "is flame itself" : "is an ancestor of flame"), message)
            }
        }
    }

    func testProgramsAreLookedUpAsAShellDoes() throws {
        let dir = try temporary()
        let script = dir.appendingPathComponent("run")
        try Data("#!/bin/sh\n".utf8).write(to: script)
        XCTAssertEqual(ProgramLookup.check("run", searchPath: dir.path)?.status, 126, "found, not executable")
        chmod(script.path, 0o755)
        XCTAssertNil(ProgramLookup.check("run", searchPath: "/nonexistent:" + dir.path))
        XCTAssertNil(ProgramLookup.check(script.path, searchPath: ""))
        XCTAssertEqual(ProgramLookup.check("no-such-program", searchPath: dir.path)?.description, "no-such-program: command not found")
        XCTAssertEqual(ProgramLookup.check("./missing", searchPath: dir.path)?.status, 127)
        XCTAssertEqual(ProgramLookup.check(dir.path, searchPath: "")?.status, 126, "a directory cannot run")
    }

    /// An attached process that exited before perf began is not in the capture: found out from
    /// the capture itself (waiter.mixed.data: `perf record -a … -- ./waiter`, so perf listed every
    /// process when it began).
    func testTheCaptureSaysWhichAttachedProcessesItHolds() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("testdata/offcpu/waiter.mixed.data").path
        let scan = try CaptureScan(try PerfDataFile(path: path))
        let program = try XCTUnwrap(scan.programPID)
        let present = AttachTarget(pid: program, comm: "waiter", asked: "waiter")
        let gone = AttachTarget(pid: 999_999, comm: "sleep", asked: "999999")
        XCTAssertEqual(scan.absent([present, gone]), [gone])
        XCTAssertTrue(scan.pids.contains(1), "the processes perf listed when it began")
    }

    /// The program and the attached processes are among the records perf writes before the first
    /// sample: the scan stops there once it has them, with what a scan of every record finds; an
    /// attached pid not there makes it read every task record, and it is found absent.
    func testTheScanStopsAtTheFirstSampleWhenItHasWhatItLooksFor() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("testdata/offcpu/waiter.mixed.data").path
        let file = try PerfDataFile(path: path)
        let whole = try CaptureScan(file, attached: [999_999])
        XCTAssertFalse(whole.stoppedAtFirstSample, "a pid not in the capture is looked for in every record")
        XCTAssertFalse(whole.pids.contains(999_999))
        let program = try XCTUnwrap(whole.programPID)
        let early = try CaptureScan(file, attached: [1])
        XCTAssertTrue(early.stoppedAtFirstSample)
        XCTAssertEqual(early.programPID, program)
        XCTAssertTrue(early.pids.contains(1) && early.pids.contains(program))
        XCTAssertTrue(early.pids.isSubset(of: whole.pids))
        let none = try CaptureScan(file, program: false)
        XCTAssertTrue(none.stoppedAtFirstSample)
    }
}
