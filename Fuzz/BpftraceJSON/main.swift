import FuzzBodies
import FuzzSupport

FuzzMain.run("FuzzBpftraceJSON", fuzzBpftraceJSON)
