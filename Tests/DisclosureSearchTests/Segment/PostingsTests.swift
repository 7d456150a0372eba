import XCTest

@testable import DisclosureSearch

/// The block postings format: what the writer lays out, the cursor reads back.
final class PostingsTests: XCTestCase {
  struct Entry: Equatable {
    var doc: UInt32
    var positions: [UInt32]
  }

  /// Lists around the block size, with small and huge gaps, counts and positions.
  func randomLists() -> [[Entry]] {
    var generator = SystemRandomNumberGenerator()
    return [0, 1, 2, 127, 128, 129, 256, 300, 1000].map { length in
      var doc: UInt32 = UInt32.random(in: 0...3, using: &generator)
      return (0..<length).map { _ in
        defer { doc += Bool.random() ? 1 : UInt32.random(in: 1...100_000, using: &generator) }
        let count = Bool.random() ? 1 : Int.random(in: 1...300, using: &generator)
        var position: UInt32 = 0
        let positions = (0..<count).map { _ in
          position += UInt32.random(in: (position == 0 ? 0 : 1)...5000, using: &generator)
          return position
        }
        return Entry(doc: doc, positions: positions)
      }
    }
  }

  func encode(_ entries: [Entry], hasPositions: Bool) -> [UInt8] {
    var writer = PostingsWriter(hasPositions: hasPositions)
    for entry in entries {
      writer.add(doc: entry.doc, positions: entry.positions, length: entry.doc % 50)  // counted only without positions
    }
    writer.finish()
    XCTAssertEqual(writer.docCount, UInt32(entries.count))
    return writer.bytes
  }

  func testListsRoundTripDocByDocAndByAdvancing() throws {
    for entries in randomLists() {
      let bytes = encode(entries, hasPositions: true)
      try bytes.withUnsafeBytes { raw in
        // Every doc, with positions for some of them (the others are skipped).
        var read: [UInt32] = []
        var positions = PositionBuffer()
        defer { positions.free() }
        try PostingsCursor.reading(raw, hasPositions: true) { cursor in
          while try cursor.next() {
            let expected = entries[read.count]
            XCTAssertEqual(cursor.count, UInt32(expected.positions.count))
            if read.count % 3 == 0 {
              try cursor.positions(into: &positions)
              XCTAssertEqual(Array(UnsafeBufferPointer(start: positions.base, count: positions.count)), expected.positions)
            }
            read.append(cursor.doc)
          }
        }
        XCTAssertEqual(read, entries.map(\.doc))
        // Advancing to targets between and on docs lands on the first doc at or after them.
        let targets = Set((0..<50).map { _ in UInt32.random(in: 0...(entries.last?.doc ?? 0) + 2) }).sorted()
        try PostingsCursor.reading(raw, hasPositions: true) { cursor in
          var previous: UInt32?
          for target in targets {
            let expected = entries.first { $0.doc >= target }
            XCTAssertEqual(try cursor.advance(to: target) ? cursor.doc : nil, expected?.doc, "target \(target)")
            // A doc's positions are read once (two targets may land on the same doc).
            if let expected, expected.doc != previous {
              previous = expected.doc
              try cursor.positions(into: &positions)
              XCTAssertEqual(Array(UnsafeBufferPointer(start: positions.base, count: positions.count)), expected.positions)
            }
          }
        }
      }
      // Within the block unpacked last, a doc's count is answered without reading further
      // (0 when absent); past its end, nothing is known until the cursor advances.
      let targets = Set(entries.map(\.doc).filter { _ in Bool.random() } + (0..<50).map { _ in UInt32.random(in: 0...(entries.last?.doc ?? 0) + 2) }).sorted()
      try bytes.withUnsafeBytes { raw in
        try PostingsCursor.reading(raw, hasPositions: true) { cursor in
          for target in targets {
            let expected = entries.first { $0.doc == target }.map { UInt32($0.positions.count) } ?? 0
            if let count = cursor.countInCurrentBlock(at: target) {
              XCTAssertEqual(count, expected, "target \(target)")
            } else if try cursor.advance(to: target) {
              XCTAssertEqual(cursor.doc == target ? cursor.count : 0, expected, "target \(target)")
              XCTAssertEqual(cursor.countInCurrentBlock(at: target), expected)
            }
          }
        }
      }
      // Word lists: the same docs and counts, no positions.
      let words = encode(entries, hasPositions: false)
      let decoded = try words.withUnsafeBytes { raw in
        try PostingsCursor.reading(raw, hasPositions: false) { cursor in
          var decoded: [(UInt32, UInt32)] = []
          while try cursor.next() { decoded.append((cursor.doc, cursor.count)) }
          return decoded
        }
      }
      XCTAssertEqual(decoded.map(\.0), entries.map(\.doc))
      XCTAssertEqual(decoded.map(\.1), entries.map { UInt32($0.positions.count) })
    }
  }

