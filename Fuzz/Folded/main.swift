import FuzzBodies
import FuzzSupport

FuzzMain.run("FuzzFolded", fuzzFolded)
