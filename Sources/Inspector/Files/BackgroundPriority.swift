/// The CPU priority of the viewer's owner-map work: a map is background
/// work, and on a machine with few cores the screen's frames must not wait
/// behind libtsk's walks. The mapping workers run at this nice value (every
/// thread: `FileSystemSpec.nice`, set by the worker for its own process
/// group at start, so threads it starts later inherit it), and the threads
/// that decode their answers in the viewer's process too
/// (`ownerIndex(lowPriority:)`). Raising a nice value needs no privilege.
enum BackgroundPriority {
    static let nice: Int32 = 10
}
