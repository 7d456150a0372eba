/// Bounds of whole sections for the segment's common grams (block `sectionBounds`, Index/FORMAT.md).
///
/// A postings block bounds one field's scores. A part's range bound adds those of its fields,
/// and the best label and the best body of a range are mostly two different sections: a
/// template label such as 行政处罚 sits in the table of every report and in the prose of
/// some, so the sum lets nearly every range through to be read doc by doc, where no section
/// beats the k-th best. Per common gram and aligned range of docs, this table keeps what each
/// section holds across the fields together — its count of the gram and its length in every
/// field holding it — reduced to a few entries that bound every section of the range, apart
/// for each section number (a group): a query's parts mostly score best in different sections
/// of the template, and a range's bound adds up the parts' best entries group by group.
enum SectionBounds {
  /// Ranges are `1 << rangeShift` docs, aligned: range r holds docs r << rangeShift ..<
  /// (r + 1) << rangeShift.
  static let rangeShift = 9
  /// A gram has a table when its lists, over all fields, name at least this share of the
  /// segment's docs (counted once per field), and `minimumDocs`: the lists a ranker spends
  /// its time in (a small segment is ranked quickly without).
  static let minimumShare = 8
  static let minimumDocs = 256
  /// At most this many entries bound the sections of a group that hold the gram in one
  /// field only.
  static let pairCapacity = 2
  /// Sections are bounded in groups of one section number (those past 15 share the last;
  /// a ranker keeps a bound per group in a `SIMD16`). The parts of a query mostly score best
  /// in different sections of the template (the labels of 三 hold 政府信息 five times, the
  /// heading of 二 holds 主动公开): added up across groups, the best of each part bounded a
  /// section that does not exist, and `主动公开 政府信息` stepped over no range.
  static let groupCount = 16

  static func group(ofSection number: Int) -> UInt8 { UInt8(min(max(number, 0), groupCount - 1)) }

  /// What a gram's lists name in one range: for each field, the doc's count (0 when absent)
  /// and the field's length.
  struct Entry: Equatable {
    var counts = SIMD4<UInt32>()
    var lengths = SIMD4<UInt32>()
    /// The section number of the sections bounded (`group(ofSection:)`).
    var group: UInt8 = 0

    var mask: Int {
      var mask = 0
      for field in 0..<4 where counts[field] > 0 { mask |= 1 << field }
      return mask
    }

    /// Whether every section this entry bounds is bounded by `other`: of the same group, and
    /// in every field where this one counts, the other counts at least as often in a field
    /// no longer.
    func isBounded(by other: Entry) -> Bool {
      guard group == other.group else { return false }
      for field in 0..<4 where counts[field] > 0 {
        guard other.counts[field] >= counts[field], other.lengths[field] <= lengths[field] else { return false }
      }
      return true
    }
  }

  /// The entries that bound the sections of one range (`docs`: each doc's counts, lengths
  /// and group), group by group in ascending order.
  static func entries(_ docs: [Entry]) -> [Entry] {
    var groups = [[Entry]](repeating: [], count: groupCount)
    for doc in docs { groups[Int(doc.group)].append(doc) }
    return groups.flatMap(groupEntries)
  }

  /// The entries that bound sections of one group. Sections holding the gram in one field
  /// keep that field's frontier of (count, length) pairs (`PostingsBlock.addToFrontier`,
  /// capped at `pairCapacity`); those holding it in several keep, per set of fields, the
  /// sections no other beats in every field (`addToFrontier`, capped at `combinedCapacity`);
  /// an entry bounded by another is dropped.
  private static func groupEntries(_ docs: [Entry]) -> [Entry] {
    guard let group = docs.first?.group else { return [] }
    var frontiers = [[(count: UInt32, length: UInt32)]](repeating: [], count: 4)
    var combined = [[Entry]](repeating: [], count: 16)
    for doc in docs {
      let mask = doc.mask
      if mask.nonzeroBitCount == 1 {
        let field = mask.trailingZeroBitCount
        PostingsBlock.addToFrontier((doc.counts[field], doc.lengths[field]), &frontiers[field])
      } else if mask != 0 {
        addToFrontier(doc, &combined[mask])
        // Capped as it grows too, so that sections none of which bounds another cost no
        // more than a few times the capacity each.
        if combined[mask].count > 4 * combinedCapacity { combined[mask] = capped(combined[mask], to: combinedCapacity) }
      }
    }
    var entries: [Entry] = []
    for (field, frontier) in frontiers.enumerated() {
      for pair in PostingsBlock.capped(frontier, to: pairCapacity) {
        var entry = Entry(group: group)
        entry.counts[field] = pair.count
        entry.lengths[field] = pair.length
        entries.append(entry)
      }
    }
    for frontier in combined { entries += capped(frontier, to: combinedCapacity) }
    // Drop each entry that another bounds (of two equal entries, the later).
    return entries.indices.filter { index in
      !entries.indices.contains { other in
        other != index && entries[index].isBounded(by: entries[other]) && (!entries[other].isBounded(by: entries[index]) || other < index)
      }
    }.map { entries[$0] }
  }

