import CICU

// Postings lists (Index/FORMAT.md, "Postings"): blocks of up to 128 docs. Each block holds
// its doc gaps and counts bit-packed at the narrowest width that fits, and, for gram
// postings, the positions of its docs (`PositionArea`). A block header names the block's last
// doc and byte sizes, so a cursor steps over a whole block without unpacking it, and the
// (count, field length) pairs that bound the BM25 score of any of its docs.
//
//     Postings := Block^ceil(docCount / 128)
//     Block    := n u8, lastDocGap varint, [positionBytes varint], pairCount u8, (count varint, length varint)^pairCount,
//                 gapWidth u8, gaps (n × gapWidth bits), countWidth u8, counts (n × countWidth bits), [Positions]
//
// The readers work on the memory-mapped bytes and throw `BadPostings` on malformed input;
// the segment turns that into an `IndexFormatError` naming the file.

/// Malformed postings bytes.
struct BadPostings: Error {}

/// The postings block layout shared by the writer and the cursor.
enum PostingsBlock {
  static let capacity = 128
  /// At most this many (count, length) pairs bound a block's scores.
  static let boundCapacity = 4

  /// Adds a doc's (count, field length) to the pairs of a block that no other doc beats in
  /// both — as high a count in as short a field (BM25 grows with the one, shrinks with the
  /// other) — kept count ascending, so lengths ascend too. The best score of any doc of the
  /// block is then the best of these pairs, whatever the idf and average length: far tighter
  /// than the largest count with the shortest field, which are often two different docs.
  @inline(__always)
  static func addToFrontier(_ pair: (count: UInt32, length: UInt32), _ frontier: inout [(count: UInt32, length: UInt32)]) {
    var place = 0
    while place < frontier.count && frontier[place].count < pair.count { place += 1 }
    // The first pair of at least this count has the shortest field of those.
    if place < frontier.count && frontier[place].length <= pair.length { return }
    var end = place
    while end < frontier.count && frontier[end].count == pair.count { end += 1 }
    var start = place
    while start > 0 && frontier[start - 1].length >= pair.length { start -= 1 }
    frontier.replaceSubrange(start..<end, with: CollectionOfOne(pair))
  }

  /// At most `capacity` pairs that bound every pair of `frontier`: while there are too
  /// many, the two neighbours of closest counts become one, the higher count in the shorter field.
  static func capped(_ frontier: [(count: UInt32, length: UInt32)], to capacity: Int = boundCapacity) -> [(count: UInt32, length: UInt32)] {
    var pairs = frontier
    while pairs.count > capacity {
      var closest = 0
      for place in 1..<pairs.count - 1
      where UInt64(pairs[place + 1].count) * UInt64(pairs[closest].count) < UInt64(pairs[closest + 1].count) * UInt64(pairs[place].count) {
        closest = place
      }
      pairs[closest] = (pairs[closest + 1].count, pairs[closest].length)
      pairs.remove(at: closest + 1)
    }
    return pairs
  }
}

/// A block's header: where its parts lie, its last doc, and the bounds a ranker needs to tell
/// whether any doc of the block can score high enough to be read.
struct PostingsBlockHeader {
  /// The largest count of the block and the shortest field among its docs.
  var maxCount: UInt32 { boundCount > 0 ? boundCounts[boundCount - 1] : 0 }
  var minLength: UInt32 { boundLengths[0] }

  /// The best of `score` over the block's bounding pairs: at least the score of each of its docs.
  @inline(__always)
  func best(_ score: (_ count: UInt32, _ length: UInt32) -> Double) -> Double {
    var best = score(boundCounts[0], boundLengths[0])
    for pair in 1..<boundCount { best = max(best, score(boundCounts[pair], boundLengths[pair])) }
    return best
  }

  var size = 0
  /// The last doc of the block before (-1 for the first block) and of this one.
  var previousLastDoc: Int64 = -1
  var lastDoc: UInt32 = 0
  /// The pairs that bound the block's scores (`PostingsBlock.addToFrontier`): the first
  /// `boundCount` of `boundCounts` and `boundLengths`.
  var boundCount = 0
  var boundCounts = SIMD4<UInt32>()
  var boundLengths = SIMD4<UInt32>()
  var gapWidth = 0
  var gapsStart = 0
  var countWidth = 0
  var countsStart = 0
  var positionsStart = 0
  var end = 0
}

