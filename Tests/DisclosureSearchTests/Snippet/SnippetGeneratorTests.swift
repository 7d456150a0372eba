import XCTest

@testable import DisclosureSearch

final class SnippetGeneratorTests: XCTestCase {
  func section(_ text: String, startLine: Int = 10) -> StoredSection {
    StoredSection(number: 2, heading: "二、主动公开政府信息情况", text: text, startLine: startLine, rows: [])
  }

  /// Highlights point at the text as written, whatever normalization matched.
  func testHighlightsTheOriginalText() {
    let generator = SnippetGenerator(normalizer: Normalizer())
    let snippet = generator.snippet(
      for: section("二、主動公開政府資訊情況\n\t第二十條\n\t行政處罰\n\t\u{3000}１７６\n\t+374\n"), parts: ["行政处罚", "176"])
    XCTAssertEqual(snippet.text, "行政處罰 １７６ +374", "the snippet starts at the line of the first match")
    XCTAssertEqual(snippet.highlights, [[0, 4], [5, 8]])
    XCTAssertEqual(snippet.line, 12, "行政處罰 is on the third line of a section that starts at line 10")
  }

  func testOverlappingMatchesMerge() {
    let snippet = SnippetGenerator(normalizer: Normalizer()).snippet(for: section("二、标题\n行政处罚决定\n"), parts: ["行政处罚", "处罚决定"])
    XCTAssertEqual(snippet.text, "行政处罚决定")
    XCTAssertEqual(snippet.highlights, [[0, 6]])
  }
}
