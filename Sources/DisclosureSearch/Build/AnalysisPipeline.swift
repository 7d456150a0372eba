import Foundation

/// Which file a worker may start next. Files start in path order, at most `window` ahead of
/// the writer (what analysis makes of a file waits in memory until the writer takes it in).
/// A large file (`CorpusIndexer.largeFileSize` or more: what analysis makes of it is about 25
/// times its size) starts only once the writer has taken in every file before it, and no
/// file after it starts before the writer has taken it in: two in flight at once could pass
/// 2 GB.
struct AnalysisSchedule {
  private let sizes: [Int]
  private let window: Int
  /// The next file to start, and how many the writer has taken in.
  private(set) var next = 0
  private(set) var takenIn = 0
  /// The last large file started.
  private var lastLarge = -1

  init(sizes: [Int], window: Int) {
    self.sizes = sizes
    self.window = max(1, window)
  }

  var allStarted: Bool { next == sizes.count }

  /// Starts the next file if it may start now; nil when it must wait for the writer (or
  /// every file has started).
  mutating func start() -> Int? {
    guard next < sizes.count, next < takenIn + window, lastLarge < takenIn else { return nil }
    if sizes[next] >= CorpusIndexer.largeFileSize {
      guard takenIn == next else { return nil }
      lastLarge = next
    }
    next += 1
    return next - 1
  }

  /// The writer has taken in one more file.
  mutating func tookIn() { takenIn += 1 }
}

/// Files analyzed by worker threads and taken in by one writer in path order, as
/// `AnalysisSchedule` lets them start. Workers take the next file as soon as they are done
/// with one (files differ in cost: a page of HTML takes several times a text file), and run
/// ahead of the writer rather than waiting for it at the end of a batch.
final class AnalysisPipeline<Result: Sendable>: @unchecked Sendable {  // its state is guarded by `condition`
  private let condition = NSCondition()
  private var schedule: AnalysisSchedule
  private var results: [Result?]

  init(schedule: AnalysisSchedule, count: Int) {
    self.schedule = schedule
    results = Array(repeating: nil, count: count)
  }

  /// The next file for a worker, once it may start; nil when every file has started.
  func nextFile() -> Int? {
    condition.lock()
    defer { condition.unlock() }
    while !schedule.allStarted {
      if let index = schedule.start() { return index }
      condition.wait()
    }
    return nil
  }

  /// A worker's result for file `index`.
  func finish(_ index: Int, _ result: Result) {
    condition.lock()
    results[index] = result
    condition.broadcast()
    condition.unlock()
  }

  /// The result for file `index`, once a worker has finished it (the writer takes files in
  /// order; the file it waits for can always start, so this never waits forever).
  func take(_ index: Int) -> Result {
    condition.lock()
    defer { condition.unlock() }
    while true {
      if let result = results[index] {
        results[index] = nil
        return result
      }
      condition.wait()
    }
  }

  /// The writer is done with one more file: later files may start.
  func tookIn() {
    condition.lock()
    schedule.tookIn()
    condition.broadcast()
    condition.unlock()
  }
}
