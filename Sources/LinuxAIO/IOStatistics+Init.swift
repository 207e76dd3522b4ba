import Histogram

extension IOStatistics {
    /// A snapshot made by an engine outside this module (the NBD engine in
    /// BlockDevice keeps its own table of requests in flight). The
    /// memberwise initializer is internal; this is its public spelling.
    public static func make(engine: EngineKind, slots: Int, inFlight: [InFlightRequest], waiting: Int,
                            latency: [IOOperation: Histogram<UInt64>], completed: [IOOperation: Int], failed: Int,
                            bytesRead: Int64, bytesWritten: Int64) -> IOStatistics {
        IOStatistics(engine: engine, slots: slots, inFlight: inFlight, waiting: waiting, latency: latency,
                     completed: completed, failed: failed, bytesRead: bytesRead, bytesWritten: bytesWritten)
    }
}

extension InFlightRequest {
    /// A request of an engine outside this module.
    public static func make(slot: Int, operation: IOOperation, offset: Int64, length: Int, sync: SyncLevel,
                            ageNanoseconds: UInt64, abandoned: Bool) -> InFlightRequest {
        InFlightRequest(slot: slot, operation: operation, offset: offset, length: length, sync: sync,
                        ageNanoseconds: ageNanoseconds, abandoned: abandoned)
    }
}
