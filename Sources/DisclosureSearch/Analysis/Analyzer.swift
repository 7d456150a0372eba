/// Turns field text into what the index stores: ICU words with their counts (for ranking)
/// and the searchable characters with their positions (for exact substring recall).
///
/// A `Position` is the ordinal of a scalar in the field's normalized text, counting every
/// scalar (spaces and punctuation too), so a query string matches exactly where its
/// normalized form occurs. Character grams: a unigram for each searchable scalar and a
/// bigram for each two adjacent searchable scalars, both at the position of their first
/// scalar. Not thread-safe: each instance is used by one thread at a time (the indexer
/// hands one to each worker), hence `@unchecked Sendable`.
final class Analyzer: @unchecked Sendable {
  let normalizer = Normalizer()
  private let wordBreaker: WordBreaker

  init() throws(AnalysisError) {
    wordBreaker = try WordBreaker()
  }

  struct AnalyzedField {
    /// ICU words and how often each occurs.
    var wordCounts: [String: UInt32] = [:]
    /// Number of ICU words: the field length for BM25.
    var length: UInt32 = 0
    /// Character grams (1 or 2 scalars) and their positions, ascending.
    var grams: [String: [UInt32]] = [:]
  }

  func analyze(_ text: String) -> AnalyzedField {
    var field = AnalyzedField()
    let normalized = normalizer.normalize(text[...])
    for range in wordBreaker.words(normalized.utf8) {
      let word = String(decoding: normalized.utf8[range], as: UTF8.self)
      field.wordCounts[word, default: 0] += 1
      field.length += 1
    }
    var previous: Unicode.Scalar?
    var position: UInt32 = 0
    for scalar in String(decoding: normalized.utf8, as: UTF8.self).unicodeScalars {
      if CharacterClass.isSearchable(scalar) {
        field.grams[String(scalar), default: []].append(position)
        if let previous {
          var bigram = String(previous)
          bigram.unicodeScalars.append(scalar)
          field.grams[bigram, default: []].append(position - 1)
        }
        previous = scalar
      } else {
        previous = nil
      }
      position += 1
    }
    return field
  }

  /// The ICU words of normalized query text.
  func words(ofNormalized text: String) -> [String] {
    let utf8 = Array(text.utf8)
    return wordBreaker.words(utf8).map { String(decoding: utf8[$0], as: UTF8.self) }
  }
}