/// Where every `stride`-th block of a list starts, and the last doc before it, found once by
/// reading every header: a cursor that starts far into a long list (a thread's later runs
/// of a segment) jumps near its first doc instead of reading every header on the way.
struct PostingsSkips: Sendable {
  static let stride = 16
  private(set) var offsets: [Int] = []
  private(set) var previousLastDocs: [Int64] = []

  init() {}

  /// The skip points of the list in `bytes` (none for a list of fewer than two strides).
  init(_ bytes: UnsafeRawBufferPointer, hasPositions: Bool) throws(BadPostings) {
    var (position, previous, blocks) = (0, Int64(-1), 0)
    while let header = try PostingsCursor.header(in: bytes, at: position, after: previous, hasPositions: hasPositions) {
      if blocks > 0 && blocks % Self.stride == 0 {
        offsets.append(position)
        previousLastDocs.append(previous)
      }
      (position, previous, blocks) = (header.end, Int64(header.lastDoc), blocks + 1)
    }
  }

  /// The last skip point whose blocks before it all end before `target`.
  func last(before target: UInt32) -> (offset: Int, previousLastDoc: Int64)? {
    var (low, high) = (0, previousLastDocs.count)  // the first point whose previous last doc reaches target
    while low < high {
      let middle = (low + high) / 2
      if previousLastDocs[middle] < Int64(target) { low = middle + 1 } else { high = middle }
    }
    return low == 0 ? nil : (offsets[low - 1], previousLastDocs[low - 1])
  }
}

/// Walks a postings list doc by doc. Word lists give each doc's term frequency as `count`;
/// gram lists give its number of positions, and the positions themselves on request. Whole
/// blocks are skipped by their headers and positions are decoded only when asked for, so
/// intersecting a rare gram with a common one touches little of the common one; `peek`
/// reads ahead header by header, for rankers that skip blocks by their score bounds.
/// A struct (no reference counting in the inner loops) that owns two small unpacking
/// buffers: its owner calls `free`, or uses `reading`.
struct PostingsCursor {
  private let bytes: UnsafeRawBufferPointer
  private let hasPositions: Bool
  /// Where the next unread header starts, and the last doc of the block before it (-1 before
  /// the first).
  private var nextBlock = 0
  private var previousLastDoc: Int64 = -1
  /// A header read ahead by `peek` and not yet unpacked: the block after the current one.
  private var peeked: PostingsBlockHeader?
  // The current block, unpacked.
  private let docs = UnsafeMutablePointer<UInt32>.allocate(capacity: PostingsBlock.capacity)
  private let counts = UnsafeMutablePointer<UInt32>.allocate(capacity: PostingsBlock.capacity)
  /// Headers from `nextBlock` on that `bound` has read, not yet moved past: the first
  /// `aheadCount` from `aheadStart` of a ring. A ranker bounds range after range, and the
  /// blocks of a common list reach over several ranges.
  private let ahead = UnsafeMutablePointer<PostingsBlockHeader>.allocate(capacity: Self.aheadCapacity)
  private var aheadStart = 0
  private var aheadCount = 0
  private static let aheadCapacity = 8
  private var current = PostingsBlockHeader()
  private var slot = -1
  // The positions area of the current block, laid out when a doc's positions are first
  // asked for; the first slot not yet walked, where the next doc that does not repeat has
  // its first position and gaps, and where the last one walked has them.
  private var positionArea: PositionArea.Layout?
  private var positionSlot = 0
  private var nextOwner = (first: 0, gap: 0)
  private var owner = (first: 0, gap: 0)

  /// The current doc and its count (valid after `next` or `advance` returned true).
  private(set) var doc: UInt32 = 0
  private(set) var count: UInt32 = 0

  private let skips: PostingsSkips

