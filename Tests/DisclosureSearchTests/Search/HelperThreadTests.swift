import Foundation
import Synchronization
import XCTest

@testable import DisclosureSearch

final class HelperThreadTests: XCTestCase {
  /// Each job runs both halves once, and `run` returns only after the helper's half is done:
  /// with halves shorter and longer than the spin time (so that the caller waits both ways),
  /// after pauses longer than it (so that the helper is woken from its sleep), and from four
  /// threads at once (so that a caller finds the helper taken and runs both halves itself).
  func testEveryJobRunsBothHalvesBeforeItReturns() {
    let spin = Double(HelperThread.spinTime) / 1e9
    let jobs = 40
    let ran = Mutex([Int](repeating: 0, count: 4 * jobs * 2))
    DispatchQueue.concurrentPerform(iterations: 4) { caller in
      for job in 0..<jobs {
        let slot = (caller * jobs + job) * 2
        let helperHalfDone = Atomic<Bool>(false)
        HelperThread.shared.run(
          {
            if job % 4 == 1 { Thread.sleep(forTimeInterval: 2 * spin) }
            ran.withLock { $0[slot] += 1 }
          },
          alongside: {
            if job % 4 == 2 { Thread.sleep(forTimeInterval: 3 * spin) }
            ran.withLock { $0[slot + 1] += 1 }
            helperHalfDone.store(true, ordering: .releasing)
          })
        XCTAssertTrue(helperHalfDone.load(ordering: .acquiring), "caller \(caller), job \(job)")
        if job % 8 == 3 { Thread.sleep(forTimeInterval: 3 * spin) }
      }
    }
    XCTAssertEqual(ran.withLock { $0 }, [Int](repeating: 1, count: 4 * jobs * 2))
  }
}
