// Readers of the postings lists (Index/FORMAT.md, "Postings"):
//
//     WordPostings := (docDelta varint, tf varint)^docCount
//     GramPostings := (docDelta varint, positionCount varint, positionDelta varint^positionCount)^docCount
//
// docDelta is DocID + 1 for the first entry, then the gap to the previous DocID (always > 0).
// The readers work on the memory-mapped bytes and throw `BadPostings` on malformed input;
// the segment turns that into an `IndexFormatError` naming the file.

/// Malformed postings bytes.
struct BadPostings: Error {}

/// Walks a gram postings list doc by doc. The positions of a doc are decoded only when asked
/// for; the cursor skips over them otherwise, so intersecting a rare gram with a common one
/// decodes few positions.
struct GramCursor {
  private var decoder: PostingsDecoder
  /// The current doc and how many positions it has (valid after `next` returned true).
  private(set) var doc: UInt32 = 0
  private(set) var count: UInt32 = 0
  private var positionsPending = false
  private var started = false

  init(_ bytes: UnsafeRawBufferPointer) { decoder = PostingsDecoder(bytes) }

  /// Moves to the next doc; false at the end of the list.
  @inline(__always)
  mutating func next() throws(BadPostings) -> Bool {
    if positionsPending { try decoder.skip(count) }
    guard !decoder.isAtEnd else { return false }
    let delta = try decoder.varint()
    let positions = try decoder.varint()
    guard delta > 0, positions > 0 else { throw BadPostings() }
    if started {
      let (sum, overflow) = doc.addingReportingOverflow(delta)
      guard !overflow else { throw BadPostings() }
      doc = sum
    } else {
      doc = delta - 1
      started = true
    }
    count = positions
    positionsPending = true
    return true
  }

  /// Moves to the first doc at or after `target` (staying put when already there); false at
  /// the end of the list.
  mutating func advance(to target: UInt32) throws(BadPostings) -> Bool {
    if started && doc >= target { return true }
    while try next() {
      if doc >= target { return true }
    }
    return false
  }

  /// The current doc's positions, ascending, into `buffer` (replacing its contents).
  mutating func positions(into buffer: inout PositionBuffer) throws(BadPostings) {
    guard positionsPending else { throw BadPostings() }
    buffer.reserve(Int(count))
    var position: UInt32 = 0
    for slot in 0..<Int(count) {
      position &+= try decoder.varint()
      buffer.base[slot] = position
    }
    buffer.count = Int(count)
    positionsPending = false
  }
}

/// Scratch memory for one doc's positions, reused from doc to doc without the copy-on-write
/// checks of an array in an array. The owner calls `free`.
struct PositionBuffer {
  private(set) var base = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
  private var capacity = 64
  var count = 0

  mutating func reserve(_ wanted: Int) {
    guard wanted > capacity else { return }
    base.deallocate()
    capacity = max(wanted, capacity * 2)
    base = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
  }

  func free() { base.deallocate() }
}

/// Reads word postings.
enum WordPostings {
  /// Each doc with its term frequency, ascending.
  static func decode(_ bytes: UnsafeRawBufferPointer) throws(BadPostings) -> [(doc: UInt32, tf: UInt32)] {
    var decoder = PostingsDecoder(bytes)
    var entries: [(doc: UInt32, tf: UInt32)] = []
    var doc: UInt32 = 0
    var first = true
    while !decoder.isAtEnd {
      let delta = try decoder.varint()
      let tf = try decoder.varint()
      guard delta > 0 else { throw BadPostings() }
      doc = first ? delta - 1 : doc &+ delta
      first = false
      entries.append((doc, tf))
    }
    return entries
  }
}

/// Reads varints from postings bytes, bounds-checked.
struct PostingsDecoder {
  private let bytes: UnsafeRawBufferPointer
  private var index = 0

  init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  var isAtEnd: Bool { index >= bytes.count }

  @inline(__always)
  mutating func varint() throws(BadPostings) -> UInt32 {
    var value: UInt32 = 0
    var shift: UInt32 = 0
    while index < bytes.count, shift < 35 {
      let byte = bytes[index]
      index += 1
      value |= UInt32(byte & 0x7F) << shift
      if byte < 0x80 { return value }
      shift += 7
    }
    throw BadPostings()
  }

  /// Skips `count` varints: each ends at a byte below 0x80.
  @inline(__always)
  mutating func skip(_ count: UInt32) throws(BadPostings) {
    var left = count
    while left > 0 {
      guard index < bytes.count else { throw BadPostings() }
      if bytes[index] < 0x80 { left -= 1 }
      index += 1
    }
  }
}
