import Foundation
import XCTest

@testable import DisclosureSearch

/// Checks the parser against `../shared/corpus-truth.jsonl` (copied to Fixtures/): the title,
/// agency, year, template, the six sections and every table row of every text report.
final class ParserTruthTests: XCTestCase {
  func testEveryReportMatchesTruth() throws {
    let truths = try TruthFile.load()
    var checked = 0
    var failures: [String] = []
    for truth in truths {
      let url = Fixtures.corpus.appendingPathComponent(truth.file)
      guard FileManager.default.fileExists(atPath: url.path) else { continue }
      let report = try ReportFile.parse(contentsOf: url)
      failures += truth.differences(from: report).map { "\(truth.file): \($0)" }
      checked += 1
    }
    XCTAssertGreaterThan(checked, 20, "the sample corpus was not found")
    XCTAssertTrue(failures.isEmpty, "\(failures.count) differences:\n" + failures.prefix(40).joined(separator: "\n"))
  }
}
