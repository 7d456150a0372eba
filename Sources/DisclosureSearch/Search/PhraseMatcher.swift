import Foundation

/// Finds where a normalized string occurs, exactly, using the character-gram postings.
///
/// The string is cut into runs of searchable scalars (at their offsets in the string). A
/// longer run is the bigrams at offsets 0, 2, 4 … and n − 2, which together cover every
/// scalar; a run followed by punctuation or a space in the string adds the bigram of its last
/// scalar and that one; a run of one scalar at the end of the string is every gram that
/// starts with it (a prefix range of the dictionary). A start position p matches when every
/// chosen gram occurs at p + its offset. Since positions count every scalar of the field's
/// normalized text, this is exactly "the field's normalized text contains the string", but
/// for punctuation that does not follow a letter or digit in the string (`needsTextCheck`),
/// which the caller checks in the stored text.
struct PhraseMatcher {
  let segment: SegmentReader

  struct Gram: Equatable {
    let first: Unicode.Scalar
    /// The second scalar of a bigram; nil for "any gram starting with `first`".
    let second: Unicode.Scalar?
    let offset: UInt32

    /// Whether the gram is one dictionary term (a bigram), not a prefix range.
    var isOneTerm: Bool { second != nil }

    var text: String {
      var text = String(first)
      if let second { text.unicodeScalars.append(second) }
      return text
    }
  }

  /// The grams that pin down `normalized` (empty if it has no searchable scalar): bigrams
  /// that cover each run of searchable scalars, or with `overlapping` the bigram at every
  /// offset (more lists to read, but the fewest occurrences of any of them bounds the
  /// phrase's far more tightly: 行政复议's middle gram 政复 is rarer than 行政 and 复议).
  static func grams(of normalized: String, overlapping: Bool = false) -> [Gram] {
    let scalars = Array(normalized.unicodeScalars)
    var grams: [Gram] = []
    var runStart: Int?
    for index in 0...scalars.count {
      let searchable = index < scalars.count && CharacterClass.isSearchable(scalars[index])
      if searchable, runStart == nil { runStart = index }
      if !searchable, let start = runStart {
        let length = index - start
        if length > 1 {
          var offsets = Array(stride(from: 0, to: length - 1, by: overlapping ? 1 : 2))
          if offsets.last != length - 2 { offsets.append(length - 2) }
          for offset in offsets {
            grams.append(Gram(first: scalars[start + offset], second: scalars[start + offset + 1], offset: UInt32(start + offset)))
          }
        }
        if index < scalars.count {
          grams.append(Gram(first: scalars[index - 1], second: scalars[index], offset: UInt32(index - 1)))
        } else if length == 1 {
          grams.append(Gram(first: scalars[start], second: nil, offset: UInt32(start)))
        }
        runStart = nil
      }
    }
    return grams
  }

  /// The dictionary terms a gram stands for: one bigram, or for a one-scalar gram every gram
  /// that starts with it (a prefix range).
  func terms(of gram: Gram, in field: Field) -> Range<Int> {
    var key = TermKey.gramPrefix(field, gram.first)
    guard let second = gram.second else { return segment.termRange(withPrefix: key) }
    UTF8.encode(second) { key.append($0) }
    guard let term = segment.termIndex(key) else { return 0..<0 }
    return term..<(term + 1)
  }

  /// Whether the grams of `normalized` leave some of its scalars unchecked: punctuation or a
  /// space at its start or after another such scalar (the gram of the letter or digit before
  /// one checks it).
  static func needsTextCheck(_ normalized: String) -> Bool {
    var previousSearchable = false
    for scalar in normalized.unicodeScalars {
      let searchable = CharacterClass.isSearchable(scalar)
      if !searchable && !previousSearchable { return true }
      previousSearchable = searchable
    }
    return false
  }

