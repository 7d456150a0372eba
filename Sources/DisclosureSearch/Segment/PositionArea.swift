// The positions of a gram postings block (Index/FORMAT.md, "Postings"): each doc's first
// position and the differences between the others, each run bit-packed at one width for the
// block. A table label repeats from report to report in the same words, so a gram's
// positions in one section's labels are often those of the section before it: such a doc
// stores one bit instead, when that makes the block smaller.
//
//     Positions := flags u8 (bit 0: repeats follow), [repeats: ceil(n / 8) bytes],
//                  firstWidth u8, Packed(first position of each doc that does not repeat),
//                  gapWidth u8 (≥ 1 when there are gaps), Packed(later position − the one before − 1, of those docs)

import Foundation

/// Writes and lays out the positions area of a block.
enum PositionArea {
  /// How a block's positions are written: which docs repeat the doc before (none when the
  /// block is smaller without repeats), at which widths, in how many bytes.
  struct Plan {
    var repeats: UInt128 = 0
    var firstWidth = 0
    var gapWidth = 0
    var size = 0
  }

  /// The smaller plan, with repeats or without, for a block of at most 128 docs with
  /// `counts` positions each (at least one), given end to end in `positions` (each doc's
  /// ascending).
  static func plan<Counts: RandomAccessCollection<UInt32>>(_ positions: UnsafeBufferPointer<UInt32>, counts: Counts) -> Plan
  where Counts.Index == Int {
    precondition(counts.count <= PostingsBlock.capacity)
    // The bits of every first and gap (`all`) and of those of the docs that do not repeat
    // (`owned`), and how many of each.
    var (allFirsts, allGaps, ownedFirsts, ownedGaps): (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    var (gapCount, ownedFirstCount, ownedGapCount) = (0, 0, 0)
    var repeats: UInt128 = 0
    var start = 0
    for (doc, count) in counts.enumerated() {
      let end = start + Int(count)
      var gaps: UInt32 = 0
      for index in (start + 1)..<end { gaps |= positions[index] &- positions[index - 1] &- 1 }
      allFirsts |= positions[start]
      allGaps |= gaps
      gapCount += Int(count) - 1
      if doc > 0 && count == counts[doc - 1] && positions[start] == positions[start - Int(count)]
        && (count == 1 || memcmp(positions.baseAddress! + start, positions.baseAddress! + start - Int(count), Int(count) * 4) == 0)
      {
        repeats |= 1 << doc
      } else {
        ownedFirsts |= positions[start]
        ownedGaps |= gaps
        ownedFirstCount += 1
        ownedGapCount += Int(count) - 1
      }
      start = end
    }
    func plan(_ repeats: UInt128, _ firsts: UInt32, _ firstCount: Int, _ gaps: UInt32, _ gapCount: Int) -> Plan {
      let firstWidth = PackedBits.width(of: firsts)
      // At least one bit per gap: a doc's count of positions is then bounded by the area's size.
      let gapWidth = gapCount == 0 ? 0 : max(1, PackedBits.width(of: gaps))
      let size = 3 + (repeats != 0 ? (counts.count + 7) / 8 : 0) + (firstCount * firstWidth + 7) / 8 + (gapCount * gapWidth + 7) / 8
      return Plan(repeats: repeats, firstWidth: firstWidth, gapWidth: gapWidth, size: size)
    }
    let plain = plan(0, allFirsts, counts.count, allGaps, gapCount)
    guard repeats != 0 else { return plain }
    let withRepeats = plan(repeats, ownedFirsts, ownedFirstCount, ownedGaps, ownedGapCount)
    return withRepeats.size < plain.size ? withRepeats : plain
  }

  /// Appends the area `plan` lays out for these positions.
  static func write(_ plan: Plan, _ positions: UnsafeBufferPointer<UInt32>, counts: some RandomAccessCollection<UInt32>, to bytes: inout [UInt8]) {
    bytes.reserveCapacity(bytes.count + plan.size)
    bytes.append(plan.repeats != 0 ? 1 : 0)
    if plan.repeats != 0 {
      for byte in 0..<(counts.count + 7) / 8 { bytes.append(UInt8(truncatingIfNeeded: plan.repeats >> (8 * byte))) }
    }
    bytes.append(UInt8(plan.firstWidth))
    var firsts = BitPacker(width: plan.firstWidth)
    var start = 0
    for (doc, count) in counts.enumerated() {
      if plan.repeats >> doc & 1 == 0 { firsts.append(positions[start], to: &bytes) }
      start += Int(count)
    }
    firsts.flush(to: &bytes)
    bytes.append(UInt8(plan.gapWidth))
    var gaps = BitPacker(width: plan.gapWidth)
    start = 0
    for (doc, count) in counts.enumerated() {
      let end = start + Int(count)
      if plan.repeats >> doc & 1 == 0 {
        for index in (start + 1)..<end { gaps.append(positions[index] &- positions[index - 1] &- 1, to: &bytes) }
      }
      start = end
    }
    gaps.flush(to: &bytes)
  }

  /// Where the parts of an area lie, checked against its size and its block's counts.
  struct Layout {
    var repeatsStart: Int?
    var firstWidth = 0
    var firstsStart = 0
    var gapWidth = 0
    var gapsStart = 0

    /// The area from `start` to `end` of `bytes`, of a block of `size` docs with `counts`.
    init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, counts: UnsafePointer<UInt32>, size: Int) throws(BadPostings) {
      var decoder = PostingsDecoder(bytes, from: start, to: end)
      let flags = try decoder.byte()
      guard flags <= 1 else { throw BadPostings() }
      if flags == 1 {
        repeatsStart = decoder.index
        try decoder.skipBits(size, width: 1)
      }
      // How many firsts and gaps the docs that do not repeat hold; every doc has a position,
      // and a doc that repeats has the count of the doc before it.
      var (firstCount, gapCount) = (0, 0)
      for doc in 0..<size {
        guard counts[doc] >= 1 else { throw BadPostings() }
        if isRepeat(doc, bytes) {
          guard doc > 0, counts[doc] == counts[doc - 1] else { throw BadPostings() }
        } else {
          firstCount += 1
          gapCount += Int(counts[doc]) - 1
        }
      }
      firstWidth = Int(try decoder.byte())
      firstsStart = decoder.index
      try decoder.skipBits(firstCount * firstWidth, width: firstWidth)
      gapWidth = Int(try decoder.byte())
      gapsStart = decoder.index
      guard gapCount == 0 || gapWidth >= 1 else { throw BadPostings() }
      try decoder.skipBits(gapCount * gapWidth, width: gapWidth)
      guard decoder.isAtEnd else { throw BadPostings() }
    }

    /// Whether doc `doc` of the block has the positions of the doc before it.
    @inline(__always)
    func isRepeat(_ doc: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
      guard let repeatsStart else { return false }
      return bytes[repeatsStart + doc / 8] & (1 << UInt8(doc % 8)) != 0
    }
  }
}