  init(_ bytes: UnsafeRawBufferPointer, hasPositions: Bool, skips: PostingsSkips = PostingsSkips()) {
    self.bytes = bytes
    self.hasPositions = hasPositions
    self.skips = skips
  }

  /// A new cursor over the same list, at its start (its owner frees it too).
  func reopened() -> PostingsCursor { PostingsCursor(bytes, hasPositions: hasPositions, skips: skips) }

  /// Runs `body` with a cursor over `bytes` and frees it after.
  static func reading<T, Failure: Error>(
    _ bytes: UnsafeRawBufferPointer, hasPositions: Bool, _ body: (inout PostingsCursor) throws(Failure) -> T
  ) throws(Failure) -> T {
    var cursor = PostingsCursor(bytes, hasPositions: hasPositions)
    defer { cursor.free() }
    return try body(&cursor)
  }

  func free() {
    docs.deallocate()
    counts.deallocate()
    ahead.deallocate()
  }

  /// Moves to the next doc; false at the end of the list.
  @inline(__always)
  mutating func next() throws(BadPostings) -> Bool {
    slot += 1
    if slot >= current.size {
      guard try loadBlock(skippingBelow: nil) else { return false }
    }
    doc = docs[slot]
    count = counts[slot]
    return true
  }

  /// Calls `body` with each doc and its count from the current one through `last`, a block
  /// at a time, and stops at the first doc after `last`; false when the list ends first.
  @inline(__always)
  mutating func scan<Failure: Error>(
    through last: UInt32, _ body: (_ doc: UInt32, _ count: UInt32) throws(Failure) -> Void
  ) throws -> Bool {
    while true {
      for index in slot..<current.size {
        let next = docs[index]
        guard next <= last else {
          (slot, doc, count) = (index, next, counts[index])
          return true
        }
        try body(next, counts[index])
      }
      guard try loadBlock(skippingBelow: nil) else { return false }
    }
  }

  /// Moves to the first doc at or after `target` (staying put when already there); false at
  /// the end of the list.
  mutating func advance(to target: UInt32) throws(BadPostings) -> Bool {
    if slot >= 0 && slot < current.size && doc >= target { return true }
    if slot < 0 || current.size == 0 || current.lastDoc < target {
      guard try loadBlock(skippingBelow: target) else { return false }
    } else {
      slot += 1
    }
    while docs[slot] < target { slot += 1 }
    doc = docs[slot]
    count = counts[slot]
    return true
  }

  /// The count of `target` when the block unpacked last reaches it: moves on there to the
  /// first doc at or after it and answers its count, or 0 when that is another doc; nil when
  /// the block ends before `target` (nothing is read then).
  @inline(__always)
  mutating func countInCurrentBlock(at target: UInt32) -> UInt32? {
    guard slot >= 0, slot < current.size, current.lastDoc >= target else { return nil }
    while docs[slot] < target { slot += 1 }
    doc = docs[slot]
    count = counts[slot]
    return doc == target ? count : 0
  }

  /// The header of the first block that may hold a doc at or after `target` (the current
  /// block while it does), read without unpacking anything; nil when no doc of the list is
  /// that far. Blocks it steps over are gone: afterwards move on with `advance(to:)` to a
  /// doc at or after `target`, not with `next`.
  mutating func peek(atOrAfter target: UInt32) throws(BadPostings) -> PostingsBlockHeader? {
    if slot >= 0 && slot < current.size && current.lastDoc >= target { return current }
    return try headerAhead(reaching: target)
  }

