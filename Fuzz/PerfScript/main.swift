import FuzzBodies
import FuzzSupport

FuzzMain.run("FuzzPerfScript", fuzzPerfScript)
