import Foundation
import XCTest

/// Runs the built `dsearch` binary and checks stdout, stderr and the exit code.
final class CLITests: XCTestCase {
  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static var binary: URL {
    // Tests run from the build folder that also holds the dsearch executable.
    let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
      + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
    return candidates.map { $0.appendingPathComponent("dsearch") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
      ?? URL(fileURLWithPath: ".build/debug/dsearch")
  }

  func run(_ arguments: [String], in directory: URL? = nil) throws -> Output {
    let process = Process()
    process.executableURL = Self.binary
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Output(
      status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
      stderr: String(decoding: stderr, as: UTF8.self))
  }

  func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
  }

  /// A folder whose Corpus holds the real report alone (no index yet).
  func folderWithTheRealReport() throws -> URL {
    let folder = try temporaryFolder()
    let corpus = folder.appendingPathComponent("Corpus")
    try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: Fixtures.corpus.appendingPathComponent("张店区交通运输局_2020.txt"),
      to: corpus.appendingPathComponent("张店区交通运输局_2020.txt"))
    return folder
  }

  /// A batch of queries runs to its end: a query that cannot be searched gets a JSON line
  /// with its error in its place, and the exit status tells that one failed.
  func testQueryFileReportsABadQueryInItsPlace() throws {
    let folder = try folderWithTheRealReport()
    let queries = folder.appendingPathComponent("queries.txt")
    try "行政处罚\n\"政府信息\n\n行政许可\n".write(to: queries, atomically: true, encoding: .utf8)
    let output = try run(["search", "--queries", queries.path], in: folder)
    XCTAssertEqual(output.status, 1, output.stderr)
    let lines = output.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    XCTAssertEqual(lines.count, 3, output.stdout)
    XCTAssertEqual(lines.map { $0?["query"] as? String }, ["行政处罚", "\"政府信息", "行政许可"])
    XCTAssertNotNil(lines[0]?["hits"])
    XCTAssertTrue((lines[1]?["error"] as? String ?? "").contains("quote"), output.stdout)
    XCTAssertNotNil(lines[2]?["hits"])
    XCTAssertTrue(output.stderr.contains("1 of 3 queries could not be searched"), output.stderr)
  }

  func testFirstSearchBuildsTheIndexAndSaysSo() throws {
    let folder = try folderWithTheRealReport()
    let first = try run(["search", "行政处罚"], in: folder)
    XCTAssertEqual(first.status, 0, first.stderr)
    XCTAssertTrue(first.stderr.contains("no index in Index yet: building it from Corpus first"), first.stderr)
    XCTAssertTrue(first.stdout.contains("张店区交通运输局_2020.txt:57"), first.stdout)
    XCTAssertTrue(first.stdout.contains("【行政处罚】 176 +374 550"), first.stdout)
    XCTAssertTrue(first.stdout.contains("▸ 行政处罚: 上一年项目数量 176 · 本年增/减 +374 · 处理决定数量 550"), first.stdout)
    // The second search uses the index; a bare query searches too.
    let second = try run(["行政处罚", "--json"], in: folder)
    XCTAssertEqual(second.status, 0, second.stderr)
    XCTAssertEqual(second.stderr, "")
    let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(json["query"] as? String, "行政处罚")
    let hits = try XCTUnwrap(json["hits"] as? [[String: Any]])
    XCTAssertEqual(hits.first?["section"] as? String, "二、主动公开政府信息情况")
    XCTAssertEqual(hits.first?["line"] as? Int, 57)
    XCTAssertTrue(second.stdout.contains(#""cells":{"上一年项目数量":"176","本年增/减":"+374","处理决定数量":"550"}"#), second.stdout)
  }

  func testRowsSortByYearThenColumn() throws {
    let output = try run(["rows", "行政处罚", "--index", SampleIndex.folder.path, "--sort", "year:desc,处理决定数量", "--json"])
    XCTAssertEqual(output.status, 0, output.stderr)
    let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    let rows = try XCTUnwrap(json["rows"] as? [[String: Any]])
    XCTAssertGreaterThan(rows.count, 100)
    func decisions(_ row: [String: Any]) -> Double? {
      let values = row["values"] as? [String: Any] ?? [:]
      return (values["处理决定数量"] ?? values["本年处理决定数量"]) as? Double
    }
    for (earlier, later) in zip(rows, rows.dropFirst()) {
      let (year, nextYear) = (earlier["year"] as? Int ?? 0, later["year"] as? Int ?? 0)
      XCTAssertGreaterThanOrEqual(year, nextYear, "years descend")
      if year == nextYear, let next = decisions(later) {
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(decisions(earlier), "rows without a value come last"), next)
      }
    }
    let unknown = try run(["rows", "行政处罚", "--index", SampleIndex.folder.path, "--sort", "不存在的列"])
    XCTAssertEqual(unknown.status, 1)
    XCTAssertTrue(unknown.stderr.contains("no column 不存在的列"), unknown.stderr)
  }

  func testMissingCorpusIsOneSentenceAndExitOne() throws {
    let folder = try temporaryFolder()
    let result = try run(["search", "行政处罚", "--corpus", "nowhere", "--index", "Index"], in: folder)
    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(
      result.stderr,
      "dsearch: there is no index in Index and no corpus folder nowhere to build one from; pass --corpus DIR with the folder of reports\n")
    XCTAssertEqual(result.stdout, "")
  }

  func testIndexWithMissingCorpusFails() throws {
    let folder = try temporaryFolder()
    let result = try run(["index", "--corpus", "nowhere"], in: folder)
    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(result.stderr, "dsearch: the corpus folder nowhere does not exist; pass --corpus DIR with the folder of reports\n")
  }

  func testEmptyIndexFolderWithoutCorpusFails() throws {
    let folder = try temporaryFolder()
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("Index"), withIntermediateDirectories: true)
    let result = try run(["check", "--index", "Index"], in: folder)
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.stdout.contains("no index in"), result.stdout)
  }

  func testPunctuationQueryIsRejectedBeforeAnyWork() throws {
    let folder = try temporaryFolder()
    let result = try run(["search", "，。！"], in: folder)
    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(result.stderr, "dsearch: \"，。！\" at column 1 has no letters or digits to search for; search for words, numbers or names\n")
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Index").path))
  }

  func testDamagedIndexIsReportedNotCrashed() throws {
    let folder = try temporaryFolder()
    let index = folder.appendingPathComponent("Index")
    let built = try run(["index", "--corpus", Fixtures.corpus.path, "--index", index.path])
    XCTAssertEqual(built.status, 0, built.stderr)
    let segment = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: index.path).first { $0.hasSuffix(".dsx") })
    let url = index.appendingPathComponent(segment)
    var bytes = try [UInt8](Data(contentsOf: url))
    bytes[bytes.count / 2] ^= 0x5A
    try Data(bytes).write(to: url)
    let check = try run(["check", "--index", index.path])
    XCTAssertEqual(check.status, 1)
    XCTAssertTrue(check.stderr.contains("rebuild it with: dsearch index"), check.stderr)
    let truncated = Data(bytes.prefix(bytes.count - 10))
    try truncated.write(to: url)
    let search = try run(["search", "行政处罚", "--index", index.path])
    XCTAssertEqual(search.status, 1)
    XCTAssertTrue(search.stderr.hasPrefix("dsearch: the index file \(segment) is damaged"), search.stderr)
  }

  func testShowPrintsTheParsedReport() throws {
    let result = try run(["show", Fixtures.corpus.appendingPathComponent("张店区交通运输局_2020.txt").path, "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertTrue(result.stdout.contains(#""title":"张店区交通运输局2020年政府信息公开工作年度报告","agency":"张店区交通运输局""#), result.stdout)
    XCTAssertTrue(result.stdout.contains(#"{"label":"行政处罚","cells":{"上一年项目数量":"176","本年增/减":"+374","处理决定数量":"550"},"in_template":true}"#))
  }

  /// Quotes, backslashes and control characters in a report come out escaped, as valid JSON.
  func testJSONEscapesWhatTheReportHolds() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-json-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
    let title = "某局\u{1}“公开”\"年度\"\\报告\t2023"
    let file = folder.appendingPathComponent("报告.txt")
    try Data("\(title)\n一、总体情况\n行政处罚\n".utf8).write(to: file)
    let result = try run(["show", file.path, "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertTrue(result.stdout.contains(#""title":"某局\u0001“公开”\"年度\"\\报告\t2023""#), result.stdout)
    let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(parsed["title"] as? String, title)
  }
}