  /// `peek` names the block a target falls in, with bounds that hold for each of its docs,
  /// and a cursor that peeked ahead still advances onto the right doc.
  func testPeekedBlocksBoundTheirDocs() throws {
    for entries in randomLists() where !entries.isEmpty {
      let bytes = encode(entries, hasPositions: true)
      let targets = Set((0..<40).map { _ in UInt32.random(in: 0...entries.last!.doc + 2) }).sorted()
      try bytes.withUnsafeBytes { raw in
        try PostingsCursor.reading(raw, hasPositions: true) { cursor in
          for target in targets {
            let header = try cursor.peek(atOrAfter: target)
            let expected = entries.firstIndex { $0.doc >= target }
            XCTAssertEqual(header == nil, expected == nil, "target \(target)")
            guard let header, let expected else { continue }
            // The block of the first doc at or after the target, by the writer's numbering.
            let block = entries[(expected / PostingsBlock.capacity * PostingsBlock.capacity)...].prefix(PostingsBlock.capacity)
            XCTAssertEqual(header.lastDoc, block.last?.doc)
            XCTAssertEqual(header.maxCount, block.map { UInt32($0.positions.count) }.max())
            XCTAssertEqual(header.minLength, block.map { $0.doc % 50 }.min())
            // Every doc has a pair with at least its count in a field no longer than its own.
            let pairs = (0..<header.boundCount).map { (header.boundCounts[$0], header.boundLengths[$0]) }
            for entry in block {
              XCTAssertTrue(pairs.contains { $0.0 >= UInt32(entry.positions.count) && $0.1 <= entry.doc % 50 }, "doc \(entry.doc)")
            }
            if Bool.random() {
              XCTAssertTrue(try cursor.advance(to: target))
              XCTAssertEqual(cursor.doc, entries[expected].doc)
            }
          }
        }
      }
    }
  }

  /// `bound` over ranges one after another (the headers it reads ahead are kept for the next
  /// range and for moving on): the largest count of the blocks that may hold the range, and a
  /// score at least that of each doc in it; advancing between ranges still lands right.
  func testRangeBoundsHoldForEveryDocAndKeepTheCursorRight() throws {
    for entries in randomLists() where !entries.isEmpty {
      let bytes = encode(entries, hasPositions: true)
      let blocks = stride(from: 0, to: entries.count, by: PostingsBlock.capacity).map {
        entries[$0..<min(entries.count, $0 + PostingsBlock.capacity)]
      }
      let score = { (count: UInt32, length: UInt32) in Double(count) * 100 - Double(length) }
      var points = Set((0..<60).map { _ in UInt32.random(in: 0...entries.last!.doc + 2) }).sorted()
      if points.count % 2 == 1 { points.removeLast() }
      try bytes.withUnsafeBytes { raw in
        try PostingsCursor.reading(raw, hasPositions: true) { cursor in
          for pair in stride(from: 0, to: points.count, by: 2) {
            let (target, last) = (points[pair], points[pair + 1])
            let bound = try cursor.bound(from: target, through: last, score: score)
            // The blocks from the first that reaches the target to the first that reaches the last doc.
            if let first = blocks.firstIndex(where: { $0.last!.doc >= target }), first == 0 || blocks[first - 1].last!.doc < last {
              let reach = blocks[first...].firstIndex { $0.last!.doc >= last } ?? blocks.count - 1
              let covered = blocks[first...reach].joined()
              XCTAssertEqual(bound?.maxCount, covered.map { UInt32($0.positions.count) }.max())
              for entry in covered where entry.doc >= target && entry.doc <= last {
                XCTAssertGreaterThanOrEqual(bound?.score ?? -.infinity, score(UInt32(entry.positions.count), entry.doc % 50))
              }
            } else {
              XCTAssertNil(bound, "\(target)...\(last)")
            }
            if Bool.random(), let next = entries.first(where: { $0.doc >= target }) {
              XCTAssertTrue(try cursor.advance(to: target))
              XCTAssertEqual(cursor.doc, next.doc)
            }
          }
        }
      }
    }
  }

