import Foundation

/// Finds where a normalized string occurs, exactly, using the character-gram postings.
///
/// The string is cut into runs of searchable scalars (at their offsets in the string). A run
/// of one scalar is every gram that starts with it (a prefix range of the dictionary); a
/// longer run is the bigrams at offsets 0, 2, 4 … and n − 2, which together cover every
/// scalar. A start position p matches when every chosen gram occurs at p + its offset. Since
/// positions count every scalar of the field's normalized text, this is exactly "the field's
/// normalized text contains the string" for the searchable scalars; the caller checks the
/// punctuation between runs in the stored text.
struct PhraseMatcher {
  let segment: SegmentReader

  struct Gram: Equatable {
    let first: Unicode.Scalar
    /// The second scalar of a bigram; nil for "any gram starting with `first`".
    let second: Unicode.Scalar?
    let offset: UInt32

    var text: String {
      var text = String(first)
      if let second { text.unicodeScalars.append(second) }
      return text
    }
  }

  /// The grams that pin down `normalized` (empty if it has no searchable scalar).
  static func grams(of normalized: String) -> [Gram] {
    let scalars = Array(normalized.unicodeScalars)
    var grams: [Gram] = []
    var runStart: Int?
    for index in 0...scalars.count {
      let searchable = index < scalars.count && CharacterClass.isSearchable(scalars[index])
      if searchable, runStart == nil { runStart = index }
      if !searchable, let start = runStart {
        let length = index - start
        if length == 1 {
          grams.append(Gram(first: scalars[start], second: nil, offset: UInt32(start)))
        } else {
          var offsets = Array(stride(from: 0, to: length - 1, by: 2))
          if offsets.last != length - 2 { offsets.append(length - 2) }
          for offset in offsets {
            grams.append(Gram(first: scalars[start + offset], second: scalars[start + offset + 1], offset: UInt32(start + offset)))
          }
        }
        runStart = nil
      }
    }
    return grams
  }

  /// The dictionary terms a gram stands for: one bigram or end gram, or for a one-scalar
  /// gram every gram that starts with it (a prefix range).
  private func terms(of gram: Gram, in field: Field) -> Range<Int> {
    guard let second = gram.second else { return segment.termRange(withPrefix: TermKey.gramPrefix(field, gram.first)) }
    var key = TermKey.gramPrefix(field, gram.first)
    UTF8.encode(second) { key.append($0) }
    guard let term = segment.termIndex(key) else { return 0..<0 }
    return term..<(term + 1)
  }

  /// The positions of one gram in `field`, per doc (a union over the prefix range for a
  /// one-scalar gram).
  func postings(of gram: Gram, in field: Field) throws -> PositionalPostings {
    let range = terms(of: gram, in: field)
    if range.count == 1, let term = range.first {
      return try PositionalPostings(try segment.postingsBytes(term), segmentName: segment.name)
    }
    var union: [UInt32: [UInt32]] = [:]
    for term in range {
      let list = try PositionalPostings(try segment.postingsBytes(term), segmentName: segment.name)
      for (index, doc) in list.docs.enumerated() { union[doc, default: []].append(contentsOf: list.positions(at: index)) }
    }
    return PositionalPostings(union)
  }

  /// How often one gram occurs per doc (for a one-scalar gram: every gram starting with it;
  /// each position starts exactly one gram, so the counts add up).
  private func counts(of gram: Gram, in field: Field) throws -> [UInt32: UInt32] {
    var result: [UInt32: UInt32] = [:]
    for term in terms(of: gram, in: field) {
      try GramPostings.walk(try segment.postingsBytes(term), segmentName: segment.name) { doc, count, decoder in
        for _ in 0..<count { guard decoder.varint() != nil else { return false } }
        result[doc, default: 0] += count
        return true
      }
    }
    return result
  }

  /// Occurrence count of the string per doc in `field` (docs without one are absent).
  func occurrences(of grams: [Gram], in field: Field) throws -> [UInt32: UInt32] {
    if grams.count == 1, let gram = grams.first {
      // One gram: its position counts are the occurrences; no positions need decoding.
      return try counts(of: gram, in: field)
    }
    var lists: [(gram: Gram, postings: PositionalPostings)] = []
    for gram in grams {
      let postings = try postings(of: gram, in: field)
      if postings.docs.isEmpty { return [:] }
      lists.append((gram, postings))
    }
    guard !lists.isEmpty else { return [:] }
    lists.sort { $0.postings.docs.count < $1.postings.docs.count }
    let driver = lists[0]
    var result: [UInt32: UInt32] = [:]
    var cursors = [Int](repeating: 0, count: lists.count)
    docLoop: for (driverIndex, doc) in driver.postings.docs.enumerated() {
      var listIndexes = [driverIndex]
      for other in 1..<lists.count {
        let docs = lists[other].postings.docs
        var cursor = cursors[other]
        while cursor < docs.count && docs[cursor] < doc { cursor += 1 }
        cursors[other] = cursor
        guard cursor < docs.count, docs[cursor] == doc else { continue docLoop }
        listIndexes.append(cursor)
      }
      let others = (1..<lists.count).map { (positions: lists[$0].postings.positions(at: listIndexes[$0]), offset: lists[$0].gram.offset) }
      var count: UInt32 = 0
      for position in driver.postings.positions(at: driverIndex) where position >= driver.gram.offset {
        let start = position - driver.gram.offset
        if others.allSatisfy({ $0.positions.containsSorted(start + $0.offset) }) { count += 1 }
      }
      if count > 0 { result[doc] = count }
    }
    return result
  }
}

/// A decoded gram postings list: docs ascending, with each doc's positions ascending.
/// (Decoding every position up front measured faster than decoding them per doc on demand.)
struct PositionalPostings {
  var docs: [UInt32] = []
  private var starts: [Int] = []
  private var allPositions: [UInt32] = []

  init() {}

  /// A union of lists: positions per doc, in any order.
  init(_ union: [UInt32: [UInt32]]) {
    for doc in union.keys.sorted() {
      docs.append(doc)
      starts.append(allPositions.count)
      allPositions.append(contentsOf: (union[doc] ?? []).sorted())
    }
  }

  init(_ bytes: Data, segmentName: String) throws {
    try GramPostings.walk(bytes, segmentName: segmentName) { doc, count, decoder in
      docs.append(doc)
      starts.append(allPositions.count)
      var position: UInt32 = 0
      for _ in 0..<count {
        guard let gap = decoder.varint() else { return false }
        position &+= gap
        allPositions.append(position)
      }
      return true
    }
  }

  /// The positions of the doc at `index` in `docs`, ascending.
  func positions(at index: Int) -> ArraySlice<UInt32> {
    let end = index + 1 < starts.count ? starts[index + 1] : allPositions.count
    return allPositions[starts[index]..<end]
  }
}

extension ArraySlice where Element == UInt32 {
  func containsSorted(_ value: UInt32) -> Bool {
    var low = startIndex
    var high = endIndex
    while low < high {
      let middle = (low + high) / 2
      if self[middle] < value { low = middle + 1 } else { high = middle }
    }
    return low < endIndex && self[low] == value
  }
}
