import Foundation
import XCTest

@testable import DisclosureSearch

/// Search the sample corpus as a user would.
final class EndToEndTests: XCTestCase {
  func testPenaltyQueryFindsTheRealReportsTableRow() throws {
    let result = try SampleIndex.searcher.search("行政处罚", options: SearchOptions(limit: 10_000))
    let real = try XCTUnwrap(result.hits.first { $0.path == "张店区交通运输局_2020.txt" })
    XCTAssertEqual(real.section, "二、主动公开政府信息情况")
    XCTAssertEqual(real.line, 57)
    XCTAssertEqual(real.rows.count, 1)
    XCTAssertEqual(real.rows.first?.label, "行政处罚")
    XCTAssertEqual(real.rows.first?.cells.pairs.map(\.text), ["176", "+374", "550"])
    XCTAssertEqual(real.rows.first?.cells.pairs.map(\.header), ["上一年项目数量", "本年增/减", "处理决定数量"])
    XCTAssertTrue(real.snippet.hasPrefix("行政处罚 176 +374 550"), real.snippet)
    XCTAssertEqual(real.highlights.first, [0, 4])
  }

  /// A searcher keeps scratch arrays from search to search (the counts of a one-character
  /// query's grams, the scores of the exhaustive ranking) and leaves them as it found them:
  /// the same search again gives the same hits and count.
  func testASearchRepeatedGivesTheSameHits() throws {
    let searcher = try Searcher(indexFolder: SampleIndex.folder)
    for text in ["罚", "公", "label:费", "政府 信息 公开", "section:三 予以公开"] {
      let options = SearchOptions(limit: 20, countAll: true)
      let first = try searcher.search(text, options: options)
      let again = try searcher.search(text, options: options)
      XCTAssertGreaterThan(first.total, 0, text)
      XCTAssertEqual(again.total, first.total, text)
      XCTAssertEqual(again.hits.map(\.path), first.hits.map(\.path), text)
      XCTAssertEqual(again.hits.map(\.score), first.hits.map(\.score), text)
    }
  }

  /// Every indexed report with a 行政处罚 row is among the hits, and its best hit is the
  /// section holding that row — the same holds for the other table labels people search for.
  func testLabelQueriesRankEachReportsTableSectionFirst() throws {
    let truths = try TruthFile.load()
    let indexed = Set(try indexedPaths())
    for label in ["行政处罚", "行政许可", "政府集中采购", "行政事业性收费"] {
      let result = try SampleIndex.searcher.search(label, options: SearchOptions(limit: 100_000))
      var best: [String: Hit] = [:]
      for hit in result.hits {
        for path in [hit.path] + hit.other_paths where best[path] == nil { best[path] = hit }
      }
      var checked = 0
      for truth in truths where truth.duplicate_of == nil && indexed.contains(truth.file) {
        guard let row = truth.rows.first(where: { $0.label == label }) else { continue }
        let hit = try XCTUnwrap(best[truth.file], "\(label): \(truth.file) is not among the hits")
        XCTAssertEqual(hit.section_number, row.section, "\(label): \(truth.file) best hit is section \(hit.section_number)")
        XCTAssertTrue(hit.rows.contains { $0.label == label }, "\(label): \(truth.file) hit lacks its row")
        checked += 1
      }
      XCTAssertGreaterThan(checked, 10, label)
    }
  }

  /// A query's ICU words add to a section only in the fields where the query string occurs,
  /// counted at most as often as the string there: 行政 of 行政处罚 neither counts in a
  /// heading about 行政复议 nor five times over in a table whose labels name 行政处罚 once.
  func testQueryWordsCountOnlyWhereTheStringOccurs() throws {
    for query in ["行政处罚", "政府信息公开", "行政复议 诉讼"] {
      let result = try SampleIndex.searcher.search(query, options: SearchOptions(limit: 10_000, explain: true))
      XCTAssertGreaterThan(result.hits.count, 10, query)
      var words = 0
      for hit in result.hits {
        let contributions = try XCTUnwrap(hit.explanation, query)
        for word in contributions where word.kind == "word" {
          // The part it comes from, in the same field.
          let part = contributions.filter { $0.kind == "phrase" && $0.field == word.field && $0.term.contains(word.term) }
          XCTAssertLessThanOrEqual(word.tf, part.map(\.tf).max() ?? 0, "\(query): \(word.term) in \(word.field) of \(hit.path)")
          words += 1
        }
      }
      XCTAssertGreaterThan(words, 10, query)
    }
  }

