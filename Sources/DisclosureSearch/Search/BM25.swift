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

  /// A field's k1 × (1 − b + b × dl / avgdl) as `base + perWord × dl`: scoring then takes one
  /// division, not two.
  struct FieldNorm: Sendable {
    let base: Double
    let perWord: Double

    init(averageFieldLength: Double) {
      if averageFieldLength > 0 {
        base = k1 * (1 - b)
        perWord = k1 * b / averageFieldLength
      } else {
        (base, perWord) = (k1, 0)
      }
    }
  }

  /// The score of one term in one field: idf × tf / (tf + k1 × (1 − b + b × dl / avgdl)).
  @inline(__always)
  static func score(idf: Double, termFrequency: Double, fieldLength: Double, norm: FieldNorm) -> Double {
    idf * termFrequency / (termFrequency + norm.base + norm.perWord * fieldLength)
  }

  /// The score's factor of term frequency and field length, tf / (tf + k1 × (…)): the same
  /// for every term counted as often in the same field, so a bound of several takes one
  /// division (equal to `score` up to rounding).
  @inline(__always)
  static func saturation(termFrequency: Double, fieldLength: Double, norm: FieldNorm) -> Double {
    termFrequency / (termFrequency + norm.base + norm.perWord * fieldLength)
  }
}
