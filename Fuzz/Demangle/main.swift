import FuzzBodies
import FuzzSupport

FuzzMain.run("FuzzDemangle", fuzzDemangle)
