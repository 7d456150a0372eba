import Foundation
import Synchronization

/// The second thread of a search: one thread kept for the process, that spins for a while
/// after each job before it sleeps, and that the calling thread waits for the same way. A
/// spinning thread yields its core at each turn, so that it takes little time from a search
/// that shares the core with it (when another process keeps the other core busy).
///
/// Waking a sleeping thread and being woken by it cost about a tenth of a light query's
/// time here (a futex wake on another virtual CPU, and the wait for it); a query that
/// follows another within `spinTime` finds the thread awake. One job at a time: a search
/// that finds the thread taken by another runs both halves of its work itself.
final class HelperThread: @unchecked Sendable {  // `job` is handed over through `posted` and `completed`
  static let shared = HelperThread()

  /// How long each side spins before it sleeps, in nanoseconds.
  static let spinTime: UInt64 = 1_000_000

  /// Jobs posted and completed so far; whether a caller holds the thread.
  private let posted = Atomic<UInt64>(0)
  private let completed = Atomic<UInt64>(0)
  private let taken = Atomic<Bool>(false)
  /// The posted job: written before `posted` grows, read after.
  private var job: (() -> Void)?
  /// Who sleeps on `condition` (guarded by it).
  private let condition = NSCondition()
  private var helperSleeps = false
  private var callerSleeps = false

  private init() {
    let thread = Thread { [unowned self] in self.serve() }
    thread.name = "dsearch helper"
    thread.stackSize = 8 << 20
    thread.start()
  }

  /// Runs `here` on the calling thread and `there` on the helper at once, and returns when
  /// both are done (in turn on the calling thread when another search holds the helper).
  func run(_ here: () -> Void, alongside there: @escaping () -> Void) {
    guard taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
      here()
      there()
      return
    }
    defer { taken.store(false, ordering: .releasing) }
    job = there
    let number = posted.add(1, ordering: .releasing).newValue
    condition.lock()
    if helperSleeps { condition.broadcast() }
    condition.unlock()
    here()
    wait(sleeping: \.callerSleeps) { completed.load(ordering: .acquiring) == number }
    job = nil
  }

  private func serve() {
    var done: UInt64 = 0
    while true {
      wait(sleeping: \.helperSleeps) { posted.load(ordering: .acquiring) != done }
      done += 1
      job?()
      completed.store(done, ordering: .releasing)
      condition.lock()
      if callerSleeps { condition.broadcast() }
      condition.unlock()
    }
  }

  /// Returns once `ready`: spins for up to `spinTime`, then sleeps on `condition` with
  /// `flag` set (whoever makes it ready wakes a sleeper).
  private func wait(sleeping flag: ReferenceWritableKeyPath<HelperThread, Bool>, until ready: () -> Bool) {
    let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinTime
    while !ready() {
      if DispatchTime.now().uptimeNanoseconds > deadline {
        condition.lock()
        self[keyPath: flag] = true
        while !ready() { condition.wait() }
        self[keyPath: flag] = false
        condition.unlock()
        return
      }
      // Yielding, not pausing: on a machine whose other core is busy, the spinning thread
      // shares its core with the one doing the search, which paused spinning slowed down to
      // 1.8–2.0 ms a query at the p50 (0.4 ms without the spin).
      sched_yield()
    }
  }
}
