import CICU

/// Where each gram key (field bits 42…, `GramCode`) has its postings in the builder's list of
/// gram lists: open addressing with linear probing on a multiplicative hash. A build looks
/// up every distinct gram of every field of every section here; Dictionary would hash each
/// UInt64 with SipHash, several times the cost of this table's one multiplication.
struct GramTable {
  /// 0 marks an empty slot (no key is 0: a gram's first scalar is not 0).
  private var keys: [UInt64]
  private var places: [Int32]
  private var shift: UInt64
  private(set) var count = 0

  init() {
    keys = [UInt64](repeating: 0, count: 1 << 16)
    places = [Int32](repeating: 0, count: 1 << 16)
    shift = 64 - 16
  }

  /// The place of `key`, or nil when it has none yet.
  func place(of key: UInt64) -> Int32? {
    var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    let mask = keys.count - 1
    while keys[slot] != 0 {
      if keys[slot] == key { return places[slot] }
      slot = (slot + 1) & mask
    }
    return nil
  }

  /// Asks the CPU to fetch the slot where a lookup of `key` starts, ahead of the lookup:
  /// the table is larger than the caches, and a lookup waited for its slot about a third of
  /// the writer's own time.
  func prefetch(_ key: UInt64) {
    let slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    keys.withUnsafeBufferPointer { cicu_prefetch($0.baseAddress! + slot) }
    places.withUnsafeBufferPointer { cicu_prefetch($0.baseAddress! + slot) }
  }

  /// Gives `key` (not in the table) the place `place`.
  mutating func insert(_ key: UInt64, place: Int32) {
    if (count + 1) * 2 > keys.count { grow() }
    var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    let mask = keys.count - 1
    while keys[slot] != 0 { slot = (slot + 1) & mask }
    keys[slot] = key
    places[slot] = place
    count += 1
  }

  private mutating func grow() {
    let (oldKeys, oldPlaces) = (keys, places)
    keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
    places = [Int32](repeating: 0, count: oldKeys.count * 2)
    shift -= 1
    count = 0
    for slot in oldKeys.indices where oldKeys[slot] != 0 { insert(oldKeys[slot], place: oldPlaces[slot]) }
  }
}
