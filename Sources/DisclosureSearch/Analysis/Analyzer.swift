/// Turns field text into what the index stores: ICU words with their counts (for ranking)
/// and the searchable characters with their positions (for exact substring recall).
///
/// A `Position` is the ordinal of a scalar in the field's normalized text, counting every
/// scalar (spaces and punctuation too), so a query string matches exactly where its
/// normalized form occurs. Character grams: each searchable scalar starts exactly one gram
/// at its position — the bigram with the next scalar, whatever it is (so the punctuation after
/// a letter is matched by its gram), or at the end of the field an end gram (the scalar
/// alone). A one-character query is the union of the grams that
/// start with it (a prefix range of the dictionary). Not thread-safe: each instance is used by one thread at a time (the indexer
/// hands one to each worker), hence `@unchecked Sendable`.
final class Analyzer: @unchecked Sendable {
  let normalizer = Normalizer()
  private let wordBreaker: WordBreaker
  private var tally = WordTally()
  private var grouper = GramGrouper()
  /// Fields analyzed with `remember`, by text, and the bytes of those texts: forgotten all at
  /// once past `rememberBudget` bytes (a field's words and grams take about ten times its
  /// text). A text longer than a sixteenth of that is not remembered.
  private var remembered = ByteStringMap<AnalyzedField>()
  private var rememberedBytes = 0
  private let rememberBudget: Int

  init(rememberBudget: Int = 1 << 20) throws(AnalysisError) {
    wordBreaker = try WordBreaker()
    self.rememberBudget = rememberBudget
  }

  struct AnalyzedField {
    /// Each ICU word once, with how often it occurs (but words past `WordBreaker.longestWord`).
    var wordCounts = WordCounts()
    /// Number of ICU words, long ones too: the field length for BM25.
    var length: UInt32 = 0
    /// Character grams (`GramCode`) with their positions, grouped by gram.
    var grams = GramGroups()
  }

  /// The field's words and grams. With `remember`, for text that repeats from report to
  /// report (a template's headings and table labels: on the generated corpus all but 0.1 %
  /// of the label field's bytes repeat a text seen before), a text met before is not
  /// analyzed again.
  func analyze(_ text: String, remember: Bool = false) -> AnalyzedField {
    guard remember, text.utf8.count <= rememberBudget / 16 else { return analyzeAfresh(text) }
    var bytes = text
    return bytes.withUTF8 { utf8 in
      let key = UnsafeRawBufferPointer(utf8)
      let hash = ByteStringTable.hash(key)
      if let field = remembered.value(for: key, hash: hash) { return field }
      if rememberedBytes + key.count > rememberBudget {
        remembered.removeAll()
        rememberedBytes = 0
      }
      let field = analyzeAfresh(text)
      remembered.insert(key, hash: hash, value: field)
      rememberedBytes += key.count
      return field
    }
  }

  private func analyzeAfresh(_ text: String) -> AnalyzedField {
    var field = AnalyzedField()
    let normalized = normalizer.foldedUTF8(text)
    let words = wordBreaker.words(normalized)
    field.wordCounts = tally.counts(of: words, in: wordBreaker.vocabulary)
    field.length = UInt32(words.count)
    // Each searchable scalar starts a gram: a bigram with the next scalar, or at the end an
    // end gram. The bytes are valid UTF-8 (the normalizer encoded them).
    var previous: UInt32 = 0
    var position: UInt32 = 0
    var grams: [(code: UInt64, position: UInt32)] = []
    grams.reserveCapacity(normalized.count / 2)
    normalized.withUnsafeBufferPointer { bytes in
      var index = 0
      while index < bytes.count {
        let width = UTF8.width(startingWith: bytes[index])
        guard index + width <= bytes.count else { break }
        let value = UTF8.value(in: bytes, at: index, width: width)
        index += width
        if previous != 0 { grams.append((GramCode.make(previous, value), position - 1)) }
        previous = CharacterClass.isSearchable(value) ? value : 0
        position += 1
      }
    }
    if previous != 0 { grams.append((GramCode.make(previous, 0), position - 1)) }
    field.grams = grouper.grouped(grams)
    return field
  }