  /// What the headers of the blocks that may hold docs from `target` through `last` tell of
  /// them: the largest count, the shortest field, and the best `score` of any (nil when no
  /// block may). Like `peek`, it steps over the blocks before `target`; the headers after
  /// the first are read without moving on.
  mutating func bound(
    from target: UInt32, through last: UInt32, score: (_ count: UInt32, _ length: UInt32) -> Double
  ) throws(BadPostings) -> (maxCount: UInt32, minLength: UInt32, score: Double)? {
    guard let first = try peek(atOrAfter: target), first.previousLastDoc < Int64(last) else { return nil }
    var bound = (maxCount: first.maxCount, minLength: first.minLength, score: first.best(score))
    func include(_ header: PostingsBlockHeader) {
      bound = (max(bound.maxCount, header.maxCount), min(bound.minLength, header.minLength), max(bound.score, header.best(score)))
    }
    var reached = first.lastDoc
    // After the current block comes the header read ahead, if any; then the unread ones.
    if reached < last, let peeked, peeked.lastDoc > reached {
      include(peeked)
      reached = peeked.lastDoc
    }
    var (position, previous) = (nextBlock, previousLastDoc)
    var read = 0
    while reached < last {
      let header: PostingsBlockHeader
      if read < aheadCount {
        header = ahead[(aheadStart + read) % Self.aheadCapacity]
      } else {
        guard let parsed = try Self.header(in: bytes, at: position, after: previous, hasPositions: hasPositions) else { break }
        header = parsed
        if aheadCount < Self.aheadCapacity {
          ahead.advanced(by: (aheadStart + aheadCount) % Self.aheadCapacity).initialize(to: header)
          aheadCount += 1
        }
      }
      read += 1
      include(header)
      reached = header.lastDoc
      (position, previous) = (header.end, Int64(header.lastDoc))
    }
    return bound
  }

  /// The header read ahead, or else the first unread one, whose last doc reaches `target`
  /// (kept as the one read ahead); the headers before it are stepped over.
  private mutating func headerAhead(reaching target: UInt32) throws(BadPostings) -> PostingsBlockHeader? {
    if let peeked, peeked.lastDoc >= target { return peeked }
    // Every block before a skip point ends before `target`: jump there when it lies ahead
    // (and drop the headers read ahead, which would lead back).
    if let point = skips.last(before: target), point.offset > nextBlock {
      (nextBlock, previousLastDoc) = point
      aheadCount = 0
    }
    while let header = try readHeader() {
      if header.lastDoc >= target {
        peeked = header
        return header
      }
    }
    peeked = nil
    return nil
  }