  /// At most this many entries bound the sections of a group that hold the gram in one set
  /// of two fields or more. A template section holds the same heading and labels in every
  /// report and prose of its own: one entry of the largest counts and the shortest fields
  /// takes the shortest prose of one report with the most counts of another, and lets
  /// through ranges where no section can beat the template's score.
  static let combinedCapacity = 8

  /// Adds `entry` to the entries (of one group and mask) that no other bounds.
  private static func addToFrontier(_ entry: Entry, _ frontier: inout [Entry]) {
    guard !frontier.contains(where: { entry.isBounded(by: $0) }) else { return }
    frontier.removeAll { $0.isBounded(by: entry) }
    frontier.append(entry)
  }

  /// At most `capacity` entries that bound every entry of `frontier` (of one group and
  /// mask): while there are too many, the two closest (by the ratios of their counts and
  /// lengths, field by field) become one, the higher counts in the shorter fields.
  private static func capped(_ frontier: [Entry], to capacity: Int) -> [Entry] {
    var entries = frontier
    func distance(_ a: Entry, _ b: Entry) -> Double {
      var distance = 1.0
      for field in 0..<4 where a.counts[field] > 0 {
        let counts = (Double(a.counts[field]), Double(b.counts[field]))
        let lengths = (Double(a.lengths[field]), Double(b.lengths[field]))
        distance *= max(counts.0, counts.1) / min(counts.0, counts.1) * max(lengths.0, lengths.1) / min(lengths.0, lengths.1)
      }
      return distance
    }
    while entries.count > capacity {
      var closest = (0, 1, Double.infinity)
      for first in entries.indices {
        for second in entries.indices where second > first {
          let distance = distance(entries[first], entries[second])
          if distance < closest.2 { closest = (first, second, distance) }
        }
      }
      entries[closest.0].counts = pointwiseMax(entries[closest.0].counts, entries[closest.1].counts)
      entries[closest.0].lengths = pointwiseMin(entries[closest.0].lengths, entries[closest.1].lengths)
      entries.remove(at: closest.1)
    }
    return entries
  }

  /// The most entries a range may hold: per group, the frontiers' pairs and the entries of
  /// each set of two fields or more.
  static let maximumEntries = groupCount * (4 * pairCapacity + 11 * combinedCapacity)

  /// A gram's table: the offset of every `checkpointStride`-th range from the end of these
  /// offsets (`u32` each), then for each range of a segment of `docCount` docs,
  /// `entryCount varint` then each entry as `group << 4 | mask` in a byte (mask bit f:
  /// field f holds the gram) and `(count varint, length varint)` for each field of the mask
  /// in field order. `lists` are the gram's lists, each with its field, docs (ascending) and
  /// counts; `fieldLengths` holds each doc's four field lengths in turn, `groups` each
  /// doc's group.
  static func encode(lists: [(field: Int, docs: [UInt32], counts: [UInt32])], fieldLengths: [UInt32], groups: [UInt8]) -> [UInt8] {
    let docCount = fieldLengths.count / 4
    var bytes: [UInt8] = []
    var next = [Int](repeating: 0, count: lists.count)
    let size = 1 << rangeShift
    var slots = [Int](repeating: -1, count: size)
    var docs: [Entry] = []
    var touched: [Int] = []
    var checkpoints: [UInt8] = []
    for range in 0..<rangeCount(docCount: docCount) {
      if range % checkpointStride == 0 { withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { checkpoints += $0 } }
      let end = UInt32(min(docCount, (range + 1) * size))
      docs.removeAll(keepingCapacity: true)
      touched.removeAll(keepingCapacity: true)
      for (number, list) in lists.enumerated() {
        while next[number] < list.docs.count, list.docs[next[number]] < end {
          let doc = list.docs[next[number]]
          let offset = Int(doc) & (size - 1)
          if slots[offset] < 0 {
            slots[offset] = docs.count
            docs.append(Entry(group: groups[Int(doc)]))
            touched.append(offset)
          }
          docs[slots[offset]].counts[list.field] = list.counts[next[number]]
          docs[slots[offset]].lengths[list.field] = fieldLengths[Int(doc) * 4 + list.field]
          next[number] += 1
        }
      }
      for offset in touched { slots[offset] = -1 }
      let entries = entries(docs)
      VarInt.append(UInt32(entries.count), to: &bytes)
      for entry in entries {
        bytes.append(entry.group << 4 | UInt8(entry.mask))
        for field in 0..<4 where entry.counts[field] > 0 {
          VarInt.append(entry.counts[field], to: &bytes)
          VarInt.append(entry.lengths[field], to: &bytes)
        }
      }
    }
    return checkpoints + bytes
  }