  /// The pairs that bound a block: no doc beats a pair in both count and length, every doc is
  /// beaten or met by one, and the pairs are docs' own while there are at most four of them;
  /// capped, they still bound every doc.
  func testBlockBoundsAreTheFrontierOfCountAndLength() {
    var generator = SystemRandomNumberGenerator()
    for round in 0..<500 {
      let docs = (0..<Int.random(in: 1...128, using: &generator)).map { _ in
        (count: UInt32.random(in: 1...(round % 2 == 0 ? 3 : 40), using: &generator), length: UInt32.random(in: 1...200, using: &generator))
      }
      var frontier: [(count: UInt32, length: UInt32)] = []
      for doc in docs { PostingsBlock.addToFrontier(doc, &frontier) }
      let beaten = { (pair: (count: UInt32, length: UInt32)) in
        docs.contains { ($0.count > pair.count && $0.length <= pair.length) || ($0.count >= pair.count && $0.length < pair.length) }
      }
      let expected = Set(docs.filter { !beaten($0) }.map { [$0.count, $0.length] })
      XCTAssertEqual(Set(frontier.map { [$0.count, $0.length] }), expected)
      XCTAssertEqual(frontier.map(\.count), frontier.map(\.count).sorted())
      let capped = PostingsBlock.capped(frontier)
      XCTAssertLessThanOrEqual(capped.count, PostingsBlock.boundCapacity)
      if frontier.count <= PostingsBlock.boundCapacity { XCTAssertEqual(capped.map { [$0.count, $0.length] }, frontier.map { [$0.count, $0.length] }) }
      for doc in docs { XCTAssertTrue(capped.contains { $0.count >= doc.count && $0.length <= doc.length }) }
      XCTAssertEqual(capped.last?.count, docs.map(\.count).max())
      XCTAssertEqual(capped.first?.length, docs.map(\.length).min())
    }
  }

