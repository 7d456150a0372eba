import XCTest

@testable import DisclosureSearch

final class AnalyzerTests: XCTestCase {
  func testWordsAreICUSegmentsOfTheNormalizedText() throws {
    let analyzer = try Analyzer()
    let field = analyzer.analyze("２０２０年，本局共作出行政处罚550件。")
    XCTAssertEqual(field.wordCounts["2020"], 1)
    XCTAssertEqual(field.wordCounts["550"], 1)
    XCTAssertNil(field.wordCounts["，"], "punctuation is dropped")
    XCTAssertNil(field.wordCounts["。"])
    XCTAssertEqual(field.length, UInt32(field.wordCounts.values.reduce(0, +)))
  }

  func testGramsCarryScalarPositionsAndStopAtPunctuation() throws {
    let field = try Analyzer().analyze("行政，处罚")
    XCTAssertEqual(field.grams["行"], [0])
    XCTAssertEqual(field.grams["行政"], [0])
    XCTAssertEqual(field.grams["处罚"], [3])
    XCTAssertNil(field.grams["政处"], "no bigram across the comma")
    XCTAssertNil(field.grams["，"])
  }

  func testPhraseGramsCoverEveryCharacter() {
    let grams = PhraseMatcher.grams(of: "行政处罚决定").map { "\($0.text)@\($0.offset)" }
    XCTAssertEqual(grams, ["行政@0", "处罚@2", "决定@4"])
    XCTAssertEqual(PhraseMatcher.grams(of: "行政处罚").map { "\($0.text)@\($0.offset)" }, ["行政@0", "处罚@2"])
    XCTAssertEqual(PhraseMatcher.grams(of: "行政处").map { "\($0.text)@\($0.offset)" }, ["行政@0", "政处@1"])
    XCTAssertEqual(PhraseMatcher.grams(of: "第(六)项").map { "\($0.text)@\($0.offset)" }, ["第@0", "六@2", "项@4"])
  }
}
