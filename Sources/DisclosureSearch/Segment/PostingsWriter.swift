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
  /// The open block: each doc's gap − 1, count and field length, side by side (a build adds
  /// to tens of thousands of lists in turn, and one array costs one cache miss, not three),
  /// and the positions of its docs end to end.
  private var open: [(gap: UInt32, count: UInt32, length: UInt32)] = []
  private var positions: [UInt32] = []

  init(hasPositions: Bool) { self.hasPositions = hasPositions }

  /// Adds a doc with its count (a word's term frequency, or a gram's number of positions,
  /// given ascending) and the length of the field (for the block's score bounds).
  mutating func add(doc: UInt32, count: UInt32, length: UInt32, positions: UnsafeBufferPointer<UInt32> = UnsafeBufferPointer(start: nil, count: 0)) {
    open.append((UInt32(truncatingIfNeeded: Int64(doc) - lastDoc - 1), count, length))
    if hasPositions { self.positions.append(contentsOf: positions) }
    lastDoc = Int64(doc)
    docCount += 1
    if open.count == PostingsBlock.capacity { finish() }
  }

  /// Adds a doc with its positions (ascending; only their number for a list without
  /// positions) and the length of the field.
  mutating func add(doc: UInt32, positions: [UInt32], length: UInt32) {
    positions.withUnsafeBufferPointer { add(doc: doc, count: UInt32(positions.count), length: length, positions: $0) }
  }

  /// Writes the open block, if any.
  mutating func finish() {
    guard !open.isEmpty else { return }
    let size = open.count
    var gaps: [UInt32] = []
    var counts: [UInt32] = []
    var frontier: [(count: UInt32, length: UInt32)] = []
    gaps.reserveCapacity(size)
    counts.reserveCapacity(size)
    for entry in open {
      gaps.append(entry.gap)
      counts.append(entry.count)
      PostingsBlock.addToFrontier((entry.count, entry.length), &frontier)
    }
    let plan = hasPositions ? Self.area(positions, counts) { PositionArea.plan($0, counts: $1) } : nil
    bytes.append(UInt8(size))
    VarInt.append(UInt32(truncatingIfNeeded: lastDoc - blockLastDoc), to: &bytes)
    if let plan { VarInt.append(UInt32(plan.size), to: &bytes) }
    let bounds = PostingsBlock.capped(frontier)
    bytes.append(UInt8(bounds.count))
    for pair in bounds {
      VarInt.append(pair.count, to: &bytes)
      VarInt.append(pair.length, to: &bytes)
    }
    for values in [gaps, counts.map { $0 - 1 }] {
      let width = PackedBits.width(of: values)
      bytes.append(UInt8(width))
      PackedBits.append(values, width: width, to: &bytes)
    }
    if let plan { Self.area(positions, counts) { PositionArea.write(plan, $0, counts: $1, to: &bytes) } }
    blockLastDoc = lastDoc
    open.removeAll(keepingCapacity: true)
    positions.removeAll(keepingCapacity: true)
  }

  private static func area<T>(_ positions: [UInt32], _ counts: [UInt32], _ body: (UnsafeBufferPointer<UInt32>, UnsafeBufferPointer<UInt32>) -> T) -> T {
    positions.withUnsafeBufferPointer { positions in counts.withUnsafeBufferPointer { body(positions, $0) } }
  }
}