  func testDamagedListsThrowInsteadOfCrashing() {
    var generator = SystemRandomNumberGenerator()
    let lists = [randomLists()[7], repeatedPositions()].map { encode($0, hasPositions: true) }
    for round in 0..<600 {
      let bytes = lists[round / 2 % 2]
      var damaged = bytes
      if round % 2 == 0 {
        damaged.removeLast(Int.random(in: 1...damaged.count, using: &generator))
      } else {
        for _ in 0..<3 { damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
      }
      // Any outcome but a crash or a hang: either an error or docs that still ascend.
      damaged.withUnsafeBytes { raw in
        var positions = PositionBuffer()
        defer { positions.free() }
        _ = try? PostingsCursor.reading(raw, hasPositions: true) { cursor throws(BadPostings) in
          var last: Int64 = -1
          while try cursor.next() {
            XCTAssertGreaterThan(Int64(cursor.doc), last)
            last = Int64(cursor.doc)
            try cursor.positions(into: &positions)
          }
        }
      }
    }
  }

  /// Unpacking a run gives the values packed, for every width (those with a loop of their
  /// own and the others), every count of a block and runs starting at any byte.
  func testUnpackingGivesThePackedValues() {
    var generator = SystemRandomNumberGenerator()
    for width in 0...32 {
      for count in 1...PostingsBlock.capacity {
        let values = (0..<count).map { _ in width == 0 ? 0 : UInt32.random(in: 0...(UInt32.max >> (32 - width)), using: &generator) }
        let start = Int.random(in: 0..<3, using: &generator)
        var bytes = [UInt8](repeating: 0xA5, count: start)
        PackedBits.append(values, width: width, to: &bytes)
        bytes += [UInt8](repeating: 0xFF, count: 8)
        let output = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
        defer { output.deallocate() }
        bytes.withUnsafeBytes { PackedBits.unpack($0, at: start, count: count, width: width, into: output) }
        guard Array(UnsafeBufferPointer(start: output, count: count)) == values else {
          return XCTFail("width \(width), \(count) values")
        }
      }
    }
  }

  /// Bound pairs are read into the lanes their mask names, in order, the others 0; a count
  /// of 0 or a pair cut short is an error.
  func testBoundPairsFillTheLanesTheirMaskNames() throws {
    var bytes: [UInt8] = []
    for value: UInt32 in [5, 300, 1, 70_000] { VarInt.append(value, to: &bytes) }
    let read = bytes.withUnsafeBytes { bytes -> (SIMD4<UInt32>, SIMD4<UInt32>, atEnd: Bool)? in
      var decoder = PostingsDecoder(bytes)
      guard let (counts, lengths) = try? decoder.pairs(0b1010) else { return nil }
      return (counts, lengths, decoder.isAtEnd)
    }
    XCTAssertEqual(read?.0, SIMD4(0, 5, 0, 1))
    XCTAssertEqual(read?.1, SIMD4(0, 300, 0, 70_000))
    XCTAssertEqual(read?.atEnd, true)
    for damaged: [UInt8] in [[0, 4], [5, 0x80]] {
      let read = damaged.withUnsafeBytes { bytes in
        var decoder = PostingsDecoder(bytes)
        return try? decoder.pairs(0b0001)
      }
      XCTAssertNil(read, "\(damaged)")
    }
  }

  /// A list whose docs often have the positions of the doc before.
  func repeatedPositions() -> [Entry] {
    var generator = SystemRandomNumberGenerator()
    var entries: [Entry] = []
    var positions: [UInt32] = [3]
    for doc in 0..<UInt32(700) {
      if Int.random(in: 0..<4, using: &generator) == 0 {
        var position = UInt32.random(in: 0...2000, using: &generator)
        positions = (0..<Int.random(in: 1...6, using: &generator)).map { _ in
          defer { position += UInt32.random(in: 1...300, using: &generator) }
          return position
        }
      }
      entries.append(Entry(doc: doc * 2, positions: positions))
    }
    return entries
  }

  /// Docs whose positions are those of the doc before (a table label in one report after
  /// another) are stored as one bit each when that is smaller, and read back whether every
  /// doc's positions are asked for or only some.
  func testRepeatedPositionsRoundTrip() throws {
    let entries = repeatedPositions()
    let bytes = encode(entries, hasPositions: true)
    for stride in [1, 2, 5] {
      try bytes.withUnsafeBytes { raw in
        var buffer = PositionBuffer()
        defer { buffer.free() }
        try PostingsCursor.reading(raw, hasPositions: true) { cursor in
          var index = 0
          while try cursor.next() {
            if index % stride == 0 {
              try cursor.positions(into: &buffer)
              XCTAssertEqual(Array(UnsafeBufferPointer(start: buffer.base, count: buffer.count)), entries[index].positions, "doc \(index)")
            }
            index += 1
          }
        }
      }
    }
    let repeated = positionArea([100, 200, 300, 100, 200, 300, 100, 200, 300], counts: [3, 3, 3])
    let distinct = positionArea([100, 200, 300, 100, 200, 301, 100, 200, 302], counts: [3, 3, 3])
    XCTAssertEqual(repeated.first, 1, "repeats kept")
    XCTAssertEqual(distinct.first, 0, "no repeats")
    XCTAssertLessThan(repeated.count, distinct.count)
  }

  /// The positions area the writer makes of a block.
  func positionArea(_ positions: [UInt32], counts: [UInt32]) -> [UInt8] {
    positions.withUnsafeBufferPointer { positions in
      counts.withUnsafeBufferPointer { counts in
        var bytes: [UInt8] = []
        PositionArea.write(PositionArea.plan(positions, counts: counts), positions, counts: counts, to: &bytes)
        return bytes
      }
    }
  }

  /// A damaged area is an error, never a wrong read or a huge allocation: a doc marked as
  /// repeating one of another count, an area of the wrong size, counts the area cannot hold.
  func testDamagedPositionAreasThrow() {
    func layout(_ area: [UInt8], counts: [UInt32]) throws {
      try area.withUnsafeBytes { raw in
        try counts.withUnsafeBufferPointer { counts in
          _ = try PositionArea.Layout(raw, from: 0, to: raw.count, counts: counts.baseAddress!, size: counts.count)
        }
      }
    }
    let area = positionArea([100, 200, 300, 100, 200, 300, 100, 200, 300, 7], counts: [3, 3, 3, 1])
    XCTAssertEqual(area.first, 1, "repeats kept")
    XCTAssertNoThrow(try layout(area, counts: [3, 3, 3, 1]))
    XCTAssertThrowsError(try layout(area, counts: [3, 4, 3, 1]), "a repeat of another count")
    XCTAssertThrowsError(try layout(area, counts: [3, 3, 3, 2]), "more gaps than the area holds")
    XCTAssertThrowsError(try layout(area + [0], counts: [3, 3, 3, 1]), "a byte too many")
    XCTAssertThrowsError(try layout(Array(area.dropLast()), counts: [3, 3, 3, 1]), "a byte too few")
    let plain = positionArea([100, 200, 300, 100, 200, 301], counts: [3, 3])
    XCTAssertEqual(plain.first, 0, "no repeats")
    XCTAssertNoThrow(try layout(plain, counts: [3, 3]))
    XCTAssertThrowsError(try layout(plain, counts: [3, 4]), "more gaps than an area without repeats holds")
    XCTAssertThrowsError(try layout(plain, counts: [3, 2]), "fewer")
    XCTAssertThrowsError(try layout([0, 0, 0], counts: [UInt32.max]), "billions of positions in no bytes")
    XCTAssertThrowsError(try layout([0, 0, 0], counts: [0]), "a doc without positions")
  }

  /// A cursor with skip points lands where one without lands, from any first target on
  /// (peeked, bounded and advanced), over lists of 0 to 40 strides of blocks.
  func testSkipPointsJumpToTheSameDocs() throws {
    var generator = SystemRandomNumberGenerator()
    for length in [0, 100, 2048, 2049, 4100, 40 * 16 * 128 + 5] {
      var doc: UInt32 = 0
      let entries = (0..<length).map { _ in
        defer { doc += UInt32.random(in: 1...3, using: &generator) }
        return Entry(doc: doc, positions: [UInt32.random(in: 0...9, using: &generator)])
      }
      let bytes = encode(entries, hasPositions: false)
      try bytes.withUnsafeBytes { raw in
        let skips = try PostingsSkips(raw, hasPositions: false)
        XCTAssertEqual(skips.offsets.count, max(0, (length + 127) / 128 - 1) / PostingsSkips.stride, "length \(length)")
        // Random first targets, and each skip point's last doc before it, that doc + 1 and − 1.
        let last = (entries.last?.doc ?? 0) + 2
        let edges = skips.previousLastDocs.flatMap { [UInt32($0) - 1, UInt32($0), UInt32($0) + 1] }
        for start in (0..<20).map({ _ in UInt32.random(in: 0...last, using: &generator) }) + edges {
          let targets = [start] + (0..<8).map { _ in UInt32.random(in: start...last, using: &generator) }.sorted()
          var plain = PostingsCursor(raw, hasPositions: false)
          var skipping = PostingsCursor(raw, hasPositions: false, skips: skips)
          defer { plain.free(); skipping.free() }
          for target in targets {
            XCTAssertEqual(try skipping.peek(atOrAfter: target)?.lastDoc, try plain.peek(atOrAfter: target)?.lastDoc)
            let through = target + 300
            XCTAssertEqual(
              try skipping.bound(from: target, through: through) { Double($0) / Double($1 + 1) }?.score,
              try plain.bound(from: target, through: through) { Double($0) / Double($1 + 1) }?.score)
            let expected = entries.first { $0.doc >= target }?.doc
            XCTAssertEqual(try skipping.advance(to: target) ? skipping.doc : nil, expected, "target \(target)")
            XCTAssertEqual(try plain.advance(to: target) ? plain.doc : nil, expected)
          }
        }
      }
    }
  }
}
