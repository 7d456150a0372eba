/// Builds one postings list in the block layout that `PostingsCursor` reads (Index/FORMAT.md,
/// "Postings"). Docs come in ascending order; `finish` writes the last, partial block.
struct PostingsWriter {
  /// The finished blocks.
  private(set) var bytes: [UInt8] = []
  private(set) var docCount: UInt32 = 0
  let hasPositions: Bool
  private var lastDoc: Int64 = -1
  /// The last doc of the last finished block.
  private var blockLastDoc: Int64 = -1
  // The open block: doc gaps − 1, counts − 1, and the positions as varint gaps.
  private var gaps: [UInt32] = []
  private var counts: [UInt32] = []
  private var positions: [UInt8] = []
  // The open block's score bounds: the (count, field length) pairs of its docs that no other
  // doc beats in both (`PostingsBlock.addToFrontier`), count ascending.
  private var frontier: [(count: UInt32, length: UInt32)] = []

  init(hasPositions: Bool) { self.hasPositions = hasPositions }

  /// Adds a doc with its count (a word's term frequency, or a gram's number of positions,
  /// which `writePositions` appends as varint gaps, ascending) and the length of the field
  /// (for the block's score bounds).
  mutating func add(doc: UInt32, count: UInt32, length: UInt32, writePositions: (inout [UInt8]) -> Void = { _ in }) {
    gaps.append(UInt32(truncatingIfNeeded: Int64(doc) - lastDoc - 1))
    counts.append(count - 1)
    PostingsBlock.addToFrontier((count, length), &frontier)
    if hasPositions { writePositions(&positions) }
    lastDoc = Int64(doc)
    docCount += 1
    if gaps.count == PostingsBlock.capacity { finish() }
  }

  /// Writes the open block, if any.
  mutating func finish() {
    guard !gaps.isEmpty else { return }
    bytes.append(UInt8(gaps.count))
    VarInt.append(UInt32(truncatingIfNeeded: lastDoc - blockLastDoc), to: &bytes)
    if hasPositions { VarInt.append(UInt32(positions.count), to: &bytes) }
    let bounds = PostingsBlock.capped(frontier)
    bytes.append(UInt8(bounds.count))
    for pair in bounds {
      VarInt.append(pair.count, to: &bytes)
      VarInt.append(pair.length, to: &bytes)
    }
    for values in [gaps, counts] {
      let width = PackedBits.width(of: values)
      bytes.append(UInt8(width))
      PackedBits.append(values, width: width, to: &bytes)
    }
    bytes.append(contentsOf: positions)
    blockLastDoc = lastDoc
    gaps.removeAll(keepingCapacity: true)
    counts.removeAll(keepingCapacity: true)
    positions.removeAll(keepingCapacity: true)
    frontier.removeAll(keepingCapacity: true)
  }
}
