import Foundation
import XCTest

@testable import DisclosureSearch

/// Ranking every match in two halves on two threads gives the ranking of one pass: the same
/// sections, scores, explanations and total.
final class ExhaustiveRankingTests: XCTestCase {
  static let queries = [
    "行政处罚", "罚", "政府 信息 公开", "（一）予以公开", "label:行政处罚 处理决定数量>0", "本年新收政府信息公开申请数量>=5", "year:2021",
    "行政复议 OR 行政诉讼", "依申请公开 NOT 信息处理费", "政府 NOT 张店区", "section:二 罚", "agency:财政局", "行政处罚 NOT 处理决定数量>0",
    "公开 -交通运输局", "heading:总体情况", "公开 OR 罚",
  ]

  func testHalvesGiveTheWholeRanking() throws {
    try assertHalvesGiveTheWholeRanking(SampleIndex.searcher)
  }

  /// Across segments and around deleted reports too.
  func testHalvesGiveTheWholeRankingOfAnUpdatedIndex() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-halves-\(UUID().uuidString)")
    addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
    let corpus = folder.appendingPathComponent("Corpus")
    let index = folder.appendingPathComponent("Index")
    try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
    let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.corpus.path).sorted()
    for name in names.enumerated().filter({ $0.offset % 2 == 0 }).map(\.element) {
      try FileManager.default.copyItem(at: Fixtures.corpus.appendingPathComponent(name), to: corpus.appendingPathComponent(name))
    }
    _ = try DisclosureIndex.build(corpus: corpus, index: index)
    for name in names.enumerated().filter({ $0.offset % 2 == 1 }).map(\.element) {
      try FileManager.default.copyItem(at: Fixtures.corpus.appendingPathComponent(name), to: corpus.appendingPathComponent(name))
    }
    for name in names.prefix(40).enumerated().filter({ $0.offset % 8 == 0 }).map(\.element) {
      try FileManager.default.removeItem(at: corpus.appendingPathComponent(name))
    }
    let summary = try DisclosureIndex.update(corpus: corpus, index: index)
    XCTAssertEqual(summary.segmentCount, 2)
    XCTAssertGreaterThan(summary.removedFileCount, 0)
    try assertHalvesGiveTheWholeRanking(try Searcher(indexFolder: index))
  }

  private func assertHalvesGiveTheWholeRanking(_ searcher: Searcher) throws {
    let analyzer = try Analyzer()
    for text in Self.queries {
      let query = try QueryParser.parse(text)
      for limit in [1, 30] {
        for (perSection, explain) in [(false, false), (true, false), (false, true)] {
          let name = "\(text), limit \(limit)\(perSection ? ", per section" : "")\(explain ? ", explained" : "")"
          let whole = try searcher.rankEveryMatch(
            query, analyzer: analyzer, explain: explain, perSection: perSection, limit: limit, threads: 1)
          let halves = try searcher.rankEveryMatch(
            query, analyzer: analyzer, explain: explain, perSection: perSection, limit: limit, threads: 2, splitDocCount: 100,
            splitPostings: 0)
          XCTAssertEqual(halves.total, whole.total, name)
          XCTAssertEqual(halves.top.map(\.doc), whole.top.map(\.doc), name)
          XCTAssertEqual(halves.top.map(\.scored.score), whole.top.map(\.scored.score), name)
          XCTAssertEqual(halves.top.map(\.scored.contributions), whole.top.map(\.scored.contributions), name)
          // The hits' terms, explained alone, add up to their scores in the order scored.
          for hit in whole.top where explain {
            XCTAssertEqual(hit.scored.contributions.reduce(0) { $0 + $1.score }, hit.scored.score, name)
            XCTAssertEqual(hit.scored.contributions.isEmpty, hit.scored.score == 0, name)
          }
        }
      }
      XCTAssertGreaterThan(try searcher.search(text, options: SearchOptions(countAll: true)).total, 0, text)
    }
  }
}