  /// A table keeps the offset of every this many ranges: a ranker's thread asks for the
  /// ranges of its runs, and reading every range between them (those of the other thread's
  /// runs, or of lists it stepped over) cost `"政府信息公开工作"` a fifth of its time.
  static let checkpointStride = 16

  static func checkpointCount(rangeCount: Int) -> Int { (rangeCount + checkpointStride - 1) / checkpointStride }

  static func rangeCount(docCount: Int) -> Int { (docCount + (1 << rangeShift) - 1) >> rangeShift }

  /// A gram's table, read in place range by range: a ranker asks for ranges in ascending
  /// order, so the cursor stays at the first range of the last request and decodes from
  /// there, or from the checkpoint before a range further on (a whole table decoded for
  /// each search cost a tenth of a light query).
  struct Cursor {
    /// The checkpoints' offsets, and the ranges they point into.
    private let checkpoints: UnsafeRawBufferPointer
    private let ranges: UnsafeRawBufferPointer
    let rangeCount: Int
    /// At the start of range `range`.
    private var decoder: PostingsDecoder
    private var range = 0

    init(_ bytes: UnsafeRawBufferPointer, docCount: Int) {
      rangeCount = SectionBounds.rangeCount(docCount: docCount)
      let split = min(bytes.count, 4 * checkpointCount(rangeCount: rangeCount))
      checkpoints = UnsafeRawBufferPointer(rebasing: bytes[..<split])
      ranges = UnsafeRawBufferPointer(rebasing: bytes[split...])
      decoder = PostingsDecoder(ranges)
    }

    /// Where range `number × checkpointStride` starts.
    private func checkpoint(_ number: Int) throws(BadPostings) -> Int {
      guard 4 * number + 4 <= checkpoints.count else { throw BadPostings() }
      let offset = Int(UInt32(littleEndian: checkpoints.loadUnaligned(fromByteOffset: 4 * number, as: UInt32.self)))
      guard offset <= ranges.count else { throw BadPostings() }
      return offset
    }

    /// Calls `body` with each entry of the range the decoder is at, and moves past them.
    private mutating func readRange(
      _ body: (_ counts: SIMD4<UInt32>, _ lengths: SIMD4<UInt32>, _ group: Int) -> Void
    ) throws(BadPostings) {
      let entryCount = try decoder.varint()
      guard entryCount <= maximumEntries else { throw BadPostings() }
      for _ in 0..<entryCount {
        let byte = try decoder.byte()
        let mask = byte & 0x0F
        guard mask != 0 else { throw BadPostings() }
        let (counts, lengths) = try decoder.pairs(mask)
        body(counts, lengths, Int(byte >> 4))
      }
    }

    /// Moves to the start of range `number` (from the last checkpoint before it, when that
    /// lies ahead or the range behind).
    private mutating func move(to number: Int) throws(BadPostings) {
      let nearest = number / checkpointStride * checkpointStride
      if number < range || nearest > range {
        (decoder, range) = (PostingsDecoder(ranges, from: try checkpoint(nearest / checkpointStride)), nearest)
      }
      while range < number {
        try readRange { _, _, _ in }
        range += 1
      }
    }

    /// The best of `score` in each group over the entries of the ranges that hold docs
    /// `first` through `last` (ascending from call to call): at least the score of every
    /// section of the group there (0 where no section of the group holds the gram).
    mutating func best(
      from first: UInt32, through last: UInt32, _ score: (_ counts: SIMD4<UInt32>, _ lengths: SIMD4<UInt32>) -> Double
    ) throws(BadPostings) -> SIMD16<Double> {
      var best = SIMD16<Double>()
      let (firstRange, lastRange) = (Int(first) >> rangeShift, min(rangeCount - 1, Int(last) >> rangeShift))
      guard firstRange <= lastRange else { return best }
      try move(to: firstRange)
      let start = decoder
      for _ in firstRange...lastRange { try readRange { best[$2] = max(best[$2], score($0, $1)) } }
      decoder = start
      return best
    }

    /// The entries of range `number`.
    mutating func entries(ofRange number: Int) throws(BadPostings) -> [Entry] {
      try move(to: number)
      let start = decoder
      var entries: [Entry] = []
      try readRange { entries.append(Entry(counts: $0, lengths: $1, group: UInt8($2))) }
      decoder = start
      return entries
    }

    /// Reads every range: throws unless each decodes where its checkpoint says, and the
    /// bytes end with the last.
    mutating func verify() throws(BadPostings) {
      guard checkpoints.count == 4 * checkpointCount(rangeCount: rangeCount) else { throw BadPostings() }
      (decoder, range) = (PostingsDecoder(ranges), 0)
      while range < rangeCount {
        if range % checkpointStride == 0, try checkpoint(range / checkpointStride) != decoder.index { throw BadPostings() }
        try readRange { _, _, _ in }
        range += 1
      }
      guard decoder.isAtEnd else { throw BadPostings() }
    }
  }
}
