import CICU
import Foundation

/// Numbers distinct byte strings (words, stretches of text) in the order they first come:
/// the n-th new key gets number n. The keys lie end to end in one array; the table is open
/// addressing with linear probing on a multiply-xor hash of eight bytes at a time.
///
/// Analysis and the index builder look up every word of every field: a Dictionary keyed by
/// a slice hashes each key with SipHash through a `Hasher` and retains the slice's storage,
/// which took about 6 % of a build's time. A caller that looks a key up in several tables
/// computes its `hash` once.
struct ByteStringTable {
  /// The keys end to end; key n ends at `ends[n]`.
  private var storage: [UInt8] = []
  private var ends: [Int] = []
  private var hashes: [UInt64] = []
  /// Per slot, the low 32 bits of the key's hash above its number + 1 (0 is empty): a probe
  /// compares the hash without reading `hashes`, one cache miss fewer per lookup.
  private var slots = [UInt64](repeating: 0, count: 64)
  private var shift: UInt64 = 64 - 6

  var count: Int { ends.count }

  /// Key `number`'s bytes.
  subscript(number: Int) -> ArraySlice<UInt8> { storage[range(of: number)] }

  /// Where key `number`'s bytes lie in `withKeyBytes`.
  func range(of number: Int) -> Range<Int> { (number == 0 ? 0 : ends[number - 1])..<ends[number] }

  /// Calls `body` with every key's bytes, end to end.
  func withKeyBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
    try storage.withUnsafeBytes(body)
  }

  /// Key `number`'s hash.
  func hash(of number: Int) -> UInt64 { hashes[number] }

  static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
    var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
    var offset = 0
    while offset + 8 <= key.count {
      hash = (hash ^ key.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
      hash ^= hash >> 31
      offset += 8
    }
    if offset < key.count {
      var tail: UInt64 = 0
      for index in offset..<key.count { tail = tail << 8 | UInt64(key[index]) }
      hash = (hash ^ tail) &* 0xBF58_476D_1CE4_E5B9
    }
    // Murmur3's finalizer: every input bit reaches the top bits, which pick the slot.
    hash ^= hash >> 33
    hash &*= 0xFF51_AFD7_ED55_8CCD
    hash ^= hash >> 33
    return hash
  }

  /// The number of `key` (whose hash is `hash`), or nil when it has none.
  func number(of key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
    let mask = slots.count - 1
    let tag = Self.tag(hash)
    var slot = Int(truncatingIfNeeded: hash >> shift)
    while slots[slot] != 0 {
      let number = Self.number(inSlot: slots[slot])
      if slots[slot] >> 32 == tag && matches(number, key) { return number }
      slot = (slot + 1) & mask
    }
    return nil
  }

  /// Fetches into the cache the slot where a lookup of a key with this hash starts.
  func prefetch(hash: UInt64) {
    slots.withUnsafeBufferPointer { cicu_prefetch($0.baseAddress! + Int(truncatingIfNeeded: hash >> shift)) }
  }

  /// The number of `key`, given the next number first when it has none (`inserted`).
  mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64) -> (number: Int, inserted: Bool) {
    let mask = slots.count - 1
    let tag = Self.tag(hash)
    var slot = Int(truncatingIfNeeded: hash >> shift)
    while slots[slot] != 0 {
      let number = Self.number(inSlot: slots[slot])
      if slots[slot] >> 32 == tag && matches(number, key) { return (number, false) }
      slot = (slot + 1) & mask
    }
    let number = ends.count
    storage.append(contentsOf: key)
    ends.append(storage.count)
    hashes.append(hash)
    slots[slot] = tag << 32 | UInt64(number + 1)
    if 2 * ends.count > slots.count { grow() }
    return (number, true)
  }

  mutating func removeAll() {
    self = ByteStringTable()
  }

  private func matches(_ number: Int, _ key: UnsafeRawBufferPointer) -> Bool {
    let start = number == 0 ? 0 : ends[number - 1]
    guard ends[number] - start == key.count else { return false }
    return storage.withUnsafeBytes { stored in
      key.isEmpty || memcmp(stored.baseAddress! + start, key.baseAddress!, key.count) == 0
    }
  }

  private mutating func grow() {
    slots = [UInt64](repeating: 0, count: slots.count * 2)
    shift -= 1
    let mask = slots.count - 1
    for (number, hash) in hashes.enumerated() {
      var slot = Int(truncatingIfNeeded: hash >> shift)
      while slots[slot] != 0 { slot = (slot + 1) & mask }
      slots[slot] = Self.tag(hash) << 32 | UInt64(number + 1)
    }
  }

  /// The hash bits a slot keeps (the low ones: the slot is picked by the high ones).
  @inline(__always)
  private static func tag(_ hash: UInt64) -> UInt64 { hash & 0xFFFF_FFFF }

  /// The key number a (filled) slot holds.
  @inline(__always)
  private static func number(inSlot entry: UInt64) -> Int { Int(entry & 0xFFFF_FFFF) - 1 }
}

/// A value for each byte-string key: the keys numbered by a `ByteStringTable`, the values in
/// an array by number. A caller that keys by a text's bytes computes the hash once for the
/// lookup and the insertion.
struct ByteStringMap<Value> {
  private var keys = ByteStringTable()
  private var values: [Value] = []

  var count: Int { values.count }

  func value(for key: UnsafeRawBufferPointer, hash: UInt64) -> Value? {
    keys.number(of: key, hash: hash).map { values[$0] }
  }

  /// Gives `key` the value `value`, unless it has one already (the first value stays).
  mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, value: @autoclosure () -> Value) {
    if keys.insert(key, hash: hash).inserted { values.append(value()) }
  }

  /// Fetches into the cache the slot where a lookup of a key with this hash starts
  /// (`mutating` only so that a class's stored map is accessed in place, not copied with a
  /// retain of each of its arrays).
  mutating func prefetch(hash: UInt64) { keys.prefetch(hash: hash) }

  /// The value of `key`, made by `make` and kept when it has none (a memo's lookup).
  mutating func value(for key: UnsafeRawBufferPointer, orAdding make: () throws -> Value) rethrows -> Value {
    try value(for: key, hash: ByteStringTable.hash(key), orAdding: make)
  }

  /// The same, for a key whose hash is `hash`.
  mutating func value(for key: UnsafeRawBufferPointer, hash: UInt64, orAdding make: () throws -> Value) rethrows -> Value {
    if let known = value(for: key, hash: hash) { return known }
    let made = try make()
    insert(key, hash: hash, value: made)
    return made
  }

  mutating func removeAll() { self = ByteStringMap() }
}

extension ByteStringMap: Sendable where Value: Sendable {}
