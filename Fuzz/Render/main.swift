import FuzzBodies
import FuzzSupport

FuzzMain.run("FuzzRender", fuzzRender)
