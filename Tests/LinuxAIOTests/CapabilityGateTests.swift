import LinuxAIO
import Testing
import TestSupport

/// The engine-parameterised tests run the AIO engine only where io_setup and
/// O_DIRECT work (`runnableEngines`). Where they do not, that would silently
/// halve the coverage; this test makes it a visible skip, which CI refuses
/// (scripts/check-skips.sh).
@Suite struct CapabilityGateTests {
    @Test("the AIO engine is among the engines the parameterised tests run",
          .enabled(if: Capability.realAIO,
                   "AIO unavailable here: \(Capability.realAIOUnavailable ?? "?")"))
    func aioEngineRuns() {
        #expect(runnableEngines.contains(.aio))
    }
}
