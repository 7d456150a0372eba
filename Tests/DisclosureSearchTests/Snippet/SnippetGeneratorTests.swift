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

  /// Line feeds counted a word at a time equal a byte-by-byte count, at every length and
  /// alignment, next to bytes one bit away from a line feed (0x0B, 0x8A, 0x0E, 0x02).
  func testNewlinesCountedByWordsEqualAByteCount() {
    var generator = SystemRandomNumberGenerator()
    let alphabet: [UInt8] = [0x0A, 0x0B, 0x8A, 0x0E, 0x02, 0x00, 0xFF, 0x80, 0x7F, 0x20, 0xE8]
    for length in 0..<80 {
      for _ in 0..<50 {
        let bytes = (0..<(length + 3)).map { _ in alphabet.randomElement(using: &generator)! }
        for start in 0..<3 {
          let slice = bytes[start..<(start + length)]
          let counted = bytes.withUnsafeBufferPointer { SnippetGenerator.newlines(in: UnsafeBufferPointer(rebasing: $0[start..<(start + length)])) }
          XCTAssertEqual(counted, slice.filter { $0 == 0x0A }.count, "\(Array(slice))")
        }
      }
    }
  }

  func testOverlappingMatchesMerge() {
    let snippet = SnippetGenerator(normalizer: Normalizer()).snippet(for: section("二、标题\n行政处罚决定\n"), parts: ["行政处罚", "处罚决定"])
    XCTAssertEqual(snippet.text, "行政处罚决定")
    XCTAssertEqual(snippet.highlights, [[0, 6]])
  }

  /// The generator works on UTF-8 offsets; this is the same rule over an array of scalars,
  /// written plainly. Both must agree on every section of the sample corpus, and a hit's
  /// snippet, read in its record's bytes, must be the same as its stored section's.
  func testAgreesWithAScalarByScalarReference() throws {
    let index = SampleIndex.searcher.index
    let normalizer = Normalizer()
    let generator = SnippetGenerator(normalizer: normalizer)
    let partSets = [["行政处罚"], ["政府信息", "公开"], ["2020"], ["("], ["年度报告", "报告"], ["不存在的词"], ["，"]]
    var compared = 0
    for doc in 0..<UInt32(index.liveDocCount) {
      let section = try index.section(doc)
      let hit = try index.sectionHit(doc, rows: .none)
      for parts in partSets {
        let folded = parts.map { normalizer.normalize($0) }
        let snippet = generator.snippet(for: section, parts: folded)
        let hitSnippet = generator.snippet(for: hit, parts: folded)
        XCTAssertEqual([hitSnippet.text, "\(hitSnippet.highlights)", "\(hitSnippet.line)"], [snippet.text, "\(snippet.highlights)", "\(snippet.line)"], "doc \(doc), \(parts)")
        let expected = Self.reference(section, parts: folded, normalizer: normalizer)
        XCTAssertEqual(snippet.text, expected.text, "doc \(doc), \(parts)")
        XCTAssertEqual(snippet.highlights, expected.highlights, "doc \(doc), \(parts)")
        XCTAssertEqual(snippet.line, expected.line, "doc \(doc), \(parts)")
        compared += 1
      }
    }
    XCTAssertGreaterThan(compared, 5_000)
  }

  static func reference(_ section: StoredSection, parts: [String], normalizer: Normalizer) -> SnippetGenerator.Snippet {
    let source = Array(section.text.unicodeScalars)
    let normalized = normalizer.normalize(section.text[...])
    var scalarAt: [Int: Int] = [:]  // UTF-8 offset → scalar index
    var offset = 0
    for (index, scalar) in source.enumerated() {
      scalarAt[offset] = index
      offset += UTF8.width(scalar)
    }
    scalarAt[offset] = source.count
    var matches: [Range<Int>] = []
    for part in parts where !part.isEmpty {
      let needle = Array(part.utf8)
      for start in normalized.utf8.indices(of: needle) {
        let from = scalarAt[normalized.sourceOffset(of: start)]!
        let to = scalarAt[normalized.sourceOffset(of: start + needle.count)]!
        matches.append(from..<max(to, from + 1))
      }
    }
    var merged: [Range<Int>] = []
    for match in matches.sorted(by: { $0.lowerBound < $1.lowerBound }) {
      if let last = merged.last, match.lowerBound <= last.upperBound {
        merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, match.upperBound)
      } else {
        merged.append(match)
      }
    }
    let headingEnd = section.number == 0 ? 0 : (source.firstIndex(of: "\n") ?? source.count)
    let anchor = merged.first { $0.lowerBound >= headingEnd } ?? merged.first
    var start = max(0, (anchor?.lowerBound ?? headingEnd) - SnippetGenerator.contextBefore)
    if let anchor, let newline = source[start..<anchor.lowerBound].lastIndex(of: "\n") { start = newline + 1 }
    var shown: [Unicode.Scalar] = []
    var highlights: [[Int]] = []
    var highlightStart: Int?
    for index in start..<source.count where shown.count < SnippetGenerator.maxSnippetScalars {
      let inMatch = merged.contains { $0.contains(index) }
      if inMatch && highlightStart == nil { highlightStart = shown.count }
      if Layout.isSpace(source[index]) {
        if let last = shown.last, last != " " { shown.append(" ") }
      } else {
        shown.append(source[index])
      }
      let nextInSameMatch = merged.contains { $0.contains(index) && $0.contains(index + 1) }
      if let open = highlightStart, !nextInSameMatch {
        highlights.append([open, shown.count])
        highlightStart = nil
      }
    }
    if let open = highlightStart { highlights.append([open, shown.count]) }
    while shown.last == " " { shown.removeLast() }
    let lineInSection = source[0..<start].filter { $0 == "\n" }.count
    let line = section.sourceLines.indices.contains(lineInSection) ? section.sourceLines[lineInSection] : section.startLine + lineInSection
    var text = String.UnicodeScalarView()
    text.append(contentsOf: shown)
    return SnippetGenerator.Snippet(text: String(text), highlights: highlights, line: line)
  }
}