  /// Occurrence count of the string per doc of `docs` in `field`, ascending by doc (docs
  /// without one are absent).
  func occurrences(of grams: [Gram], in field: Field, within docs: Range<UInt32> = 0..<UInt32.max) throws -> [Occurrence] {
    let lists = grams.map { (gram: $0, terms: terms(of: $0, in: field)) }
    guard !lists.isEmpty, lists.allSatisfy({ !$0.terms.isEmpty }) else { return [] }
    var ranges: [[Range<Int>]] = []
    for list in lists { ranges.append(try list.terms.map { try segment.postingsRange($0) }) }
    return try segment.withBytes { file in
      do {
        let postings = ranges.map { $0.map { UnsafeRawBufferPointer(rebasing: file[$0]) } }
        if lists.count == 1 { return try counts(postings[0], of: lists[0].terms, within: docs) }
        // A one-scalar gram is a union of lists: merged into one list held in memory.
        var unions: [UInt8] = []
        var unionRanges: [Int: Range<Int>] = [:]
        for (index, list) in postings.enumerated() where list.count > 1 {
          let start = unions.count
          unions += try Self.union(list, within: docs)
          unionRanges[index] = start..<unions.count
        }
        return try unions.withUnsafeBytes { unionBytes in
          var cursors: [(offset: UInt32, cursor: PostingsCursor, docs: Int)] = []
          for (index, list) in lists.enumerated() {
            let bytes = unionRanges[index].map { UnsafeRawBufferPointer(rebasing: unionBytes[$0]) } ?? postings[index][0]
            let docs = list.terms.reduce(0) { $0 + segment.documentFrequency($1) }
            cursors.append((list.gram.offset, PostingsCursor(bytes, hasPositions: true), docs))
          }
          // The rarest list drives; the others leap to its docs.
          cursors.sort { $0.docs < $1.docs }
          return try Self.intersect(cursors.map { ($0.offset, $0.cursor) }, within: docs)
        }
      } catch is BadPostings {
        throw IndexFormatError.corrupt(file: segment.name, offset: 0, reason: "bad postings list")
      }
    }
  }

  /// A doc and how often the string occurs in one of its fields.
  typealias Occurrence = (doc: UInt32, count: UInt32)

  /// The docs in `docs` where every list has a position at `start + offset`, for some start,
  /// with the number of such starts. The lists leapfrog: each jumps to the largest doc seen.
  private static func intersect(_ lists: [(offset: UInt32, cursor: PostingsCursor)], within docs: Range<UInt32>) throws(BadPostings)
    -> [Occurrence]
  {
    var cursors = lists.map(\.cursor)
    defer { cursors.forEach { $0.free() } }
    let offsets = lists.map(\.offset)
    var result: [Occurrence] = []
    // Each list's positions in the current doc, in scratch memory reused from doc to doc.
    var positions = lists.map { _ in PositionBuffer() }
    defer { positions.forEach { $0.free() } }
    guard try cursors[0].advance(to: docs.lowerBound) else { return [] }
    var target = cursors[0].doc
    search: while target < docs.upperBound {
      var index = 0
      while index < cursors.count {
        guard try cursors[index].advance(to: target), cursors[index].doc < docs.upperBound else { break search }
        if cursors[index].doc > target {
          target = cursors[index].doc
          index = 0
          continue
        }
        index += 1
      }
      // Every list is at `target`: count the starts where all positions line up.
      for index in cursors.indices { try cursors[index].positions(into: &positions[index]) }
      let count = alignedStarts(positions, offsets: offsets)
      if count > 0 { result.append((target, count)) }
      guard try cursors[0].next() else { break }
      target = cursors[0].doc
    }
    return result
  }

