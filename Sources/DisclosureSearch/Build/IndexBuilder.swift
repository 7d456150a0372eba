import CICU

/// Collects analyzed sections in memory, as the postings the segment writer lays out.
///
/// Term keys: one byte for kind and field (`TermKey`), then the term's UTF-8. Word postings
/// carry term frequencies; gram postings carry positions. Sections must be added in
/// ascending `DocID` order (the order of `add`); `finish` completes the content.
struct IndexBuilder {
  typealias DocID = UInt32

  /// One analyzed section: its number, its stored record (`RecordCoding.encode`, compressed
  /// with the segment's dictionary) and its analyzed fields.
  struct AnalyzedSection: Sendable {
    let number: Int
    let record: [UInt8]
    /// By `Field.rawValue`, every field.
    let fields: [Analyzer.AnalyzedField]
  }

  private(set) var reports: [StoredReport] = []
  /// The preset dictionary of the segment's stored records.
  let dictionary: [UInt8]
  /// Stored section records by doc, compressed.
  private(set) var sectionRecords: [[UInt8]] = []
  private(set) var docs: [DocEntry] = []
  /// Word postings by field: each field's words numbered in `words`, their lists in
  /// `wordLists` (the term key is the field's prefix byte and the word: kept apart so that
  /// adding a word builds no key).
  private(set) var words = [ByteStringTable](repeating: ByteStringTable(), count: Field.allCases.count)
  private(set) var wordLists = [[PostingsWriter]](repeating: [], count: Field.allCases.count)
  /// Gram postings, and the key of each (field bits 42…, `GramCode`); `gramTable` finds a key's list.
  private(set) var gramLists: [PostingsWriter] = []
  private(set) var gramKeys: [UInt64] = []
  private var gramTable = GramTable()
  /// Scratch for the field being added: each gram group's list.
  private var places: [Int] = []

  var termCount: Int { words.reduce(0) { $0 + $1.count } + gramLists.count }

  /// Adds a report and its sections; returns the report's ID.
  @discardableResult
  mutating func add(report: StoredReport, sections analyzed: [AnalyzedSection]) -> UInt32 {
    let reportID = UInt32(reports.count)
    reports.append(report)
    for section in analyzed {
      let doc = DocID(docs.count)
      var lengths = [UInt32](repeating: 0, count: Field.allCases.count)
      for (field, analyzed) in zip(Field.allCases, section.fields) {
        lengths[field.rawValue] = analyzed.length
        // Each word's list is found (or made), and its posting staged.
        analyzed.wordCounts.forEach { word, count, hash in
          let (number, inserted) = words[field.rawValue].insert(word, hash: hash)
          if inserted { wordLists[field.rawValue].append(PostingsWriter(hasPositions: false)) }
          stagedWords[field.rawValue].append((Int32(number), doc, count, analyzed.length))
        }
        // Grams come grouped by code: each group's list is found (or made), then its posting
        // staged with its positions.
        let grams = analyzed.grams
        places.removeAll(keepingCapacity: true)
        let groups = grams.groups
        let fieldBits = UInt64(field.rawValue) << 42
        for (index, group) in groups.enumerated() {
          if index + Self.prefetchDistance < groups.count { gramTable.prefetch(fieldBits | groups[index + Self.prefetchDistance].code) }
          let key = fieldBits | group.code
          if let known = gramTable.place(of: key) {
            places.append(Int(known))
          } else {
            places.append(gramLists.count)
            gramTable.insert(key, place: Int32(gramLists.count))
            gramLists.append(PostingsWriter(hasPositions: true))
            gramKeys.append(key)
          }
        }
        let base = stagedPositions.count
        stagedPositions += grams.positions
        for (index, group) in groups.enumerated() {
          staged.append((Int32(places[index]), doc, group.count, analyzed.length, base + group.end))
        }
      }
      docs.append(DocEntry(report: reportID, section: UInt8(section.number), fieldLengths: lengths))
      sectionRecords.append(section.record)
    }
    if staged.count + stagedWords.reduce(0, { $0 + $1.count }) >= stagedLimit { addStaged() }
    return reportID
  }

  /// How many gram groups ahead of its lookup a group's table slot is fetched, and how
  /// many staged postings ahead of its adding a posting's list and positions are.
  static let prefetchDistance = 8

