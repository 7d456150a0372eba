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
    var (gapBits, countBits): (UInt32, UInt32) = (0, 0)
    var frontier: [(count: UInt32, length: UInt32)] = []
    for entry in open {
      gapBits |= entry.gap
      countBits |= entry.count - 1
      PostingsBlock.addToFrontier((entry.count, entry.length), &frontier)
    }
    // The docs' counts side by side for the positions area (read through a lazy map of the
    // open block, each count was a call to a key-path closure).
    let counts = open.map { $0.count }
    let plan = hasPositions ? positions.withUnsafeBufferPointer { PositionArea.plan($0, counts: counts) } : nil
    bytes.append(UInt8(open.count))
    VarInt.append(UInt32(truncatingIfNeeded: lastDoc - blockLastDoc), to: &bytes)
    if let plan { VarInt.append(UInt32(plan.size), to: &bytes) }
    let bounds = PostingsBlock.capped(frontier)
    bytes.append(UInt8(bounds.count))
    for pair in bounds {
      VarInt.append(pair.count, to: &bytes)
      VarInt.append(pair.length, to: &bytes)
    }
    // Each run's width, then the run.
    func pack(_ values: some Sequence<UInt32>, _ bits: UInt32) {
      let width = PackedBits.width(of: bits)
      bytes.append(UInt8(width))
      PackedBits.append(values, width: width, to: &bytes)
    }
    pack(open.lazy.map(\.gap), gapBits)
    pack(open.lazy.map { $0.count - 1 }, countBits)
    if let plan { positions.withUnsafeBufferPointer { PositionArea.write(plan, $0, counts: counts, to: &bytes) } }
    blockLastDoc = lastDoc
    open.removeAll(keepingCapacity: true)
    positions.removeAll(keepingCapacity: true)
  }
}
