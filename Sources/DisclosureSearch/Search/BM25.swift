import Foundation

/// BM25 exactly as Lucene computes it: IDF = ln(1 + (N − n + 0.5) / (n + 0.5)), and no
/// (k1 + 1) factor in the numerator.
enum BM25 {
  static let k1 = 1.2
  static let b = 0.75

  static func idf(documentCount: Int, documentFrequency: Int) -> Double {
    let n = Double(documentFrequency)
    return log(1 + (Double(documentCount) - n + 0.5) / (n + 0.5))
  }

  /// The score of one term in one field: idf × tf / (tf + k1 × (1 − b + b × dl / avgdl)).
  static func score(idf: Double, termFrequency: Double, fieldLength: Double, averageFieldLength: Double) -> Double {
    let norm = averageFieldLength > 0 ? fieldLength / averageFieldLength : 1
    return idf * termFrequency / (termFrequency + k1 * (1 - b + b * norm))
  }
}
