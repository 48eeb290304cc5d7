import FuzzBodies
import FuzzSupport

FuzzMain.run("FuzzPerfDataFold", fuzzPerfDataFold)
