import Synchronization

/// Arrays of `count` zeros, lent to a search and given back zeroed for the next. A fresh one
/// of a few megabytes is pages the system must fault in and clear at every search: at 50,000
/// reports, about a fifth of the samples of the query `罚` (ranked exhaustively, with an
/// entry per doc). Whoever takes one sets back to zero what it wrote before giving it back; one not
/// given back (a search that threw) is simply dropped.
final class ZeroedArrays<Element: Numeric & Sendable>: Sendable {
  let count: Int
  private let idle = Mutex<[[Element]]>([])
  /// The most arrays kept (one per search running at once).
  private static var kept: Int { 8 }

  init(count: Int) { self.count = count }

  func take() -> [Element] {
    idle.withLock { $0.popLast() } ?? [Element](repeating: 0, count: count)
  }

  func giveBack(_ array: [Element]) {
    precondition(array.count == count)
    idle.withLock { if $0.count < Self.kept { $0.append(array) } }
  }
}
