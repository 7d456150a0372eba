import Foundation
import XCTest

@testable import DisclosureSearch

/// Every broken file a crawler brings home gets a verdict, never a crash, a hang or a bad index.
final class RobustnessTests: XCTestCase {
  func temporaryCorpus() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-robust-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url.appendingPathComponent("Corpus"), withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
  }

  /// A large file starts only once the writer has taken in every file before it, and no file
  /// after it starts until the writer has taken it in; the others run at most a window ahead
  /// of the writer. The files around a large one are indexed in path order all the same.
  func testLargeFilesAreAnalyzedAlone() throws {
    let large = CorpusIndexer.largeFileSize
    var schedule = AnalysisSchedule(sizes: [10, large, 10, 10, 10, large + 1], window: 2)
    // What starts after each step of the writer ("took in"), until nothing more may start.
    var started: [[Int]] = []
    for _ in 0..<6 {
      var now: [Int] = []
      while let index = schedule.start() { now.append(index) }
      XCTAssertGreaterThan(schedule.next, schedule.takenIn, "the file the writer waits for has started")
      started.append(now)
      schedule.tookIn()
    }
    XCTAssertEqual(started, [[0], [1], [2, 3], [4], [], [5]])
    XCTAssertTrue(schedule.allStarted)

    let folder = try temporaryCorpus()
    let corpus = folder.appendingPathComponent("Corpus")
    let real = try String(contentsOf: Fixtures.corpus.appendingPathComponent("张店区交通运输局_2020.txt"), encoding: .utf8)
    let filler = String(repeating: "本机关持续推进政务公开工作。\n", count: large / 40)
    let texts = [
      "a.txt": real.replacingOccurrences(of: "总体情况\n", with: "总体情况\n甲标记。\n"),
      "b.txt": real.replacingOccurrences(of: "总体情况\n", with: "总体情况\n乙标记。\n\(filler)"),
      "c.txt": real.replacingOccurrences(of: "总体情况\n", with: "总体情况\n丙标记。\n"),
    ]
    for (name, text) in texts { try text.write(to: corpus.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    XCTAssertGreaterThanOrEqual(try CorpusScanner.scan(corpus).first { $0.path == "b.txt" }?.size ?? 0, large)
    let index = folder.appendingPathComponent("Index")
    _ = try DisclosureIndex.build(corpus: corpus, index: index)
    let searcher = try Searcher(indexFolder: index)
    XCTAssertEqual(searcher.reportCount, 3)
    for (word, path) in [("甲标记", "a.txt"), ("乙标记", "b.txt"), ("丙标记", "c.txt")] {
      XCTAssertEqual(try searcher.search(word).hits.map(\.path), [path], word)
    }
  }

  func testEveryKindOfBadFileGetsAVerdict() throws {
    let folder = try temporaryCorpus()
    let corpus = folder.appendingPathComponent("Corpus")
    let real = try Data(contentsOf: Fixtures.corpus.appendingPathComponent("张店区交通运输局_2020.txt"))
    let nested = corpus.appendingPathComponent("山东省/淄博 市")
    try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
    // Invalid bytes at a line start (offset of the first line break after byte 2000, + 1).
    let cut = (real.dropFirst(2000).firstIndex(of: 0x0A) ?? 2000) + 1
    var files: [String: Data] = [
      "empty.txt": Data(),
      "spaces.txt": Data("  \n\t\r\n ".utf8),
      "binary.txt": Data([0x7F, 0x45, 0x4C, 0x46, 0, 0, 1, 2, 0, 0xFF]),
      "bad-utf8.txt": real.prefix(cut) + Data([0xFF, 0xFE, 0xC0]) + real.dropFirst(cut),
      "bom.txt": Data([0xEF, 0xBB, 0xBF]) + real,
      "crlf.txt": Data(String(decoding: real, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8),
      "cr-only.txt": Data(String(decoding: real, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r").utf8),
      "unclosed.html": Data("<html><body><h1>某局2023年政府信息公开工作年度报告<p>一、总体情况<p>行政处罚<table><tr><td>行政处罚<td>5".utf8),
      "one-line.txt": Data(String(repeating: "政府信息公开工作，", count: 230_000).utf8),
      "not-a-report.txt": Data("会议通知：请各单位于周五下午参加政务公开培训。".utf8),
      "notes.docx": Data("PK".utf8),
    ]
    files["utf16.txt"] = Data([0xFF, 0xFE]) + Data(String(decoding: real, as: UTF8.self).utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
    for (name, data) in files { try data.write(to: corpus.appendingPathComponent(name)) }
    try real.write(to: nested.appendingPathComponent("报告 副本.txt"))
    let index = folder.appendingPathComponent("Index")
    let summary = try DisclosureIndex.build(corpus: corpus, index: index)
    XCTAssertEqual(summary.fileCount, files.count + 1)
    XCTAssertEqual(DisclosureIndex.check(index: index), [])
    let log = try String(contentsOf: index.appendingPathComponent("index-log.txt"), encoding: .utf8)
    func verdict(_ path: String) -> String {
      log.split(separator: "\n").first { $0.split(separator: "\t").dropFirst().first.map(String.init) == path }.map(String.init) ?? "missing"
    }
    XCTAssertTrue(verdict("empty.txt").hasPrefix("skipped\tempty.txt\tempty"), verdict("empty.txt"))
    XCTAssertTrue(verdict("spaces.txt").hasPrefix("skipped\tspaces.txt\tempty"), verdict("spaces.txt"))
    XCTAssertTrue(verdict("binary.txt").hasPrefix("skipped\tbinary.txt\tbinary"), verdict("binary.txt"))
    XCTAssertTrue(verdict("notes.docx").hasPrefix("skipped\tnotes.docx\tnot a report file"), verdict("notes.docx"))
    XCTAssertTrue(verdict("bad-utf8.txt").contains("invalid UTF-8 at byte \(cut)"), verdict("bad-utf8.txt"))
    XCTAssertTrue(verdict("not-a-report.txt").contains("indexed as one untitled section"), verdict("not-a-report.txt"))
    XCTAssertTrue(verdict("山东省/淄博 市/报告 副本.txt").hasPrefix("duplicate\t山东省/淄博 市/报告 副本.txt\tsame text as bom.txt"), log)
    // BOM, CRLF, CR-only and UTF-16 copies hold the same text: one report, every path kept.
    let searcher = try Searcher(indexFolder: index)
    let hit = try XCTUnwrap(searcher.search("label:行政处罚", options: SearchOptions(limit: 50)).hits.first { $0.path == "bom.txt" })
    XCTAssertEqual(
      Set([hit.path] + hit.other_paths),
      ["bom.txt", "crlf.txt", "cr-only.txt", "utf16.txt", "山东省/淄博 市/报告 副本.txt"])
    XCTAssertEqual(hit.line, 57)
    XCTAssertGreaterThan(try searcher.search("政府信息公开工作").total, 0, "the 2 MB line is indexed")
    XCTAssertGreaterThan(try searcher.search("行政处罚 agency:某局").total, 0, "the unclosed HTML is indexed")
  }

  /// Workers meet files out of path order: a text belongs to the first file in path order
  /// that has it, whichever worker decoded it first.
  func testATextIsClaimedByItsFirstFileInPathOrder() {
    let claims = DuplicateClaims()
    let text = ContentKey("二、主动公开政府信息情况")
    XCTAssertTrue(claims.claim(text, for: 5))
    XCTAssertTrue(claims.claim(text, for: 2), "an earlier file takes the text over")
    XCTAssertFalse(claims.claim(text, for: 5))
    XCTAssertFalse(claims.claim(text, for: 7))
    XCTAssertTrue(claims.claim(text, for: 2))
    XCTAssertTrue(claims.claim(ContentKey("三、收到和处理政府信息公开申请情况"), for: 7))
  }

  /// A duplicate that is not parsed still reports its decoding warnings and the parse
  /// warnings of the file it repeats, as if it had been parsed.
  func testADuplicateKeepsTheWarningsOfItsText() throws {
    let folder = try temporaryCorpus()
    let corpus = folder.appendingPathComponent("Corpus")
    let notice = "会议通知：请各单位于周五下午参加政务公开培训。"
    for name in ["a.txt", "b.txt", "c.txt"] { try Data(notice.utf8).write(to: corpus.appendingPathComponent(name)) }
    try (Data([0xEF, 0xBB, 0xBF]) + Data(notice.utf8)).write(to: corpus.appendingPathComponent("d.txt"))
    let summary = try DisclosureIndex.build(corpus: corpus, index: folder.appendingPathComponent("Index"))
    XCTAssertEqual(summary.reportCount, 1)
    XCTAssertEqual(summary.duplicateCount, 3)
    XCTAssertEqual(summary.warningCount, 4, "each file's text is indexed as one untitled section")
  }

  func testFilesOverTheSizeLimitAreSkippedUnread() throws {
    let folder = try temporaryCorpus()
    let corpus = folder.appendingPathComponent("Corpus")
    let real = try Data(contentsOf: Fixtures.corpus.appendingPathComponent("张店区交通运输局_2020.txt"))
    try real.write(to: corpus.appendingPathComponent("fits.txt"))
    try (real + real).write(to: corpus.appendingPathComponent("too-big.txt"))
    let index = folder.appendingPathComponent("Index")
    let summary = try DisclosureIndex.build(corpus: corpus, index: index, options: IndexOptions(maxFileSize: real.count))
    XCTAssertEqual(summary.reportCount, 1)
    let log = try String(contentsOf: index.appendingPathComponent("index-log.txt"), encoding: .utf8)
    XCTAssertTrue(log.contains("skipped\ttoo-big.txt\tlarger than the \(real.count)-byte limit"), log)
    XCTAssertTrue(log.contains("indexed\tfits.txt"), log)
  }

  func testBig5TextIsRecognised() throws {
    let text = "三江侗族自治縣住房和城鄉建設局2023年政府信息公開工作年度報告\n一、總體情況\n本機關依法公開政府資訊。\n"
    var bytes = [UInt8](repeating: 0, count: text.utf8.count * 2)
    let length = try XCTUnwrap(Self.encode(text, charset: "Big5", into: &bytes))
    let decoded = TextDecoder.decode(Array(bytes[0..<length]))
    XCTAssertEqual(decoded.encoding, "big5")
    XCTAssertEqual(decoded.text, text)
  }

  /// Random byte mutations and truncations of sample reports of every layout: the decoder,
  /// parser and analyzer must never crash or hang. DSEARCH_FUZZ_ITERATIONS sets the count.
  /// A 100 KB run of letters and digits (a pasted blob) is one ICU word: it is not a term of
  /// the dictionary, yet any stretch of it, and the whole run, is found, and the field keeps
  /// its length in words.
  func testALongRunIsFoundByItsCharactersWithoutATermOfItsSize() throws {
    var generator = SeededGenerator(seed: 7)
    let digits = Array("0123456789abcdef")
    let run = String((0..<100_000).map { _ in digits[Int.random(in: 0..<16, using: &generator)] })
    let analyzer = try Analyzer()
    let field = analyzer.analyze("本机关 \(run) 行政处罚")
    let words = (0..<field.wordCounts.count).map { field.wordCounts[$0].word.count > 64 ? "<long>" : String(decoding: field.wordCounts[$0].word, as: UTF8.self) }
    XCTAssertEqual(Set(words), ["本", "机关", "行政", "处罚"])
    XCTAssertEqual(field.length, 5, "the run is one word of the field")
    XCTAssertEqual(analyzer.words(ofNormalized: "abc \(run.prefix(65)) 处罚"), ["abc", "处罚"])

    let folder = try temporaryCorpus()
    let real = try String(contentsOf: Fixtures.corpus.appendingPathComponent("张店区交通运输局_2020.txt"), encoding: .utf8)
    try real.replacingOccurrences(of: "总体情况\n", with: "总体情况\n附件编码：\(run)。\n")
      .write(to: folder.appendingPathComponent("Corpus/blob.txt"), atomically: true, encoding: .utf8)
    let index = folder.appendingPathComponent("Index")
    _ = try DisclosureIndex.build(corpus: folder.appendingPathComponent("Corpus"), index: index)
    let searcher = try Searcher(indexFolder: index)
    let segment = try XCTUnwrap(searcher.index.segments.first)
    XCTAssertNil(segment.termIndex(TermKey.word(.body, run)))
    XCTAssertNotNil(segment.termIndex(TermKey.word(.body, "附件")))
    for query in [String(run.prefix(70)), String(run.dropFirst(50_000).prefix(12)), run, "附件编码 \(run.suffix(80))"] {
      XCTAssertEqual(try searcher.search(query).hits.map(\.path), ["blob.txt"], String(query.prefix(20)))
    }
  }

  func testFuzzedReportsNeverCrash() throws {
    let iterations = Int(ProcessInfo.processInfo.environment["DSEARCH_FUZZ_ITERATIONS"] ?? "") ?? 300
    let truths = try TruthFile.load()
    var samples: [(name: String, bytes: [UInt8])] = []
    for layout in ["tab", "pipe", "pdftext", "html"] {
      for truth in truths.filter({ $0.layout == layout }).prefix(2) {
        samples.append((truth.file, try [UInt8](Data(contentsOf: Fixtures.corpus.appendingPathComponent(truth.file)))))
      }
    }
    var generator = SeededGenerator(seed: 4_242)
    let analyzer = try Analyzer()
    for iteration in 0..<iterations {
      let sample = samples[iteration % samples.count]
      var bytes = sample.bytes
      for _ in 0..<Int.random(in: 1...20, using: &generator) {
        guard !bytes.isEmpty else { break }
        let position = Int.random(in: 0..<bytes.count, using: &generator)
        switch Int.random(in: 0..<5, using: &generator) {
        case 0: bytes[position] ^= UInt8.random(in: 1...255, using: &generator)
        case 1: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
        case 2: bytes.remove(at: position)
        case 3: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...200, using: &generator)))
        default: bytes = Array(bytes.prefix(position))
        }
      }
      let report = ReportFile.parse(bytes: bytes, isHTML: sample.name.contains(".htm"))
      for section in report.sections {
        _ = analyzer.analyze(section.text)
        XCTAssertTrue((0...6).contains(section.number), "iteration \(iteration)")
      }
    }
  }

  static func encode(_ text: String, charset: String, into bytes: inout [UInt8]) -> Int? {
    // Big5 bytes produced by iconv for the test sentence (ICU decodes; we do not ship an encoder).
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
    process.arguments = ["-f", "UTF-8", "-t", charset]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    guard (try? process.run()) != nil else { return nil }
    input.fileHandleForWriting.write(Data(text.utf8))
    try? input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    bytes = [UInt8](data)
    return data.count
  }
}
