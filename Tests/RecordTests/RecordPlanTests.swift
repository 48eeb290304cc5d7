import XCTest
@testable import Record

/// The perf command lines and preflight answers of `flame record`, without running perf.
final class RecordPlanTests: XCTestCase {
    func testCommandLines() {
        var plan = RecordPlan(output: "out/perf.data")
        plan.command = ["make", "-j2"]
        XCTAssertEqual(plan.arguments(perf: "/usr/bin/perf", cpuEvent: "cpu-clock",
                                      tracepoints: ["sched:sched_switch", "sched:sched_waking", "sched:sched_stat_runtime"]),
                       ["/usr/bin/perf", "record", "--quiet", "-o", "out/perf.data", "-e", "cpu-clock/period=1003009/",
                        "-e", "sched:sched_switch", "-e", "sched:sched_waking", "-e", "sched:sched_stat_runtime",
                        "-g", "-k", "CLOCK_MONOTONIC", "-a", "--", "make", "-j2"])
        plan.onCPUOnly = true
        plan.frequency = 499
        plan.callGraph = "dwarf"
        XCTAssertEqual(plan.arguments(perf: "perf", cpuEvent: "cycles", tracepoints: ["sched:sched_switch"]),
                       ["perf", "record", "--quiet", "-o", "out/perf.data", "-e", "cycles/freq=499/",
                        "--call-graph", "dwarf", "-k", "CLOCK_MONOTONIC", "--", "make", "-j2"])
        // Attached processes are recorded on every CPU (what they start is selected afterwards),
        // for a while, or until Ctrl-C; with a program, while it runs.
        var attach = RecordPlan(output: "p.data")
        attach.attach = [4242]
        attach.duration = 1.5
        attach.onCPUOnly = true
        XCTAssertEqual(attach.arguments(perf: "perf", cpuEvent: "cpu-clock", tracepoints: []).suffix(7),
                       ["-g", "-k", "CLOCK_MONOTONIC", "-a", "--", "sleep", "1.5"])
        attach.duration = nil
        XCTAssertEqual(attach.arguments(perf: "perf", cpuEvent: "cpu-clock", tracepoints: []).suffix(4), ["-g", "-k", "CLOCK_MONOTONIC", "-a"])
        attach.command = ["./cli", "--go"]
        XCTAssertEqual(attach.arguments(perf: "perf", cpuEvent: "cpu-clock", tracepoints: []).suffix(7),
                       ["-g", "-k", "CLOCK_MONOTONIC", "-a", "--", "./cli", "--go"])
    }

    func testFolderNames() {
        let t = (year: 2026, month: 11, day: 3, hour: 9, minute: 5, second: 7)
        XCTAssertEqual(RecordPlan.folderName(command: ["/usr/bin/make", "-j2"], time: t), "flame-make-20261103-090507")
        XCTAssertEqual(RecordPlan.folderName(command: [], attached: ["sccache"], time: t), "flame-sccache-20261103-090507")
        XCTAssertEqual(RecordPlan.folderName(command: ["./a b;c"], time: t), "flame-a_b_c-20261103-090507")
    }

    func testPreflightExplainsWhatToDo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preflight-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let paranoid = dir.appendingPathComponent("paranoid").path
        try "2\n".write(toFile: paranoid, atomically: true, encoding: .utf8)
        var p = Preflight(environment: ["PATH": dir.path, "FLAME_PARANOID_FILE": paranoid, "FLAME_ASSUME_UNPRIVILEGED": "1"])
        p.tracingDirectories = [dir.path]
        let r = p.check(offCPU: true, systemWide: true)
        XCTAssertNil(r.perf)
        XCTAssertEqual(r.problems.count, 3, "\(r.problems)")
        XCTAssertTrue(r.problems[0].contains("apt-get install linux-perf"))
        XCTAssertEqual(r.problems[1], "kernel.perf_event_paranoid is 2: recording scheduler tracepoints on every CPU needs root, "
            + "or `sysctl kernel.perf_event_paranoid=-1`")
        XCTAssertTrue(r.problems[2].contains("not readable") && r.problems[2].contains("--oncpu-only"))
        // On-CPU only, per process: paranoid 1 is enough, 2 is not (kernel frames).
        try "1\n".write(toFile: paranoid, atomically: true, encoding: .utf8)
        XCTAssertFalse(p.check(offCPU: false, systemWide: false).problems.contains { $0.contains("paranoid") })
        // Root, with tracefs not mounted (a fresh machine): how to mount it, never "run as root".
        var root = Preflight(environment: ["PATH": dir.path])
        root.privileged = true
        root.tracingDirectories = [dir.path + "/tracing"]
        let mount = root.check(offCPU: true, systemWide: true).problems.last ?? ""
        XCTAssertTrue(mount.contains("tracefs is not mounted at \(dir.path)/tracing") && mount.contains("mount -t tracefs nodev"), mount)
        XCTAssertFalse(mount.contains("run as root"), mount)
        p.pmuDirectories = [dir.path + "/none"]
        XCTAssertEqual(p.check(offCPU: false, systemWide: false).cpuEvent, "cpu-clock")
        XCTAssertTrue(p.check(offCPU: false, systemWide: false).notes.contains { $0.contains("no hardware PMU") })
    }
}
