import SwitchboardBench
import Foundation
import Switchboard
import SwitchboardTraining
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The allocation counter sees every kind of allocation and counts none where there are none.
/// Counts only, never times.
/// Skipped under the sanitizers (`make test-asan` / `test-tsan` set `SWITCHBOARD_SANITIZER`):
/// their runtimes are linked into the executable and replace `malloc` there, so the executable's
/// own calls no longer go through a GOT slot the counter can patch, and they allocate on their own.
@Suite(.serialized, .disabled(if: ProcessInfo.processInfo.environment["SWITCHBOARD_SANITIZER"] != nil,
                              "allocation counting does not apply under a sanitizer"))
struct AllocationCounterTests {
    /// Keeps results alive so the optimizer cannot drop the allocations under test.
    final class Sink: @unchecked Sendable { var values: [Any] = [] }

    @Test func countsEveryKindOfAllocation() throws {
        try #require(AllocationCounter.isSupported, "allocation counting is expected to work on Linux x86-64/arm64")
        let sink = Sink()
        // A Swift array buffer (swift_allocObject → malloc).
        let array = AllocationCounter.count { sink.values.append([Int](repeating: 7, count: 1000)) }
        #expect((array ?? 0) >= 1)
        // A raw, over-aligned buffer (swift_slowAlloc → posix_memalign).
        let raw = AllocationCounter.count {
            let p = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 64)
            p.deallocate()
        }
        #expect((raw ?? 0) >= 1)
        // C malloc, calloc and realloc called directly.
        let c = AllocationCounter.count {
            let p = malloc(100)
            let q = realloc(p, 10_000)
            free(q)
            free(calloc(4, 8))
        }
        #expect(c == 3)
    }

    @Test func countsNothingWithoutAllocations() throws {
        try #require(AllocationCounter.isSupported)
        var total = 0
        let none = AllocationCounter.count { for i in 0..<1000 { total &+= i &* i } }
        #expect(none == 0)
        #expect(total != 0)
    }

    @Test func otherThreadsAreNotCounted() throws {
        try #require(AllocationCounter.isSupported)
        let sink = Sink()
        let counted = AllocationCounter.count {
            let thread = Thread { for _ in 0..<100 { free(malloc(64)) } }
            thread.start()
            while !thread.isFinished { usleep(1000) }
            sink.values.append(thread)
        }
        // Creating the thread allocates a little on this thread; its 100 mallocs are not counted.
        #expect((counted ?? 0) < 100)
    }

    @Test func steadyStatePredictionAllocatesNothing() throws {
        try #require(AllocationCounter.isSupported)
        let classifier = try Classifier(contents: tinyModel())
        let scratch = FeatureScratch()
        let queries = ["play some jazz", "will it rain tomorrow", "Ça va? Crème brûlée!", "", "!!!"]
        for q in queries { _ = classifier.predict(q, scratch: scratch) } // grow the scratch once
        var labels = 0
        for q in queries {
            // Iterating an array allocates in debug builds, so each count covers one query only.
            let counted = AllocationCounter.count {
                for _ in 0..<10 { labels &+= classifier.predict(q, scratch: scratch).labelIndex }
            }
            #expect(counted == 0, "predicting \(q.debugDescription) allocated")
        }
    }

    /// A 2-label model with 2^10 buckets and random weights.
    private func tinyModel() -> ModelContents {
        let features = FeatureConfiguration(bucketBits: 10, useIDF: false)
        let stride = ModelContents.rowStride(forLabels: 2)
        var state: UInt64 = 42
        let weights = (0..<features.bucketCount * stride).map { i -> Float in
            guard i % stride < 2 else { return 0 } // padding columns stay zero
            state = state &* 6_364_136_223_846_793_005 &+ 1 // LCG: deterministic, no Foundation RNG
            return Float(Int64(bitPattern: state >> 11) % 1000) / 1000
        }
        return ModelContents(labels: ["a", "b"], features: features, idf: nil, rowStride: stride,
                             weights: weights, bias: [0, 0], metadata: "{}")
    }
}
