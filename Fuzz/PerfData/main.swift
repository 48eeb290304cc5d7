import FuzzBodies
import FuzzSupport

FuzzMain.run("FuzzPerfData", fuzzPerfData)
