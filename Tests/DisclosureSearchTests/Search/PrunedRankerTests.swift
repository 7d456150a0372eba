import Foundation
import XCTest

@testable import DisclosureSearch

/// The pruned ranking returns exactly the hits of ranking every match, and a total that
/// never overstates (and is exact whenever it says so).
final class PrunedRankerTests: XCTestCase {
  func testPrunedHitsEqualEveryMatchRanked() throws {
    // Typical queries, then random substrings of section text, alone, in pairs and filtered.
    var queries = [
      "行政处罚", "行政许可", "政府 信息 公开", "主动公开 政府信息", "\"政府信息公开工作\"", "label:行政处罚", "heading:总体情况",
      "行政复议 信息处理费", "year:2021 行政处罚", "agency:财政局 行政事业性收费", "section:三 予以公开", "region:淄博 政府信息",
      "交通运输局", "12345", "title:2020 公开", "行政复议 OR 行政诉讼", "依申请公开 NOT 信息处理费", "(行政复议 OR 行政诉讼) 信息处理费",
      "政府 -公开", "行政处罚 (year:2021 OR agency:财政局)", "NOT 行政处罚 政府", "label:行政许可 OR heading:总体情况 NOT 罚款",
      "政府 NOT 罚", "section:二 行政处罚 NOT 罚款", "year:2021 公开 -复议", "情况 NOT 复议",
    ]
    let pieces = try Self.bodyWindows(120, lengths: 2...4, seed: 20_261_126) { $0.allSatisfy(CharacterClass.isSearchable) }
    queries += pieces.prefix(60)
    queries += stride(from: 60, to: 120, by: 2).map { "\(pieces[$0]) \(pieces[$0 + 1])" }
    queries += pieces.prefix(10).map { "year:2021 \($0)" }
    queries += stride(from: 0, to: 40, by: 2).map { "\(pieces[$0]) OR \(pieces[$0 + 1])" }
    queries += stride(from: 40, to: 80, by: 2).map { "\(pieces[$0]) NOT \(pieces[$0 + 1])" }
    let pruned = try Self.assertSameHitsAsEveryMatch(queries, limits: [1, 10])
    // The comparison means something only if sections were in fact skipped.
    XCTAssertGreaterThan(pruned, queries.count / 4)
  }

  /// `count` distinct windows of `lengths` scalars of random sections' normalized body text
  /// that `keep` accepts.
  static func bodyWindows(
    _ count: Int, lengths: ClosedRange<Int>, seed: UInt64, where keep: (ArraySlice<Unicode.Scalar>) -> Bool
  ) throws -> [String] {
    let searcher = SampleIndex.searcher
    let normalizer = Normalizer()
    var generator = SeededGenerator(seed: seed)
    var windows: [String] = []
    while windows.count < count {
      let doc = UInt32.random(in: 0..<UInt32(searcher.index.docCount), using: &generator)
      let scalars = Array(normalizer.normalize(try searcher.index.fieldTexts(of: doc)[.body] ?? "").unicodeScalars)
      guard scalars.count > 2 * lengths.upperBound else { continue }
      let start = Int.random(in: 0..<(scalars.count - lengths.upperBound), using: &generator)
      let window = scalars[start..<(start + Int.random(in: lengths, using: &generator))]
      if keep(window) { windows.append(String(String.UnicodeScalarView(window))) }
    }
    return windows
  }

  /// Asserts that each query finds, at each limit, the hits of ranking every match, with a
  /// total that never overstates (and is exact when it says so); returns how many totals
  /// were lower bounds.
  static func assertSameHitsAsEveryMatch(_ queries: [String], limits: [Int]) throws -> Int {
    let searcher = SampleIndex.searcher
    var bounded = 0
    for query in queries {
      for limit in limits {
        let fast = try searcher.search(query, options: SearchOptions(limit: limit))
        let full = try searcher.search(query, options: SearchOptions(limit: limit, countAll: true))
        XCTAssertTrue(full.total_exact)
        XCTAssertEqual(fast.hits, full.hits, "\(query), limit \(limit)")
        XCTAssertLessThanOrEqual(fast.total, full.total, "\(query)")
        XCTAssertGreaterThanOrEqual(fast.total, fast.hits.count, "\(query)")
        if fast.total_exact { XCTAssertEqual(fast.total, full.total, "\(query)") } else { bounded += 1 }
      }
    }
    return bounded
  }