  /// The current doc's positions, ascending, into `buffer` (replacing its contents); once
  /// per doc, as the cursor reads on from them.
  mutating func positions(into buffer: inout PositionBuffer) throws(BadPostings) {
    guard hasPositions, slot >= positionSlot else { throw BadPostings() }
    let area: PositionArea.Layout
    if let known = positionArea {
      area = known
    } else {
      area = try PositionArea.Layout(bytes, from: current.positionsStart, to: current.end, counts: counts, size: current.size)
      positionArea = area
    }
    while positionSlot <= slot {
      if !area.isRepeat(positionSlot, bytes) {
        owner = nextOwner
        nextOwner = (nextOwner.first + 1, nextOwner.gap + Int(counts[positionSlot]) - 1)
      }
      positionSlot += 1
    }
    // The layout checked that the area holds every doc's count of positions.
    buffer.reserve(Int(count))
    let output = buffer.base
    var position = PackedBits.value(bytes, at: area.firstsStart, index: owner.first, width: area.firstWidth)
    output[0] = position
    if current.end &+ 8 <= bytes.count {
      // Every 8-byte load from a gap's first byte stays inside the list: no check per gap.
      let width = area.gapWidth
      let mask = (UInt64(1) << UInt64(width)) &- 1
      var bit = area.gapsStart &* 8 &+ owner.gap &* width
      for index in 1..<Int(count) {
        let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self))
        position &+= UInt32(truncatingIfNeeded: word &>> UInt64(bit & 7) & mask) &+ 1
        output[index] = position
        bit &+= width
      }
    } else {
      for index in 1..<Int(count) {
        position &+= PackedBits.value(bytes, at: area.gapsStart, index: owner.gap + index - 1, width: area.gapWidth) &+ 1
        output[index] = position
      }
    }
    buffer.count = Int(count)
  }

  /// The header at `nextBlock`, which it then moves past; nil at the end of the list.
  private mutating func readHeader() throws(BadPostings) -> PostingsBlockHeader? {
    let header: PostingsBlockHeader
    if aheadCount > 0 {
      header = ahead[aheadStart]
      aheadStart = (aheadStart + 1) % Self.aheadCapacity
      aheadCount -= 1
    } else {
      guard let parsed = try Self.header(in: bytes, at: nextBlock, after: previousLastDoc, hasPositions: hasPositions) else { return nil }
      header = parsed
    }
    nextBlock = header.end
    previousLastDoc = Int64(header.lastDoc)
    return header
  }

  /// The header of the block at `start` of `bytes`, the block before which ended at doc
  /// `previousLastDoc`; nil at the end.
  static func header(
    in bytes: UnsafeRawBufferPointer, at start: Int, after previousLastDoc: Int64, hasPositions: Bool
  ) throws(BadPostings) -> PostingsBlockHeader? {
    guard start < bytes.count else { return nil }
    var decoder = PostingsDecoder(bytes, from: start, to: bytes.count)
    var header = PostingsBlockHeader()
    header.size = Int(try decoder.byte())
    let lastGap = try decoder.varint()
    let positionBytes = hasPositions ? Int(try decoder.varint()) : 0
    header.boundCount = Int(try decoder.byte())
    guard header.boundCount >= 1, header.boundCount <= PostingsBlock.boundCapacity else { throw BadPostings() }
    (header.boundCounts, header.boundLengths) = try decoder.pairs(UInt8((1 << header.boundCount) - 1))
    guard header.size >= 1, header.size <= PostingsBlock.capacity, lastGap >= 1 else { throw BadPostings() }
    let lastDoc = previousLastDoc + Int64(lastGap)
    guard lastDoc <= Int64(UInt32.max) else { throw BadPostings() }
    header.previousLastDoc = previousLastDoc
    header.lastDoc = UInt32(lastDoc)
    header.gapWidth = Int(try decoder.byte())
    header.gapsStart = decoder.index
    try decoder.skipBits(header.size * header.gapWidth, width: header.gapWidth)
    header.countWidth = Int(try decoder.byte())
    header.countsStart = decoder.index
    try decoder.skipBits(header.size * header.countWidth, width: header.countWidth)
    header.positionsStart = decoder.index
    guard positionBytes <= bytes.count - header.positionsStart else { throw BadPostings() }
    header.end = header.positionsStart + positionBytes
    // The next header lies past this block's positions: a cache miss when it is read (the
    // first load of a header took half of `header`'s time in a profile) unless asked for now.
    if header.end < bytes.count { cicu_prefetch(bytes.baseAddress! + header.end) }
    return header
  }

  /// Loads the next block, or with `skippingBelow`, the first block whose last doc reaches
  /// it, stepping over the others by their headers; positions the cursor at its first slot.
  private mutating func loadBlock(skippingBelow target: UInt32?) throws(BadPostings) -> Bool {
    let found = try headerAhead(reaching: target ?? 0)
    peeked = nil
    guard let header = found else {
      current.size = 0
      slot = 0
      return false
    }
    // Unpack: gaps are doc − previous doc − 1; counts are count − 1.
    var previous = header.previousLastDoc
    if header.positionsStart + 8 <= bytes.count {
      // Every 8-byte load stays inside the list: no check per value. The arithmetic wraps
      // (no overflow checks: a gap is at most 32 bits, and the sum is checked below), and
      // the buffers are held in locals (the compiler reloaded them after every store).
      let (docs, counts) = (docs, counts)
      PackedBits.unpack(bytes, at: header.gapsStart, count: header.size, width: header.gapWidth, into: docs)
      PackedBits.unpack(bytes, at: header.countsStart, count: header.size, width: header.countWidth, into: counts)
      for index in 0..<header.size {
        previous &+= Int64(docs[index]) &+ 1
        docs[index] = UInt32(truncatingIfNeeded: previous)
        counts[index] &+= 1
      }
    } else {
      for index in 0..<header.size {
        previous += Int64(PackedBits.value(bytes, at: header.gapsStart, index: index, width: header.gapWidth)) + 1
        docs[index] = UInt32(truncatingIfNeeded: previous)
        counts[index] = PackedBits.value(bytes, at: header.countsStart, index: index, width: header.countWidth) &+ 1
      }
    }
    guard previous == Int64(header.lastDoc) else { throw BadPostings() }
    current = header
    slot = 0
    positionArea = nil
    positionSlot = 0
    nextOwner = (0, 0)
    return true
  }
}