  /// The ICU words of normalized query text that the index keeps (see
  /// `WordBreaker.longestWord`).
  func words(ofNormalized text: String) -> [String] {
    let utf8 = Array(text.utf8)
    return wordBreaker.words(utf8).filter { $0.word >= 0 }.map { String(decoding: utf8[$0.range], as: UTF8.self) }
  }
}

/// Counts a field's words by their numbers in the vocabulary (leaving out those not
/// numbered, past `WordBreaker.longestWord`); keeps its arrays from field to field.
struct WordTally {
  /// Occurrences of each vocabulary word in the field, and the words counted so far.
  private var counts: [UInt32] = []
  private var counted: [Int32] = []

  mutating func counts(of words: [(range: Range<Int>, word: Int32)], in vocabulary: ByteStringTable) -> WordCounts {
    if counts.count < vocabulary.count { counts += repeatElement(0, count: vocabulary.count - counts.count) }
    for (_, word) in words where word >= 0 {
      if counts[Int(word)] == 0 { counted.append(word) }
      counts[Int(word)] += 1
    }
    // The words' bytes are copied end to end into an array of their total size (appended
    // slice by slice, each append took the generic path of a collection).
    var entries: [(end: Int, count: UInt32, hash: UInt64)] = []
    entries.reserveCapacity(counted.count)
    var end = 0
    for word in counted {
      end += vocabulary.range(of: Int(word)).count
      entries.append((end, counts[Int(word)], vocabulary.hash(of: Int(word))))
      counts[Int(word)] = 0
    }
    let bytes = vocabulary.withKeyBytes { keys in
      [UInt8](unsafeUninitializedCapacity: end) { bytes, initialized in
        for word in counted {
          let range = vocabulary.range(of: Int(word))
          UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: bytes[initialized..<(initialized + range.count)]))
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: keys[range]))
          initialized += range.count
        }
      }
    }
    counted.removeAll(keepingCapacity: true)
    return WordCounts(bytes: bytes, entries: entries)
  }
}

/// Distinct words with their counts and `ByteStringTable` hashes; the words' bytes end to
/// end, one allocation for a field rather than one per word.
struct WordCounts: Sendable {
  private var bytes: [UInt8] = []
  private var entries: [(end: Int, count: UInt32, hash: UInt64)] = []

  var count: Int { entries.count }

  init() {}

  fileprivate init(bytes: [UInt8], entries: [(end: Int, count: UInt32, hash: UInt64)]) {
    (self.bytes, self.entries) = (bytes, entries)
  }

  subscript(index: Int) -> (word: ArraySlice<UInt8>, count: UInt32, hash: UInt64) {
    let entry = entries[index]
    return (bytes[(index == 0 ? 0 : entries[index - 1].end)..<entry.end], entry.count, entry.hash)
  }

  /// Calls `body` with each word's bytes, count and hash, in order (without a slice, and so
  /// a retain, per word).
  func forEach(_ body: (UnsafeRawBufferPointer, UInt32, UInt64) -> Void) {
    bytes.withUnsafeBytes { bytes in
      var start = 0
      for entry in entries {
        body(UnsafeRawBufferPointer(rebasing: bytes[start..<entry.end]), entry.count, entry.hash)
        start = entry.end
      }
    }
  }
}

/// A character gram as an integer: first scalar << 21 | second scalar (0 for an end gram, at
/// the end of a field).
enum GramCode {
  @inline(__always)
  static func make(_ first: UInt32, _ second: UInt32) -> UInt64 { UInt64(first) << 21 | UInt64(second) }

  /// The dictionary key bytes of a gram in a field (see `TermKey`).
  static func key(_ code: UInt64, field: Field) -> [UInt8] {
    var bytes: [UInt8] = [TermKey.gramPrefix + UInt8(field.rawValue)]
    for value in [UInt32(code >> 21), UInt32(code & 0x1F_FFFF)] where value != 0 {
      if let scalar = Unicode.Scalar(value) { UTF8.encode(scalar) { bytes.append($0) } }
    }
    return bytes
  }
}