  /// A part with punctuation (a row label as written, or any text), alone, filtered or with
  /// other parts, gives the hits of checking every match: matched by its grams where they
  /// check its punctuation, and otherwise checked in the stored text only in the sections
  /// that can reach the top.
  func testPunctuatedPartsGiveTheHitsOfCheckingEveryMatch() throws {
    var queries = ["1.属于国家秘密", "（一）予以公开", "2.重复申请", "“三安全一稳定”", "第二十条第（八）项", "label:（三）不予公开"]
    // Punctuation inside, letters or digits at both ends, no spaces or query syntax.
    queries += try Self.bodyWindows(54, lengths: 3...7, seed: 26_112_026) { window in
      guard let first = window.first, let last = window.last else { return false }
      return CharacterClass.isSearchable(first) && CharacterClass.isSearchable(last) && !window.allSatisfy(CharacterClass.isSearchable)
        && !window.contains(where: { $0.properties.isWhitespace || "()\":-".unicodeScalars.contains($0) })
    }
    queries += queries.prefix(12).flatMap { ["year:2021 \($0)", "section:三 \($0)", "agency:局 \($0)"] }
    // With other parts: both in a report, either, one without the other, one that occurs nowhere.
    queries += stride(from: 4, to: 24, by: 2).flatMap { [queries] first in
      let (a, b) = (queries[first], queries[first + 1])
      return ["\(a) \(b)", "\(a) OR 行政处罚", "\(a) NOT \(b)", "公开 NOT \(a)", "(\(a) OR \(b)) 壩账"]
    }
    let checkedFewer = try Self.assertSameHitsAsEveryMatch(queries, limits: [1, 3, 10])
    XCTAssertGreaterThan(checkedFewer, queries.count / 4, "sections were in fact left unchecked")
  }

  /// The query's logic with parts not yet known: decided when the known ones decide it.
  func testLogicWithUnknownParts() {
    typealias Logic = PrunedRanker.Logic
    let logic = Logic.all([.any([.part(0), .part(1)]), .not(.part(2))])
    func value(_ known: [Bool?]) -> Bool? { logic.value(report: 0) { known[$0] } }
    XCTAssertEqual(value([nil, nil, true]), false)
    XCTAssertEqual(value([nil, true, false]), true)
    XCTAssertNil(value([nil, false, false]))
    XCTAssertNil(value([true, nil, nil]))
    XCTAssertEqual(value([false, false, nil]), false)
    XCTAssertEqual(logic.holds(report: 0) { $0 == 1 }, true)
  }

