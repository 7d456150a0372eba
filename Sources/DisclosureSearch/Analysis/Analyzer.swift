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

  init() throws(AnalysisError) {
    wordBreaker = try WordBreaker()
  }

  /// Occurrences of each word of `WordBreaker.vocabulary` in the field being analyzed, and
  /// the words counted so far.
  private var counts: [UInt32] = []
  private var counted: [Int32] = []

  struct AnalyzedField {
    /// Each ICU word once, with how often it occurs.
    var wordCounts = WordCounts()
    /// Number of ICU words: the field length for BM25.
    var length: UInt32 = 0
    /// Character grams (`GramCode`) with their positions, sorted by gram then position.
    var grams: [(code: UInt64, position: UInt32)] = []
  }

  func analyze(_ text: String) -> AnalyzedField {
    var field = AnalyzedField()
    let normalized = normalizer.foldedUTF8(text)
    let words = wordBreaker.words(normalized)
    if counts.count < wordBreaker.vocabulary.count { counts += repeatElement(0, count: wordBreaker.vocabulary.count - counts.count) }
    for (_, word) in words {
      if counts[Int(word)] == 0 { counted.append(word) }
      counts[Int(word)] += 1
    }
    field.length = UInt32(words.count)
    for word in counted {
      field.wordCounts.append(wordBreaker.vocabulary[Int(word)], count: counts[Int(word)], hash: wordBreaker.vocabulary.hash(of: Int(word)))
    }
    for word in counted { counts[Int(word)] = 0 }
    counted.removeAll(keepingCapacity: true)
    var previous: UInt32 = 0
    var position: UInt32 = 0
    field.grams.reserveCapacity(normalized.count / 2)
    for scalar in String(decoding: normalized, as: UTF8.self).unicodeScalars {
      let searchable = CharacterClass.isSearchable(scalar)
      if previous != 0 {
        // The previous scalar's gram: a bigram with this one.
        field.grams.append((GramCode.make(previous, scalar.value), position - 1))
      }
      previous = searchable ? scalar.value : 0
      position += 1
    }
    if previous != 0 { field.grams.append((GramCode.make(previous, 0), position - 1)) }
    Self.sortByCodeThenPosition(&field.grams, positionLimit: position)
    return field
  }

  /// Sorts grams by code, then position. Codes use 42 bits, so when every position fits in
  /// the other 22 the pairs sort as single integers, several times faster than as tuples.
  static func sortByCodeThenPosition(_ grams: inout [(code: UInt64, position: UInt32)], positionLimit: UInt32) {
    guard positionLimit < 1 << 22 else {
      grams.sort { $0.code != $1.code ? $0.code < $1.code : $0.position < $1.position }
      return
    }
    var packed = grams.map { $0.code << 22 | UInt64($0.position) }
    packed.sort()
    for index in packed.indices { grams[index] = (packed[index] >> 22, UInt32(truncatingIfNeeded: packed[index] & 0x3F_FFFF)) }
  }

  /// The ICU words of normalized query text.
  func words(ofNormalized text: String) -> [String] {
    let utf8 = Array(text.utf8)
    return wordBreaker.words(utf8).map { String(decoding: utf8[$0.range], as: UTF8.self) }
  }
}

/// Distinct words with their counts and `ByteStringTable` hashes; the words' bytes end to
/// end, one allocation for a field rather than one per word.
struct WordCounts: Sendable {
  private var bytes: [UInt8] = []
  private var entries: [(end: Int, count: UInt32, hash: UInt64)] = []

  var count: Int { entries.count }

  mutating func append(_ word: ArraySlice<UInt8>, count: UInt32, hash: UInt64) {
    bytes += word
    entries.append((bytes.count, count, hash))
  }

  subscript(index: Int) -> (word: ArraySlice<UInt8>, count: UInt32, hash: UInt64) {
    let entry = entries[index]
    return (bytes[(index == 0 ? 0 : entries[index - 1].end)..<entry.end], entry.count, entry.hash)
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
