import LinuxAIO

/// Picks the engine for a source from the user's choice and what the file
/// allows: native AIO only over O_DIRECT (buffered AIO blocks in io_submit).
enum EngineSelection {
    static func make(_ options: BlockSourceOptions, direct: Bool, bufferedReason: String?,
                     path: String) throws(BlockSourceError) -> (engine: any IOEngine, note: String?) {
        guard direct else {
            var note = "\(bufferedReason ?? "no O_DIRECT"); reads use the threaded engine"
            if options.engine == .aio { note += " (--engine aio ignored: buffered AIO would block)" }
            return (ThreadPoolEngine(slots: options.slots), note)
        }
        do {
            return try IOEngines.make(options.engine, slots: options.slots)
        } catch {
            throw BlockSourceError(path: path, reason: .engineUnavailable("\(error)"))
        }
    }
}