  /// A clause whose bound alone cannot enter does not drive: the sections only it finds are
  /// not read, and the total must then say it is a lower bound. Here 64 top-64 places fill
  /// with headings holding the part in 12 words, 64 better ones (6 words) take them in the
  /// first range, and in the next 64 yet better ones (1 word) each enter, while 64 long
  /// sections hold the part only in their body, too weakly to drive.
  func testSectionsPassedOverMakeTheTotalALowerBound() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-passed-\(UUID().uuidString)")
    let corpus = folder.appendingPathComponent("Corpus")
    try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    for report in 0..<192 {
      let heading = "一、总体情况（\(String(repeating: "数据", count: report < 64 ? 12 : report < 128 ? 6 : 1))甲乙丙）"
      let before = report < 128 ? "" : String(repeating: "其他内容说明。", count: 40) + "甲乙丙。\n"
      let text = "测试\(report)号局2021年政府信息公开工作年度报告\n\(before)\(heading)\n本机关工作情况。\n二、主动公开政府信息情况\n其他内容。\n"
      try text.write(to: corpus.appendingPathComponent(String(format: "r%03d.txt", report)), atomically: true, encoding: .utf8)
    }
    let index = folder.appendingPathComponent("Index")
    _ = try DisclosureIndex.build(corpus: corpus, index: index)
    let searcher = try Searcher(indexFolder: index)
    let fast = try searcher.search("甲乙丙", options: SearchOptions(limit: 64))
    let full = try searcher.search("甲乙丙", options: SearchOptions(limit: 64, countAll: true))
    XCTAssertEqual(fast.hits, full.hits)
    XCTAssertEqual(full.total, 256)
    XCTAssertLessThan(fast.total, full.total, "the body-only sections were passed over")
    XCTAssertFalse(fast.total_exact)
  }

  /// A section whose grams line up more often than the string occurs (甲乙.。丙丁 for
  /// 甲乙.、丙丁: the grams check the point after 乙, not the mark after the point) scores below
  /// its bound once checked; the sections after it must still be checked.
  func testACheckedSectionBelowItsBoundLetsTheNextOneIn() throws {
    let needle = "甲乙.、丙丁"
    XCTAssertTrue(PhraseMatcher.needsTextCheck(needle))
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-lined-\(UUID().uuidString)")
    let corpus = folder.appendingPathComponent("Corpus")
    try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let bodies = [
      "a": "甲乙.。丙丁。甲乙.。丙丁。甲乙.。丙丁。甲乙.、丙丁。其他内容。",  // lined up 4 times, the string once
      "b": "甲乙.、丙丁。甲乙.、丙丁。其他内容。另外一些内容。",  // lined up twice, the string twice
      "c": "甲乙.、丙丁。其他内容。另外一些内容。再有一些内容。",
    ]
    for (name, body) in bodies {
      let text = "测试\(name)局2021年政府信息公开工作年度报告\n一、总体情况\n\(body)\n"
      try text.write(to: corpus.appendingPathComponent("\(name).txt"), atomically: true, encoding: .utf8)
    }
    let index = folder.appendingPathComponent("Index")
    _ = try DisclosureIndex.build(corpus: corpus, index: index)
    let searcher = try Searcher(indexFolder: index)
    for limit in [1, 2, 3] {
      let fast = try searcher.search(needle, options: SearchOptions(limit: limit))
      let full = try searcher.search(needle, options: SearchOptions(limit: limit, countAll: true))
      XCTAssertEqual(fast.hits, full.hits, "limit \(limit)")
      XCTAssertEqual(fast.hits.first?.path, "b.txt")
    }
  }

  /// Bounded a few docs at a time (the clauses passed over read in bulk where the drivers
  /// hold many docs, and otherwise bounded by their range), a segment gives the ranking of
  /// every match.
  func testSmallWindowsGiveTheWholeRanking() throws {
    let searcher = SampleIndex.searcher
    let analyzer = try Analyzer()
    for text in [
      "行政处罚", "政府 信息 公开", "label:行政复议", "公开 年度报告", "依申请", "行政复议 OR 行政诉讼", "张店区 公开", "year:2021 复议",
      "行政复议 信息处理费", "依申请公开 NOT 信息处理费", "诉讼", "诉讼 复议",
    ] {
      let query = try QueryParser.parse(text)
      for limit in [1, 10, 30] {
        let ranker = try XCTUnwrap(try searcher.prunedRanker(query, analyzer: analyzer, limit: limit))
        let full = try searcher.rank(query, analyzer: analyzer, explain: false, countAll: true, limit: limit)
        // With windows reading each clause's second-rarest gram, or its words, from the start too.
        for (window, secondGramAfter, wordsAfter) in [
          (64, PrunedRanker.secondGramAfter, PrunedRanker.wordsAfter), (128, PrunedRanker.secondGramAfter, PrunedRanker.wordsAfter),
          (64, 0, PrunedRanker.wordsAfter), (2048, 0, PrunedRanker.wordsAfter), (64, PrunedRanker.secondGramAfter, 0), (2048, 0, 0),
        ] {
          let ranked = try ranker.rank(threads: 1, window: window, secondGramAfter: secondGramAfter, wordsAfter: wordsAfter)
          let name = "\(text), limit \(limit), window \(window), second gram after \(secondGramAfter), words after \(wordsAfter)"
          XCTAssertEqual(ranked.top.map(\.doc), full.top.map(\.doc), name)
          XCTAssertEqual(ranked.top.map(\.scored.score), full.top.map(\.scored.score), name)
        }
      }
    }
  }

  /// Read in runs shared out to two threads (in whatever order they take them), a segment
  /// gives the same best sections as read whole.
  func testSegmentSharedByTwoThreadsGivesTheWholeRanking() throws {
    let searcher = SampleIndex.searcher
    let analyzer = try Analyzer()
    for text in ["行政处罚", "政府 信息 公开", "label:行政复议", "公开 年度报告", "依申请", "行政复议 OR 行政诉讼", "依申请公开 NOT 信息处理费"] {
      let query = try QueryParser.parse(text)
      for limit in [1, 10, 30] {
        let ranker = try XCTUnwrap(try searcher.prunedRanker(query, analyzer: analyzer, limit: limit))
        let whole = try ranker.rank(threads: 1)
        let shared = try ranker.rank(threads: 2, splitDocCount: 100, splitPostings: 0)
        XCTAssertEqual(shared.top.map(\.doc), whole.top.map(\.doc), "\(text), limit \(limit)")
        XCTAssertEqual(shared.top.map(\.scored.score), whole.top.map(\.scored.score), "\(text), limit \(limit)")
        let full = try searcher.rank(query, analyzer: analyzer, explain: false, countAll: true, limit: limit)
        XCTAssertEqual(shared.top.map(\.doc), full.top.map(\.doc), "\(text), limit \(limit)")
        XCTAssertLessThanOrEqual(shared.total, full.total)
      }
    }
  }
}
