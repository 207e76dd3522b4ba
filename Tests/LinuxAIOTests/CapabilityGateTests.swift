import LinuxAIO
import Testing

/// The engine-parameterised tests run the AIO engine only where io_setup and
/// O_DIRECT work (`runnableEngines`). Where they do not, that would silently
/// halve the coverage; this test makes it a visible skip, which CI refuses
/// (scripts/check-skips.sh).
@Suite struct CapabilityGateTests {
    @Test("the AIO engine is among the engines the parameterised tests run",
          .enabled(if: Capabilities.realAIO,
                   "AIO unavailable here: \(Capabilities.aioUnavailable ?? Capabilities.directUnavailable ?? "?")"))
    func aioEngineRuns() {
        #expect(runnableEngines.contains(.aio))
    }
}
