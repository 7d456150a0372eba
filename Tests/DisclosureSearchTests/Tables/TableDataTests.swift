import Foundation
import XCTest

@testable import DisclosureSearch

/// `rows`, `stats` and `audit` against the truth file and planted inconsistencies.
final class TableDataTests: XCTestCase {
  func testRowsAgreeWithTheTruthFile() throws {
    let truths = try TruthFile.load()
    for label in ["行政处罚", "行政许可", "（一）予以公开", "一、本年新收政府信息公开申请数量", "政府集中采购"] {
      let rows = try SampleIndex.searcher.rows(label: label)
      var byPath: [String: ReportRow] = [:]
      for row in rows { byPath[row.path] = row }
      var checked = 0
      for truth in truths {
        guard let want = truth.rows.first(where: { $0.label == label }), let got = byPath[truth.file] else { continue }
        var values: [String: Double?] = [:]
        for (header, value) in got.values { values[header] = value }
        XCTAssertEqual(values, want.columns, "\(label) in \(truth.file)")
        checked += 1
      }
      // Every report holding the row is listed once (duplicates under their first path).
      let expected = Set(truths.filter { $0.duplicate_of == nil && $0.rows.contains { $0.label == label } }.map(\.file))
      XCTAssertEqual(rows.count, expected.count, label)
      XCTAssertGreaterThan(checked, 20, label)
    }
  }

  func testStatsSumTheTruthByYear() throws {
    let truths = try TruthFile.load().filter { $0.duplicate_of == nil }
    let rows = try SampleIndex.searcher.rows(label: "行政处罚")
    let statistics = RowStatistics(label: "行政处罚", by: "year", rows: rows)
    for group in statistics.groups {
      let year = Int(group.key)
      let matching = truths.filter { $0.year == year }.compactMap { $0.rows.first { $0.label == "行政处罚" } }
      XCTAssertEqual(group.reports, matching.count, "year \(group.key)")
      for (header, sum) in group.sums.pairs {
        let want = matching.reduce(0.0) { $0 + (($1.columns[header] ?? nil) ?? 0) }
        XCTAssertEqual(sum ?? 0, want, accuracy: 1e-6, "year \(group.key) \(header)")
      }
    }
    XCTAssertFalse(statistics.groups.isEmpty)
  }

  func testFiltersSelectReports() throws {
    let rows = try SampleIndex.searcher.rows(label: "行政处罚", filter: "year:2021")
    XCTAssertFalse(rows.isEmpty)
    XCTAssertTrue(rows.allSatisfy { $0.year == 2021 })
  }

  /// Number conditions select exactly the reports whose rows the truth file says satisfy them.
  func testNumberConditionsMatchTheTruthFile() throws {
    let truths = try TruthFile.load().filter { $0.duplicate_of == nil }
    func value(_ truth: TruthReport, _ label: String, _ header: String) -> Double? {
      guard let row = truth.rows.first(where: { $0.label == label }) else { return nil }
      return (row.columns[header] ?? nil) ?? (row.columns["本年" + header] ?? nil)
    }
    let penalties = try SampleIndex.searcher.search("label:行政处罚 处理决定数量>100", options: SearchOptions(limit: 10_000))
    XCTAssertEqual(
      Set(penalties.hits.map(\.path)),
      Set(truths.filter { (value($0, "行政处罚", "处理决定数量") ?? 0) > 100 }.map(\.file)))
    let busy = try SampleIndex.searcher.rows(label: "一、本年新收政府信息公开申请数量", filter: "本年新收政府信息公开申请数量>=50")
    XCTAssertEqual(
      Set(busy.map(\.path)),
      Set(truths.filter { (value($0, "一、本年新收政府信息公开申请数量", "总计") ?? 0) >= 50 }.map(\.file)))
    XCTAssertFalse(busy.isEmpty)
  }

  func testConsistentReportsAreNotFlagged() throws {
    let result = try SampleIndex.searcher.audit()
    XCTAssertEqual(result.problems, [], "the sample's tables all add up (kouji_ok in the truth file)")
    XCTAssertGreaterThan(result.checked, 200)
  }

  /// Plants one wrong number in copies of reports of every layout; audit finds each one.
  func testAuditFindsPlantedInconsistencies() throws {
    let truths = try TruthFile.load().filter { $0.duplicate_of == nil && $0.script == "hans" }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-audit-\(UUID().uuidString)")
    let corpus = folder.appendingPathComponent("Corpus")
    try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var planted: [String: String] = [:]  // file → expected rule
    for layout in ["tab", "pipe", "pdftext", "html"] {
      let picks = truths.filter { $0.layout == layout && $0.encoding == "utf-8" }.prefix(2)
      for (index, truth) in picks.enumerated() {
        var text = try String(contentsOf: Fixtures.corpus.appendingPathComponent(truth.file), encoding: .utf8)
        let name = "planted-\(layout)-\(index)-" + truth.file
        if index == 0 {
          // Table 三: bump 自然人 of （一）予以公开 — its row total and the outcome sum break.
          text = try XCTUnwrap(Self.bumpFirstNumber(after: "予以公开", in: text, from: text.range(of: "本年度办理结果")), truth.file)
          planted[name] = "三: row 总计 = sum of applicants"
        } else {
          // Table 四: bump 行政复议 结果维持 — the 行政复议 总计 breaks.
          text = try XCTUnwrap(Self.bumpFirstNumber(after: "总计", in: text, from: text.range(of: "尚未审结", options: .backwards)), truth.file)
          planted[name] = "四: 总计 = sum of results"
        }
        try text.write(to: corpus.appendingPathComponent(name), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: Fixtures.corpus.appendingPathComponent(truth.file), to: corpus.appendingPathComponent("clean-" + truth.file))
      }
    }
    let index = folder.appendingPathComponent("Index")
    _ = try DisclosureIndex.build(corpus: corpus, index: index)
    let result = try Searcher(indexFolder: index).audit()
    let flagged = Dictionary(grouping: result.problems, by: \.path)
    XCTAssertEqual(Set(flagged.keys), Set(planted.keys), "\(result.problems)")
    for (file, rule) in planted {
      XCTAssertTrue(flagged[file]?.contains { $0.rule == rule } == true, "\(file): \(flagged[file] ?? [])")
    }
  }

  /// Adds 7 to the first number (ASCII or full-width digits) after `marker` (searching from `start`), wherever the layout puts it.
  static func bumpFirstNumber(after marker: String, in text: String, from start: Range<String.Index>? = nil) -> String? {
    let searchStart = start?.upperBound ?? text.startIndex
    guard let markerRange = text.range(of: marker, range: searchStart..<text.endIndex) else { return nil }
    var index = markerRange.upperBound
    func isDigit(_ character: Character) -> Bool { character.wholeNumberValue != nil && character.isNumber && !character.isLetter }
    while index < text.endIndex, !isDigit(text[index]) {
      if text[index] == "<" {  // skip HTML tags and their attributes
        guard let close = text[index...].firstIndex(of: ">") else { return nil }
        index = close
      }
      index = text.index(after: index)
    }
    guard index < text.endIndex else { return nil }
    var end = index
    var value = 0
    while end < text.endIndex, isDigit(text[end]), let digit = text[end].wholeNumberValue {
      value = value * 10 + digit
      end = text.index(after: end)
    }
    return text.replacingCharacters(in: index..<end, with: String(value + 7))
  }
}