  /// The number of starts s where each list has the position s + its offset (positions
  /// ascending in each list; `positions` may hold more buffers than there are offsets).
  static func alignedStarts(_ positions: [PositionBuffer], offsets: [UInt32]) -> UInt32 {
    withUnsafeTemporaryAllocation(of: Int.self, capacity: offsets.count) { next in
      // Where each list's scan stands.
      next.initialize(repeating: 0)
      var count: UInt32 = 0
      let driver = positions[0]
      starts: for slot in 0..<driver.count where driver.base[slot] >= offsets[0] {
        let start = driver.base[slot] - offsets[0]
        for index in 1..<offsets.count {
          let wanted = start + offsets[index]
          let list = positions[index]
          var cursor = next[index]
          while cursor < list.count && list.base[cursor] < wanted { cursor += 1 }
          next[index] = cursor
          if cursor == list.count { break starts }
          if list.base[cursor] != wanted { continue starts }
        }
        count += 1
      }
      return count
    }
  }

  /// One gram: the position counts per doc in `docs` are the occurrences (summed over a
  /// prefix range; each position starts exactly one gram, so the counts add up). No position
  /// is decoded.
  private func counts(_ lists: [UnsafeRawBufferPointer], of terms: Range<Int>, within docs: Range<UInt32>) throws(BadPostings)
    -> [Occurrence]
  {
    var result: [Occurrence] = []
    if lists.count == 1 {
      if docs.lowerBound == 0 { result.reserveCapacity(segment.documentFrequency(terms.lowerBound)) }
      try PostingsCursor.reading(lists[0], hasPositions: true) { cursor throws(BadPostings) in
        try Self.forEach(in: &cursor, within: docs) { result.append(($0.doc, $0.count)) }
      }
      return result
    }
    let docCount = segment.docCount
    return try segment.withDocCounts { counts throws(BadPostings) in
      var held = Bitset(capacity: docCount)
      for list in lists {
        try PostingsCursor.reading(list, hasPositions: true) { cursor throws(BadPostings) in
          try Self.forEach(in: &cursor, within: docs) { cursor throws(BadPostings) in
            guard Int(cursor.doc) < docCount else { throw BadPostings() }
            counts[Int(cursor.doc)] &+= cursor.count
            held.insert(cursor.doc)
          }
        }
      }
      result.reserveCapacity(held.count)
      held.forEach { doc in
        result.append((doc, counts[Int(doc)]))
        counts[Int(doc)] = 0
      }
      return result
    }
  }

  /// Calls `body` with the cursor at each doc of `docs` in the list, ascending.
  private static func forEach(
    in cursor: inout PostingsCursor, within docs: Range<UInt32>, _ body: (inout PostingsCursor) throws(BadPostings) -> Void
  ) throws(BadPostings) {
    guard try cursor.advance(to: docs.lowerBound) else { return }
    repeat {
      guard cursor.doc < docs.upperBound else { return }
      try body(&cursor)
    } while try cursor.next()
  }

  /// Several gram lists merged into one, in the same encoding (their docs in `docs` only).
  private static func union(_ lists: [UnsafeRawBufferPointer], within docs: Range<UInt32>) throws(BadPostings) -> [UInt8] {
    var entries: [(doc: UInt32, position: UInt32)] = []
    var positions = PositionBuffer()
    defer { positions.free() }
    for list in lists {
      try PostingsCursor.reading(list, hasPositions: true) { cursor throws(BadPostings) in
        try forEach(in: &cursor, within: docs) { cursor throws(BadPostings) in
          try cursor.positions(into: &positions)
          for slot in 0..<positions.count { entries.append((cursor.doc, positions.base[slot])) }
        }
      }
    }
    entries.sort { $0.doc != $1.doc ? $0.doc < $1.doc : $0.position < $1.position }
    var writer = PostingsWriter(hasPositions: true)
    var start = 0
    while start < entries.count {
      var end = start + 1
      while end < entries.count && entries[end].doc == entries[start].doc { end += 1 }
      // Length 0: the loosest score bound (a union is only intersected, never pruned by bound).
      writer.add(doc: entries[start].doc, positions: entries[start..<end].map(\.position), length: 0)
      start = end
    }
    writer.finish()
    return writer.bytes
  }
}
