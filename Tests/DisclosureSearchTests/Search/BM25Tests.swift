import XCTest

@testable import DisclosureSearch

final class BM25Tests: XCTestCase {
  /// Lucene's BM25: N = 1000, n = 10, tf = 3, dl = 30, avgdl = 25 → 3.121493.
  func testMatchesLuceneFormula() {
    let idf = BM25.idf(documentCount: 1000, documentFrequency: 10)
    let score = BM25.score(idf: idf, termFrequency: 3, fieldLength: 30, norm: BM25.FieldNorm(averageFieldLength: 25))
    XCTAssertEqual(score, 3.121493, accuracy: 1e-6)
  }

  func testRarerTermsAndShorterFieldsScoreHigher() {
    let common = BM25.idf(documentCount: 1000, documentFrequency: 500)
    let rare = BM25.idf(documentCount: 1000, documentFrequency: 5)
    XCTAssertGreaterThan(rare, common)
    XCTAssertGreaterThan(
      BM25.score(idf: rare, termFrequency: 1, fieldLength: 10, norm: BM25.FieldNorm(averageFieldLength: 25)),
      BM25.score(idf: rare, termFrequency: 1, fieldLength: 100, norm: BM25.FieldNorm(averageFieldLength: 25)))
  }
}
