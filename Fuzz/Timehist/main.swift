import FuzzBodies
import FuzzSupport

FuzzMain.run("FuzzTimehist", fuzzTimehist)