/// Values of `width` bits packed least significant bit first.
enum PackedBits {
  /// The `count` values of a run that starts at byte `start`, into `output`; the caller
  /// guarantees eight readable bytes from the byte of every value (no check per value).
  /// A width of up to 16 bits, the widths of nearly every block, is made a constant of its
  /// own copy of the loop: eight values take `width` bytes, so with the width known each
  /// value's load offset and shift in a group of eight are constants (with the width in a
  /// variable, each value's shift waited on the bit offset before it).
  static func unpack(_ bytes: UnsafeRawBufferPointer, at start: Int, count: Int, width: Int, into output: UnsafeMutablePointer<UInt32>) {
    switch width {
    case 0: output.update(repeating: 0, count: count)
    case 1: unpack(bytes, at: start, count: count, constantWidth: 1, into: output)
    case 2: unpack(bytes, at: start, count: count, constantWidth: 2, into: output)
    case 3: unpack(bytes, at: start, count: count, constantWidth: 3, into: output)
    case 4: unpack(bytes, at: start, count: count, constantWidth: 4, into: output)
    case 5: unpack(bytes, at: start, count: count, constantWidth: 5, into: output)
    case 6: unpack(bytes, at: start, count: count, constantWidth: 6, into: output)
    case 7: unpack(bytes, at: start, count: count, constantWidth: 7, into: output)
    case 8: unpack(bytes, at: start, count: count, constantWidth: 8, into: output)
    case 9: unpack(bytes, at: start, count: count, constantWidth: 9, into: output)
    case 10: unpack(bytes, at: start, count: count, constantWidth: 10, into: output)
    case 11: unpack(bytes, at: start, count: count, constantWidth: 11, into: output)
    case 12: unpack(bytes, at: start, count: count, constantWidth: 12, into: output)
    case 13: unpack(bytes, at: start, count: count, constantWidth: 13, into: output)
    case 14: unpack(bytes, at: start, count: count, constantWidth: 14, into: output)
    case 15: unpack(bytes, at: start, count: count, constantWidth: 15, into: output)
    case 16: unpack(bytes, at: start, count: count, constantWidth: 16, into: output)
    default: unpack(bytes, at: start, count: count, constantWidth: width, into: output)
    }
  }

  @inline(__always)
  private static func unpack(
    _ bytes: UnsafeRawBufferPointer, at start: Int, count: Int, constantWidth width: Int, into output: UnsafeMutablePointer<UInt32>
  ) {
    let mask = (UInt64(1) << UInt64(width)) &- 1
    var index = 0
    var group = start
    while index &+ 8 <= count {
      for lane in 0..<8 {
        let bit = lane &* width
        let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: group &+ bit &>> 3, as: UInt64.self))
        output[index &+ lane] = UInt32(truncatingIfNeeded: word &>> UInt64(bit & 7) & mask)
      }
      group &+= width
      index &+= 8
    }
    var bit = group &* 8
    while index < count {
      let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: bit &>> 3, as: UInt64.self))
      output[index] = UInt32(truncatingIfNeeded: word &>> UInt64(bit & 7) & mask)
      bit &+= width
      index &+= 1
    }
  }

  /// The value at `index` of a run that starts at byte `start` (bounds checked by the caller
  /// with `PostingsDecoder.skipBits`).
  @inline(__always)
  static func value(_ bytes: UnsafeRawBufferPointer, at start: Int, index: Int, width: Int) -> UInt32 {
    guard width > 0 else { return 0 }
    let bit = index * width
    let first = start + bit >> 3
    var word: UInt64 = 0
    if first + 8 <= bytes.count {
      word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: first, as: UInt64.self))
    } else {
      for offset in 0..<min(8, bytes.count - first) { word |= UInt64(bytes[first + offset]) << (8 * UInt64(offset)) }
    }
    return UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & ((1 << UInt64(width)) - 1))
  }

  /// The narrowest width that holds every value whose bits are or-ed in `bits`.
  static func width(of bits: UInt32) -> Int { UInt32.bitWidth - bits.leadingZeroBitCount }

  /// Appends `values` packed at `width` bits each.
  static func append(_ values: some Sequence<UInt32>, width: Int, to bytes: inout [UInt8]) {
    var packer = BitPacker(width: width)
    for value in values { packer.append(value, to: &bytes) }
    packer.flush(to: &bytes)
  }
}

