/// A set of doc or report IDs below a fixed capacity, one bit each: the boolean logic of a
/// query runs as word-wide AND, OR and AND NOT instead of hashing every ID.
struct Bitset: Sendable, Equatable {
  private(set) var words: [UInt64]
  let capacity: Int

  /// An empty set, or with `full`, every ID below `capacity`.
  init(capacity: Int, full: Bool = false) {
    self.capacity = capacity
    words = [UInt64](repeating: full ? ~0 : 0, count: (capacity + 63) / 64)
    if full { clearTail() }
  }

  /// The IDs below `capacity` for which `include` holds.
  init(capacity: Int, where include: (UInt32) -> Bool) {
    self.capacity = capacity
    var words = [UInt64](repeating: 0, count: (capacity + 63) / 64)
    // Set in place: through `insert`, each bit paid for a uniqueness check of the array.
    words.withUnsafeMutableBufferPointer { words in
      for id in 0..<capacity where include(UInt32(id)) { words[id >> 6] |= 1 << UInt64(id & 63) }
    }
    self.words = words
  }

  /// A set of `members` (each below `capacity`).
  init(capacity: Int, members: [UInt32]) {
    self.capacity = capacity
    var words = [UInt64](repeating: 0, count: (capacity + 63) / 64)
    for id in members { words[Int(id >> 6)] |= 1 << UInt64(id & 63) }
    self.words = words
  }

  @inline(__always)
  func contains(_ id: UInt32) -> Bool {
    let index = Int(id >> 6)
    return index < words.count && words[index] & (1 << UInt64(id & 63)) != 0
  }

  @inline(__always)
  mutating func insert(_ id: UInt32) {
    words[Int(id >> 6)] |= 1 << UInt64(id & 63)
  }

  @inline(__always)
  mutating func remove(_ id: UInt32) {
    words[Int(id >> 6)] &= ~(1 << UInt64(id & 63))
  }

  var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

  /// The smallest member at or after `id`, if any.
  func nextMember(atOrAfter id: UInt32) -> UInt32? {
    var index = Int(id >> 6)
    guard index < words.count else { return nil }
    var word = words[index] & (~0 << UInt64(id & 63))
    while word == 0 {
      index += 1
      guard index < words.count else { return nil }
      word = words[index]
    }
    return UInt32(index * 64 + word.trailingZeroBitCount)
  }

  mutating func formUnion(_ other: Bitset) {
    for index in words.indices { words[index] |= other.words[index] }
  }

  mutating func formIntersection(_ other: Bitset) {
    for index in words.indices { words[index] &= other.words[index] }
  }

  mutating func subtract(_ other: Bitset) {
    for index in words.indices { words[index] &= ~other.words[index] }
  }

  /// Removes every member outside `range`.
  mutating func keepOnly(_ range: Range<UInt32>) {
    let (low, high) = (Int(min(range.lowerBound, UInt32(capacity))), Int(min(range.upperBound, UInt32(capacity))))
    guard low < high else { return words.indices.forEach { words[$0] = 0 } }
    for index in 0..<(low >> 6) { words[index] = 0 }
    words[low >> 6] &= ~0 << UInt64(low & 63)
    if high & 63 != 0 { words[high >> 6] &= (1 << UInt64(high & 63)) - 1 }
    for index in ((high + 63) >> 6)..<words.count { words[index] = 0 }
  }

  /// Calls `body` with each member, ascending.
  func forEach(_ body: (UInt32) throws -> Void) rethrows {
    for (index, word) in words.enumerated() {
      var rest = word
      while rest != 0 {
        try body(UInt32(index * 64 + rest.trailingZeroBitCount))
        rest &= rest - 1
      }
    }
  }

  /// The members, ascending.
  var members: [UInt32] {
    var result: [UInt32] = []
    result.reserveCapacity(count)
    forEach { result.append($0) }
    return result
  }

  private mutating func clearTail() {
    let used = capacity % 64
    if used != 0, !words.isEmpty { words[words.count - 1] &= (1 << UInt64(used)) - 1 }
  }
}
