// The `flame` executable: everything it does is in FlameCommands, tested in-process.
import FlameCommands

Flame.main()