/// A field's grams grouped by code: groups in order of first occurrence, each with its
/// positions ascending, end to end in one array, so that the writer copies a group's
/// positions at once.
struct GramGroups: Sendable {
  private(set) var groups: [(code: UInt64, count: UInt32, end: Int)] = []
  private(set) var positions: [UInt32] = []

  /// The number of grams (positions) in all groups.
  var gramCount: Int { positions.count }

  /// The positions of group `index`.
  func positions(ofGroup index: Int) -> [UInt32] {
    Array(positions[(index == 0 ? 0 : groups[index - 1].end)..<groups[index].end])
  }

  fileprivate init() {}

  fileprivate init(groups: [(code: UInt64, count: UInt32, end: Int)], positions: [UInt32]) {
    (self.groups, self.positions) = (groups, positions)
  }
}

/// Groups a field's grams by code (`GramGroups`). One hash probe per gram and a counting
/// sort (sorting the pairs took twice as long). Keeps its scratch from field to field, and
/// reads and writes it through buffer pointers (array accesses cost a uniqueness check each,
/// a seventh of the grouping).
struct GramGrouper {
  /// An open-addressing table from code to group number + 1 (0 is empty; a field uses the
  /// first slots, and clears the ones its groups took); each group's code, slot and number
  /// of grams (then where its next gram goes); each gram's group.
  private var slots: [Int32] = []
  private var groups: [(code: UInt64, slot: Int32, next: Int32)] = []
  private var groupOf: [Int32] = []

  /// `grams` (in position order), grouped.
  mutating func grouped(_ grams: [(code: UInt64, position: UInt32)]) -> GramGroups {
    var size = 16
    while size < 2 * grams.count { size *= 2 }
    if slots.count < size { slots = [Int32](repeating: 0, count: size) }
    if groupOf.count < grams.count {
      groups = Array(repeating: (0, 0, 0), count: grams.count)
      groupOf = [Int32](repeating: 0, count: grams.count)
    }
    let shift = UInt64(64 - size.trailingZeroBitCount)
    let mask = size - 1
    var result = GramGroups()
    slots.withUnsafeMutableBufferPointer { slots in
      groups.withUnsafeMutableBufferPointer { groups in
        groupOf.withUnsafeMutableBufferPointer { groupOf in
          var groupCount = 0
          for (index, gram) in grams.enumerated() {
            var slot = Int(truncatingIfNeeded: (gram.code &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while slots[slot] != 0 && groups[Int(slots[slot] - 1)].code != gram.code { slot = (slot + 1) & mask }
            if slots[slot] == 0 {
              slots[slot] = Int32(groupCount + 1)
              groups[groupCount] = (gram.code, Int32(slot), 0)
              groupCount += 1
            }
            let group = Int(slots[slot] - 1)
            groupOf[index] = Int32(group)
            groups[group].next += 1
          }
          // Counts become where each group starts; each position then goes to its group's next place.
          var ends: [(code: UInt64, count: UInt32, end: Int)] = []
          ends.reserveCapacity(groupCount)
          var total: Int32 = 0
          for group in 0..<groupCount {
            slots[Int(groups[group].slot)] = 0
            let count = groups[group].next
            groups[group].next = total
            total += count
            ends.append((groups[group].code, UInt32(count), Int(total)))
          }
          let positions = [UInt32](unsafeUninitializedCapacity: grams.count) { sorted, initialized in
            for (index, gram) in grams.enumerated() {
              let group = Int(groupOf[index])
              sorted[Int(groups[group].next)] = gram.position
              groups[group].next += 1
            }
            initialized = grams.count
          }
          result = GramGroups(groups: ends, positions: positions)
        }
      }
    }
    // The scratch of a field of millions of characters is not kept for the next fields.
    if grams.count > Self.largestKept { self = GramGrouper() }
    return result
  }

  static let largestKept = 1 << 18
}
