import FuzzBodies
import FuzzSupport

FuzzMain.run("FuzzBpftrace", fuzzBpftrace)