/// Appends values of `width` bits to bytes, least significant bit first (`PackedBits`).
struct BitPacker {
  let width: Int
  private var accumulator: UInt64 = 0
  private var filled = 0

  init(width: Int) { self.width = width }

  /// Appends `value` (of at most `width` bits); whole bytes go out four at a time.
  @inline(__always)
  mutating func append(_ value: UInt32, to bytes: inout [UInt8]) {
    accumulator |= UInt64(value) << UInt64(filled)  // fewer than 32 bits are held before
    filled += width
    if filled >= 32 {
      withUnsafeBytes(of: UInt32(truncatingIfNeeded: accumulator).littleEndian) { bytes.append(contentsOf: $0) }
      accumulator >>= 32
      filled -= 32
    }
  }

  /// Appends the bits held, the last byte partial.
  mutating func flush(to bytes: inout [UInt8]) {
    while filled > 0 {
      bytes.append(UInt8(truncatingIfNeeded: accumulator))
      accumulator >>= 8
      filled -= 8
    }
    (accumulator, filled) = (0, 0)
  }
}

/// Reads bytes and varints from postings, bounds-checked.
struct PostingsDecoder {
  private let bytes: UnsafeRawBufferPointer
  private(set) var index: Int
  private let end: Int

  init(_ bytes: UnsafeRawBufferPointer, from start: Int = 0, to end: Int? = nil) {
    self.bytes = bytes
    index = start
    self.end = min(end ?? bytes.count, bytes.count)
  }

  var isAtEnd: Bool { index == end }

  @inline(__always)
  mutating func byte() throws(BadPostings) -> UInt8 {
    guard index < end else { throw BadPostings() }
    defer { index += 1 }
    return bytes[index]
  }

  @inline(__always)
  mutating func varint() throws(BadPostings) -> UInt32 {
    var value: UInt32 = 0
    var shift: UInt32 = 0
    while index < end, shift < 35 {
      let byte = bytes[index]
      index += 1
      value |= UInt32(byte & 0x7F) << shift
      if byte < 0x80 { return value }
      shift += 7
    }
    throw BadPostings()
  }

  /// A pair of varints, a count and a length, for each of bits 0–3 set in `lanes`, in order;
  /// the other lanes are 0. A count is at least 1: each pair stands for docs that hold a term.
  /// The vectors are built from scalars: setting one lane of a vector in memory and loading
  /// the vector back stalls until the store lands (store forwarding fails), which took about
  /// a third of the time of reading block headers and three quarters of reading bound ranges.
  @inline(__always)
  mutating func pairs(_ lanes: UInt8) throws(BadPostings) -> (counts: SIMD4<UInt32>, lengths: SIMD4<UInt32>) {
    let (count0, length0) = try pair(if: lanes & 1 != 0)
    let (count1, length1) = try pair(if: lanes & 2 != 0)
    let (count2, length2) = try pair(if: lanes & 4 != 0)
    let (count3, length3) = try pair(if: lanes & 8 != 0)
    return (SIMD4(count0, count1, count2, count3), SIMD4(length0, length1, length2, length3))
  }

  @inline(__always)
  private mutating func pair(if present: Bool) throws(BadPostings) -> (UInt32, UInt32) {
    guard present else { return (0, 0) }
    let count = try varint()
    guard count > 0 else { throw BadPostings() }
    return (count, try varint())
  }

  /// Skips a packed run of `bits` bits of `width`-bit values.
  mutating func skipBits(_ bits: Int, width: Int) throws(BadPostings) {
    guard width <= 32 else { throw BadPostings() }
    let length = (bits + 7) / 8
    guard length <= end - index else { throw BadPostings() }
    index += length
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
