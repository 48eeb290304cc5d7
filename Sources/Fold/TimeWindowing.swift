import ProfileModel
import PerfData
import TextInputs

/// How a reading applies `--time` (`CollapseOptions.time`) to its input: the selection as times
/// of the capture, or the error a capture that cannot place it gives.
extension CollapseOptions {
    /// The window of `--time` in `file`: percent slices of its first to last sample (its
    /// HEADER_SAMPLE_TIME, as perf script takes them). Nil without `--time`.
    package func window(in file: PerfDataFile) throws -> TimeWindow? {
        guard let time else { return nil }
        guard time.needsSampleTimes else { return time.absoluteWindow }
        guard let first = file.header.sampleTimeFirst, let last = file.header.sampleTimeLast, first != 0 || last != 0 else {
            throw InputError.selection(file: file.name, detail: "--time \(time): percent slices need the capture's first and "
                + "last sample times (HEADER_SAMPLE_TIME), which this capture lacks (a pipe-mode capture, or perf record "
                + "--buildid-all without --timestamp-boundary): give START,STOP in seconds")
        }
        return time.window(first: first, last: last)
    }

    /// The window of `--time` in text input `name`, which can only be absolute times: text does
    /// not say where the capture began and ended.
    package func textWindow(file name: String) throws -> TimeWindow? {
        guard let time else { return nil }
        guard let window = time.absoluteWindow else {
            throw InputError.selection(file: name, detail: "--time \(time): percent slices need the capture's first and last "
                + "sample times, which text does not carry: give START,STOP in seconds as perf script prints them, or read "
                + "the perf.data")
        }
        return window
    }

    /// Throws for `--time` on an input of `format` that carries no times (folded stacks, bcc and
    /// bpftrace off-CPU totals).
    package func requireTimes(_ format: InputFormat, file name: String) throws {
        guard let time else { return }
        if format == .timehist {
            throw InputError.selection(file: name, detail: "--time \(time): perf sched timehist text prints waits without their "
                + "start; give --time to perf sched timehist itself, or read the perf.data")
        }
        throw InputError.selection(file: name, detail: "--time \(time): this input (\(format.rawValue)) carries no times, only "
            + "totals per stack; give the perf.data or perf script text")
    }
}