  /// Postings are staged, then added list by list: added as they come, each posting went
  /// to another list, a cache miss for the list, its open block and its positions (tens of
  /// thousands of lists are open at once); staged, a common term's postings follow one
  /// another. Gram postings with their positions; word postings by field.
  private var staged: [(place: Int32, doc: DocID, count: UInt32, length: UInt32, end: Int)] = []
  private var stagedPositions: [UInt32] = []
  private var stagedWords = [[(place: Int32, doc: DocID, count: UInt32, length: UInt32)]](
    repeating: [], count: Field.allCases.count)
  /// Staged postings past this many are added (6 MB and their positions; a million
  /// measured no faster, for 60 MB more at the peak).
  static let defaultStagedLimit = 1 << 18
  let stagedLimit: Int

  /// Adds the staged postings to their lists, in doc order in each.
  private mutating func addStaged() {
    for field in stagedWords.indices where !stagedWords[field].isEmpty {
      Self.add(stagedWords[field], to: &wordLists[field])
      stagedWords[field].removeAll(keepingCapacity: true)
    }
    guard !staged.isEmpty else { return }
    // The positions stay where they were staged, each posting naming its own (copying them
    // too, scattered into list order only to be read back in order, was 1.6 % of a build's
    // instructions).
    let sorted = Self.sortedByList(staged, listCount: gramLists.count) { Int($0.place) }
    gramLists.withUnsafeMutableBufferPointer { lists in
      stagedPositions.withUnsafeBufferPointer { positions in
        for (index, posting) in sorted.enumerated() {
          // The list and the positions of a posting further on, fetched into the cache ahead of it.
          if index + Self.prefetchDistance < sorted.count {
            let ahead = sorted[index + Self.prefetchDistance]
            cicu_prefetch(lists.baseAddress! + Int(ahead.place))
            cicu_prefetch(positions.baseAddress! + (ahead.end - Int(ahead.count)))
          }
          lists[Int(posting.place)].add(
            doc: posting.doc, count: posting.count, length: posting.length,
            positions: UnsafeBufferPointer(rebasing: positions[(posting.end - Int(posting.count))..<posting.end]))
        }
      }
    }
    staged.removeAll(keepingCapacity: true)
    stagedPositions.removeAll(keepingCapacity: true)
  }

  /// Adds word postings to their lists, in doc order in each.
  private static func add(_ postings: [(place: Int32, doc: DocID, count: UInt32, length: UInt32)], to lists: inout [PostingsWriter]) {
    let sorted = sortedByList(postings, listCount: lists.count) { Int($0.place) }
    lists.withUnsafeMutableBufferPointer { lists in
      for posting in sorted { lists[Int(posting.place)].add(doc: posting.doc, count: posting.count, length: posting.length) }
    }
  }

  /// Postings sorted by list, by a counting sort (stable: in doc order in each list).
  private static func sortedByList<Posting>(_ postings: [Posting], listCount: Int, list: (Posting) -> Int) -> [Posting] {
    var starts = [Int](repeating: 0, count: listCount + 1)
    for posting in postings { starts[list(posting) + 1] += 1 }
    for place in 0..<listCount { starts[place + 1] += starts[place] }
    var sorted = postings
    sorted.withUnsafeMutableBufferPointer { sorted in
      for posting in postings {
        sorted[starts[list(posting)]] = posting
        starts[list(posting)] += 1
      }
    }
    return sorted
  }

  init(dictionary: [UInt8], stagedLimit: Int) {
    self.dictionary = dictionary
    self.stagedLimit = stagedLimit
  }

  /// Completes the postings once every report is added: writes each list's open block. In
  /// place, so that no list is copied.
  mutating func finish() {
    addStaged()
    for field in wordLists.indices {
      for number in wordLists[field].indices { wordLists[field][number].finish() }
    }
    for place in gramLists.indices { gramLists[place].finish() }
  }

  /// Names one more path for an already added report (a duplicate file).
  mutating func addPath(_ path: String, toReport id: UInt32) {
    reports[Int(id)].paths.append(path)
    reports[Int(id)].paths.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

}

/// Term keys in the dictionary: a kind-and-field byte, then the term.
enum TermKey {
  static let wordPrefix: UInt8 = 0x10
  static let gramPrefix: UInt8 = 0x20

  static func word(_ field: Field, _ word: String) -> [UInt8] {
    [wordPrefix + UInt8(field.rawValue)] + Array(word.utf8)
  }

  /// The key bytes of grams that start with `scalar` in `field` (a prefix of their keys).
  static func gramPrefix(_ field: Field, _ scalar: Unicode.Scalar) -> [UInt8] {
    var bytes: [UInt8] = [gramPrefix + UInt8(field.rawValue)]
    UTF8.encode(scalar) { bytes.append($0) }
    return bytes
  }
}

/// A section's report, number and field lengths as the builder collects them (written as the
/// docs block's columns, `DocColumns`).
struct DocEntry: Sendable {
  var report: UInt32
  var section: UInt8
  var fieldLengths: [UInt32]
}
