/// The CPU priority of the viewer's owner-map work: a map is background
/// work, and on a machine with few cores the screen's frames must not wait
/// behind libtsk's walks. The mapping workers run at this nice value and in
/// Linux's idle class, SCHED_IDLE (every thread: `FileSystemSpec.nice`, set
/// by the worker at start, so threads it starts later inherit it), and the
/// threads that decode their answers in the viewer's process too
/// (`ownerIndex(lowPriority:)`). A nice value alone only weighs shares: a
/// key's frame waited out a nice-10 thread's slice (milliseconds, `perf
/// sched`); a SCHED_IDLE thread is preempted as soon as the render thread
/// wakes. Lowering one's own priority needs no privilege.
enum BackgroundPriority {
    static let nice: Int32 = 10
}