  /// `path:line` points at the line of the file holding the snippet's first match, for text
  /// files and for web pages alike (whose text is drawn from the markup).
  func testHitLinesPointIntoTheSourceFile() throws {
    let truths = Dictionary(try TruthFile.load().map { ($0.file, $0) }, uniquingKeysWith: { first, _ in first })
    let result = try SampleIndex.searcher.search("label:行政处罚", options: SearchOptions(limit: 10_000))
    var checked: Set<String> = []
    for hit in result.hits where truths[hit.path]?.encoding == "utf-8" && truths[hit.path]?.script == "hans" {
      let lines = try String(contentsOf: Fixtures.corpus.appendingPathComponent(hit.path), encoding: .utf8)
        .replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
      XCTAssertTrue(lines[hit.line - 1].contains("行政处罚"), "\(hit.path):\(hit.line) is \(lines[hit.line - 1])")
      checked.insert(truths[hit.path]?.layout ?? "")
    }
    XCTAssertEqual(checked, ["tab", "pipe", "pdftext", "html"])
  }

  func testTraditionalAndFullWidthQueriesFindTheSameSections() throws {
    let searcher = SampleIndex.searcher
    let simplified = try searcher.search("行政处罚", options: SearchOptions(limit: 100_000)).hits.map(\.path)
    let traditional = try searcher.search("行政處罰", options: SearchOptions(limit: 100_000)).hits.map(\.path)
    XCTAssertEqual(simplified, traditional)
    let halfWidth = try searcher.search("2020年", options: SearchOptions(limit: 100_000)).total
    let fullWidth = try searcher.search("２０２０年", options: SearchOptions(limit: 100_000)).total
    XCTAssertEqual(halfWidth, fullWidth)
    XCTAssertGreaterThan(halfWidth, 0)
  }

  func testSubstringsOfICUWordsAreFound() throws {
    // ICU keeps 行政诉讼 as one word; a search for 诉讼 must still find it.
    let result = try SampleIndex.searcher.search("诉讼", options: SearchOptions(limit: 100_000))
    XCTAssertTrue(result.hits.contains { $0.section_number == 4 })
    XCTAssertGreaterThan(result.total, 100)
  }

  func testUnsearchableQueriesAreRejected() {
    for query in ["", "   ", "!!!", "，。、"] {
      XCTAssertThrowsError(try SampleIndex.searcher.search(query), query)
    }
  }

  func testDuplicatesAreIndexedOnceWithEveryPath() throws {
    let truths = try TruthFile.load()
    let duplicate = try XCTUnwrap(truths.first { $0.duplicate_of != nil && $0.layout != "html" })
    let original = try XCTUnwrap(duplicate.duplicate_of)
    let result = try SampleIndex.searcher.search("title:\"\(duplicate.title)\"", options: SearchOptions(limit: 100))
    let hit = try XCTUnwrap(result.hits.first)
    XCTAssertEqual(Set([hit.path] + hit.other_paths), Set([original, duplicate.file]))
  }

  func testCheckFindsNoProblemInAFreshIndex() {
    XCTAssertEqual(DisclosureIndex.check(index: SampleIndex.folder), [])
  }

  private func indexedPaths() throws -> [String] {
    let log = try String(contentsOf: SampleIndex.folder.appendingPathComponent("index-log.txt"), encoding: .utf8)
    return log.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("skipped") }.map {
      String($0.split(separator: "\t")[1])
    }
  }
}
