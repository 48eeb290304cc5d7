import FuzzBodies
import FuzzSupport

FuzzMain.run("FuzzBccOffCPU", fuzzBccOffCPU)
