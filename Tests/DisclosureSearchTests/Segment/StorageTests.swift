import Foundation
import XCTest

@testable import DisclosureSearch

/// The index as a storage engine: update equals rebuild, damage is detected, and killing the
/// indexer leaves the previous index answering exactly as before.
final class StorageTests: XCTestCase {
  static let queries = [
    "行政处罚", "行政许可 year:2021", "依申请公开 NOT 信息处理费", "诉讼", "label:政府集中采购", "罚", "行政复议 OR 行政诉讼",
    "政府 信息 公开", "测试更新词", "交通运输局", "section:三 予以公开", "1.属于国家秘密", "（一）予以公开",
  ]

  func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-storage-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
  }

  /// The answers of the query set, without timings.
  func answers(_ folder: URL) throws -> [String] {
    let searcher = try Searcher(indexFolder: folder)
    return try Self.queries.map { query in
      // The hits as a search finds them (pruned where it can), the total counted in full.
      let result = try searcher.search(query, options: SearchOptions(limit: 40))
      let total = try searcher.search(query, options: SearchOptions(limit: 0, countAll: true)).total
      let hits = result.hits.map {
        "\($0.path) \($0.other_paths) \($0.section_number) \($0.score) \($0.line) \($0.snippet) \($0.rows.map(\.label))"
      }
      return "\(query): \(total)\n" + hits.joined(separator: "\n")
    }
  }

  func copySample(to corpus: URL, every step: Int) throws -> [String] {
    try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
    let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.corpus.path).sorted()
    let chosen = names.enumerated().filter { $0.offset % step == 0 }.map(\.element)
    for name in chosen {
      try FileManager.default.copyItem(at: Fixtures.corpus.appendingPathComponent(name), to: corpus.appendingPathComponent(name))
    }
    return chosen
  }

  /// Every `step`-th sample report in a temporary corpus, and an index built from it.
  func builtSample(every step: Int) throws -> (corpus: URL, index: URL) {
    let folder = try temporaryFolder()
    let corpus = folder.appendingPathComponent("Corpus")
    _ = try copySample(to: corpus, every: step)
    let index = folder.appendingPathComponent("Index")
    _ = try DisclosureIndex.build(corpus: corpus, index: index)
    return (corpus, index)
  }

  /// The writer stages gram postings and adds them list by list; adding them in many parts
  /// (every few reports) writes the same segment as in one.
  func testStagedPostingsAddedInPartsWriteTheSameSegment() throws {
    let folder = try temporaryFolder()
    var segments: [Data] = []
    for staged in [IndexBuilder.defaultStagedLimit, 5_000] {
      var options = IndexOptions()
      options.stagedPostings = staged
      let index = folder.appendingPathComponent("Index-\(staged)")
      _ = try DisclosureIndex.build(corpus: Fixtures.corpus, index: index, options: options)
      let names = try FileManager.default.contentsOfDirectory(atPath: index.path).filter { $0.hasSuffix(".dsx") }
      XCTAssertEqual(names.count, 1)
      segments.append(try Data(contentsOf: index.appendingPathComponent(try XCTUnwrap(names.first))))
    }
    XCTAssertEqual(segments[0], segments[1])
  }

  func testRecordsNeedTheirSegmentsDictionary() throws {
    let record = Array("二、主动公开政府信息情况\n行政处罚 550 行政许可 176".utf8)
    let compressor = RecordCompressor(dictionary: Array(Array(repeating: record, count: 2000).flatMap { $0 }.suffix(RecordCompressor.dictionarySize)))
    XCTAssertEqual(compressor.dictionary.count, RecordCompressor.dictionarySize)
    let compressed = compressor.compress(record)
    XCTAssertLessThan(compressed.count, record.count / 2)
    func inflate(_ dictionary: [UInt8]) throws -> [UInt8] {
      try compressed.withUnsafeBytes { bytes in
        try dictionary.withUnsafeBytes { try RecordCoding.decompress(bytes, dictionary: $0) }
      }
    }
    XCTAssertEqual(try inflate(compressor.dictionary), record)
    // Another dictionary cannot give the record back (the segment's own is CRC-checked).
    XCTAssertNotEqual(try? inflate(RecordCompressor(dictionary: Array("另一个字典".utf8)).dictionary), record)
    XCTAssertThrowsError(try inflate([]))
    // A dictionary shorter than the full size (a small segment) works the same.
    let small = RecordCompressor(dictionary: record)
    XCTAssertEqual(try small.compress(record).withUnsafeBytes { bytes in
      try small.dictionary.withUnsafeBytes { try RecordCoding.decompress(bytes, dictionary: $0) }
    }, record)
  }

  /// A segment's dictionary carries entropy tables fitted to its first records (zstd's
  /// dictionary format), with the end of those records as its content, and records made with
  /// it come back. A corpus of no records gives no dictionary.
  func testRecordDictionariesFitTablesToTheFirstRecords() throws {
    let dictionary = try CorpusIndexer.recordDictionary(try CorpusScanner.scan(Fixtures.corpus), options: IndexOptions())
    XCTAssertEqual(Array(dictionary.prefix(4)), [0x37, 0xA4, 0x30, 0xEC], "zstd's dictionary format")
    XCTAssertLessThanOrEqual(dictionary.count, RecordCompressor.dictionarySize + 16 * 1024)
    let record = Array("二、主动公开政府信息情况\n行政处罚 550 行政许可 176".utf8)
    let compressed = RecordCompressor(dictionary: dictionary).compress(record)
    XCTAssertEqual(try compressed.withUnsafeBytes { bytes in
      try dictionary.withUnsafeBytes { try RecordCoding.decompress(bytes, dictionary: $0) }
    }, record)
    let empty = FileManager.default.temporaryDirectory.appendingPathComponent("dict-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: empty) }
    XCTAssertEqual(try CorpusIndexer.recordDictionary(try CorpusScanner.scan(empty), options: IndexOptions()), [])
  }

  /// A search that checks parts in the text reads records in part (the labels without making
  /// the rows, the heading and body without the rows): the same field texts as whole records.
  func testFieldTextsReadInPartEqualThoseOfWholeRecords() throws {
    let index = SampleIndex.searcher.index
    for doc in 0..<UInt32(index.docCount) {
      let section = try index.section(doc)
      let title = index.isFirstSection(doc) ? try index.report(index.reportID(of: doc)).title : ""
      let whole = SectionDocument.fieldTexts(
        title: title, number: section.number, heading: section.heading, text: section.text, rows: section.rows)
      let read = try index.fieldTexts(of: doc)
      guard read == whole else { return XCTFail("doc \(doc): \(read) read in part, \(whole) whole") }
    }
  }

  /// The filters' block holds each report's year, agency and region as its record does,
  /// folded as a filter's text is.
  func testReportFiltersEqualThoseOfReportRecords() throws {
    let index = SampleIndex.searcher.index
    let normalizer = Normalizer()
    let filters = try index.reportFilters()
    XCTAssertEqual(filters.years.count, index.reportCount)
    func name(_ number: UInt32) -> String {
      let end = filters.nameEnds[Int(number)]
      return String(decoding: filters.names[(number == 0 ? 0 : filters.nameEnds[Int(number) - 1])..<end], as: UTF8.self)
    }
    let names = (0..<UInt32(filters.nameEnds.count)).map(name)
    var known = 0
    for id in 0..<index.reportCount {
      let report = try index.report(UInt32(id))
      let (agency, region) = (names[Int(filters.agencies[id])], names[Int(filters.regions[id])])
      XCTAssertEqual(filters.years[id], report.year)
      XCTAssertEqual(agency, normalizer.normalize(report.agency ?? ""))
      XCTAssertEqual(region, normalizer.normalize(report.region ?? ""))
      if report.year != nil && !agency.isEmpty && !region.isEmpty { known += 1 }
    }
    XCTAssertGreaterThan(known, 100)
    XCTAssertEqual(Set(names).count, names.count, "each name once")
    // Each name holds a text where its bytes do, whatever names lie beside it.
    for text in ["局", "交通运输局", "区", "省", "局淄", "", "不存在的名字"] {
      XCTAssertEqual(filters.namesHolding(text), names.map { text.isEmpty || $0.containsBytes(text) }, text)
    }
    // An occurrence across two names' bytes is in neither.
    var made = ReportFilters()
    for name in ["交通局", "淄博市", "局淄", ""] {
      made.names += Array(name.utf8)
      made.nameEnds.append(made.names.count)
    }
    XCTAssertEqual(made.namesHolding("局淄"), [false, false, true, false])
    XCTAssertEqual(made.namesHolding("局"), [true, false, true, false])
    XCTAssertEqual(made.namesHolding("市局"), [false, false, false, false])
  }

  /// The segment file of the one-segment index in `index`, and where `block` lies in it (from
  /// its directory entry: footer → directory → (id, offset u64, length u64, crc)).
  func segmentBlock(_ block: SegmentFormat.Block, in index: URL) throws -> (url: URL, offset: Int, length: Int) {
    let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: index.path).first { $0.hasSuffix(".dsx") })
    let url = index.appendingPathComponent(name)
    let data = try Data(contentsOf: url)
    let directory = Int(SegmentReader.u64(data, data.count - SegmentFormat.footerSize))
    let entry = try XCTUnwrap(
      (0..<Int(SegmentReader.u32(data, directory))).map { directory + 4 + $0 * SegmentFormat.directoryEntrySize }
        .first { SegmentReader.u32(data, $0) == block.rawValue })
    return (url, Int(SegmentReader.u64(data, entry + 4)), Int(SegmentReader.u64(data, entry + 12)))
  }

  /// A damaged filters block fails a filtered search and `check`, and nothing else.
  func testDamagedReportFiltersAreAnError() throws {
    let (_, index) = try builtSample(every: 12)
    let (url, offset, length) = try segmentBlock(.reportFilters, in: index)
    var data = try Data(contentsOf: url)
    XCTAssertGreaterThan(length, 0)
    data[offset + length / 2] ^= 0x20
    try data.write(to: url)
    let searcher = try Searcher(indexFolder: index)
    XCTAssertThrowsError(try searcher.search("year:2021 行政处罚"))
    XCTAssertThrowsError(try searcher.search("agency:交通 行政处罚"))
    XCTAssertFalse(try searcher.search("行政处罚").hits.isEmpty)
    XCTAssertTrue(DisclosureIndex.check(index: index).contains { "\($0)".contains("reportFilters") }, "\(DisclosureIndex.check(index: index))")
  }

  /// A damaged table of section bounds fails the searches that read it, and `check`; a
  /// search whose grams have none is answered.
  func testDamagedSectionBoundsAreAnError() throws {
    let (_, index) = try builtSample(every: 1)
    let (url, block, _) = try segmentBlock(.sectionBounds, in: index)
    var data = try Data(contentsOf: url)
    let gramCount = Int(SegmentReader.u32(data, block + 4))
    XCTAssertGreaterThan(gramCount, 0)
    // Each table's first byte: (keyOffset, keyLength, tableOffset, tableLength, crc) per gram.
    for gram in 0..<gramCount { data[block + Int(SegmentReader.u32(data, block + 8 + 20 * gram + 8))] ^= 0x01 }
    try data.write(to: url)
    let searcher = try Searcher(indexFolder: index)
    XCTAssertThrowsError(try searcher.search("行政处罚"))
    XCTAssertFalse(try searcher.search("张店区").hits.isEmpty)
    XCTAssertTrue(DisclosureIndex.check(index: index).contains { "\($0)".contains("section bounds") }, "\(DisclosureIndex.check(index: index))")
  }

  /// A search checking labels in the text searches each label field once, known by what its
  /// record makes it of: records of the same source make the same label field, and another
  /// label, label as written, group or header makes another source (a cell's text does not).
  func testLabelSourcesTellLabelFieldsApart() throws {
    func source(_ rows: [TableRow]) throws -> [UInt8] {
      let section = StoredSection(number: 3, heading: "三、收到和处理政府信息公开申请情况", text: "三、收到和处理政府信息公开申请情况\n正文", startLine: 1, rows: rows)
      let fields = try RecordCoding.SectionFields(RecordCoding.encode(section))
      XCTAssertEqual(String(decoding: try fields.labels(), as: UTF8.self), SectionDocument.labels(rows))
      var key: [UInt8] = []
      try fields.labelSource(into: &key)
      return key
    }
    let row = TableRow(
      table: "申请", label: "（一）予以公开", labelAsWritten: "(一)予以公开", group: ["三、本年度办理结果"],
      cells: [Cell(header: "自然人", text: "3", value: 3), Cell(header: "总计", text: "3", value: 3)])
    let key = try source([row, row])
    var otherText = row
    otherText.cells[0].text = "4"
    XCTAssertEqual(try source([row, otherText]), key)
    var variants: [TableRow] = []
    for change in [\TableRow.label, \TableRow.labelAsWritten, \TableRow.table] {
      var variant = row
      variant[keyPath: change] += "甲"
      variants.append(variant)
    }
    var otherGroup = row
    otherGroup.group.append("乙")
    var otherHeader = row
    otherHeader.cells[1].header = "合计"
    variants += [otherGroup, otherHeader]
    // The table's name is not part of the label field.
    XCTAssertEqual(try source([row, variants[2]]), key)
    for variant in [variants[0], variants[1], otherGroup, otherHeader] { XCTAssertNotEqual(try source([row, variant]), key, "\(variant)") }
    // Over the sample index: one label field per source.
    let index = SampleIndex.searcher.index
    var labelsBySource: [[UInt8]: String] = [:]
    for doc in 0..<UInt32(index.docCount) {
      var texts = IndexView.FieldTexts(index: index, doc: doc)
      var key: [UInt8] = []
      try texts.labelSource(into: &key)
      let labels = try texts.text(.label)
      XCTAssertEqual(labelsBySource[key, default: labels], labels, "doc \(doc)")
      labelsBySource[key] = labels
    }
    XCTAssertLessThan(labelsBySource.count, index.docCount / 2, "label fields repeat")
  }

  func testUpdateEqualsRebuild() throws {
    let folder = try temporaryFolder()
    let corpus = folder.appendingPathComponent("Corpus")
    let chosen = try copySample(to: corpus, every: 4)
    let updated = folder.appendingPathComponent("Updated")
    _ = try DisclosureIndex.build(corpus: corpus, index: updated)

    // Change one report, add two, remove one, add a duplicate of a kept one.
    let changed = corpus.appendingPathComponent("张店区交通运输局_2020.txt")
    try (try String(contentsOf: changed, encoding: .utf8) + "\n六、其他需要报告的事项\n测试更新词。\n").write(to: changed, atomically: true, encoding: .utf8)
    let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.corpus.path).sorted()
    for name in names.filter({ !chosen.contains($0) }).prefix(2) {
      try FileManager.default.copyItem(at: Fixtures.corpus.appendingPathComponent(name), to: corpus.appendingPathComponent(name))
    }
    try FileManager.default.removeItem(at: corpus.appendingPathComponent(chosen[3]))
    try FileManager.default.copyItem(at: corpus.appendingPathComponent(chosen[5]), to: corpus.appendingPathComponent("0-copy-\(chosen[5])"))

    let summary = try DisclosureIndex.update(corpus: corpus, index: updated)
    XCTAssertEqual(summary.segmentCount, 2)
    XCTAssertEqual(summary.removedFileCount, 1)
    XCTAssertLessThan(summary.changedFileCount, 8, "only the changed reports are re-indexed")
    let rebuilt = folder.appendingPathComponent("Rebuilt")
    _ = try DisclosureIndex.build(corpus: corpus, index: rebuilt)
    XCTAssertEqual(try answers(updated), try answers(rebuilt))
    XCTAssertEqual(try Searcher(indexFolder: updated).reportCount, try Searcher(indexFolder: rebuilt).reportCount)
    XCTAssertEqual(try Searcher(indexFolder: updated).sectionCount, try Searcher(indexFolder: rebuilt).sectionCount)
    XCTAssertEqual(DisclosureIndex.check(index: updated), [])

    // Nothing changed: nothing re-indexed, same answers.
    let again = try DisclosureIndex.update(corpus: corpus, index: updated)
    XCTAssertEqual(again.changedFileCount, 0)
    XCTAssertEqual(try answers(updated), try answers(rebuilt))
  }

  /// After any single-byte change to an index file, `check` reports damage, and a search
  /// either refuses with an error or returns exactly what the undamaged index returns.
  func testEveryFlippedByteIsDetectedOrHarmless() throws {
    let (_, index) = try builtSample(every: 12)
    let expected = try answers(index)
    let files = try FileManager.default.contentsOfDirectory(atPath: index.path).filter { $0 != IndexFolder.logName }
    var generator = SeededGenerator(seed: 77)
    var flips = 0
    for file in files {
      let url = index.appendingPathComponent(file)
      let original = try Data(contentsOf: url)
      let positions = (0..<40).map { _ in Int.random(in: 0..<original.count, using: &generator) } + [0, original.count - 1]
      for position in positions {
        var damaged = original
        damaged[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &generator))
        try damaged.write(to: url)
        XCTAssertFalse(DisclosureIndex.check(index: index).isEmpty, "\(file) byte \(position): check found nothing")
        if let answers = try? answers(index) {
          XCTAssertEqual(answers, expected, "\(file) byte \(position): search returned different results")
        }
        flips += 1
      }
      try original.write(to: url)
    }
    XCTAssertEqual(DisclosureIndex.check(index: index), [])
    XCTAssertGreaterThan(flips, 100)
  }

  /// Kills `dsearch index` and `dsearch update` at random moments; the previous index must
  /// answer every query exactly as before, and the next run cleans up what was left.
  func testKilledIndexerLeavesThePreviousIndexUsable() throws {
    let (corpus, index) = try builtSample(every: 2)
    var expected = try answers(index)
    let changed = corpus.appendingPathComponent("张店区交通运输局_2020.txt")
    let original = try String(contentsOf: changed, encoding: .utf8)
    var generator = SeededGenerator(seed: 99)
    let runs = ProcessInfo.processInfo.environment["DSEARCH_LONG_TESTS"] == "1" ? 60 : 12
    var killed = 0
    for run in 0..<runs {
      // Each run has something to do: the report alternates between two versions.
      try (original + (run % 4 < 2 ? "\n测试更新词\n" : "")).write(to: changed, atomically: true, encoding: .utf8)
      let process = Process()
      process.executableURL = CLITests.binary
      process.arguments = [run % 2 == 0 ? "index" : "update", "--corpus", corpus.path, "--index", index.path]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      let manifest = index.appendingPathComponent(IndexFolder.manifestName)
      let previousManifest = try Data(contentsOf: manifest)
      try process.run()
      usleep(UInt32.random(in: 0..<900_000, using: &generator))
      if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        killed += 1
      }
      process.waitUntilExit()
      // A kill that lands after the manifest's rename (while the run tidies up) finds the new
      // index committed, which is as good: only a kill before it must leave the old one.
      let committed = try Data(contentsOf: manifest) != previousManifest
      if process.terminationReason == .uncaughtSignal && !committed {
        XCTAssertEqual(try answers(index), expected, "run \(run): the previous index changed after a kill")
      } else {
        // The run committed: its index is the one to compare with from now on.
        if process.terminationReason != .uncaughtSignal { XCTAssertEqual(process.terminationStatus, 0) }
        expected = try answers(index)
        XCTAssertTrue(expected.contains { $0.hasPrefix("测试更新词: \(run % 4 < 2 ? 1 : 0)") }, "run \(run)")
      }
    }
    XCTAssertGreaterThan(killed, 0, "no run was killed before it finished; the corpus is too small")
    // A complete run commits and removes every left-over file.
    _ = try DisclosureIndex.build(corpus: corpus, index: index)
    let names = try FileManager.default.contentsOfDirectory(atPath: index.path)
    XCTAssertEqual(names.filter { $0.hasPrefix(".") || $0.hasSuffix(".dsx") }.count, 1, "\(names)")
    XCTAssertEqual(DisclosureIndex.check(index: index), [])
  }

  /// The binary sources table gives back what was written (paths with tabs, newlines and
  /// non-ASCII, every segment), and a cut table is an error, not a shorter table.
  func testSourcesTableRoundTrips() throws {
    let sources = [
      CorpusIndexer.SourceRecord(
        path: "a/张店区\t报告\n.txt", hash: .max, text: ContentKey("正文"), fileKey: .max, segment: "segment-2.dsx", report: 7),
      CorpusIndexer.SourceRecord(path: "b.html", hash: 0, text: ContentKey(""), fileKey: nil, segment: "segment-1.dsx", report: .max),
      CorpusIndexer.SourceRecord(path: "c.txt", hash: 1 << 40, text: ContentKey("x"), fileKey: 1, segment: "segment-2.dsx", report: 0),
    ]
    func fields(_ records: [CorpusIndexer.SourceRecord]) -> [String] {
      records.map {
        "\($0.path)|\($0.hash)|\($0.text.length),\($0.text.fnv),\($0.text.crc)|\($0.fileKey.map(String.init) ?? "-")|\($0.segment)|\($0.report)"
      }
    }
    let bytes = IndexFolder.encodeSources(sources)
    XCTAssertEqual(fields(try IndexFolder.decodeSources(bytes, withFileKeys: true)), fields(sources))
    XCTAssertThrowsError(try IndexFolder.decodeSources(Array(bytes.dropLast()), withFileKeys: true))
    XCTAssertEqual(try IndexFolder.decodeSources(IndexFolder.encodeSources([]), withFileKeys: true).count, 0)
  }

  /// A binary sources table written before file keys (each record ends with its report) reads
  /// as written, with no file keys.
  func testSourcesTableWithoutFileKeysReads() throws {
    var writer = RecordWriter()
    writer.strings(["segment-1.dsx", "segment-2.dsx"])
    writer.varint(2)
    for (path, segment, report) in [("a/张店区.txt", 1, 7), ("b.html", 0, 0)] as [(String, UInt64, UInt64)] {
      writer.string(path)
      for value in [5, 2, 9, 3] as [UInt64] { writer.varint(value) }  // hash, text length, fnv, crc
      writer.varint(segment)
      writer.varint(report)
    }
    let sources = try IndexFolder.decodeSources(writer.bytes, withFileKeys: false)
    XCTAssertEqual(sources.map { "\($0.path)|\($0.hash)|\($0.text.length),\($0.text.fnv),\($0.text.crc)|\($0.segment)|\($0.report)" },
                   ["a/张店区.txt|5|2,9,3|segment-2.dsx|7", "b.html|5|2,9,3|segment-1.dsx|0"])
    XCTAssertTrue(sources.allSatisfy { $0.fileKey == nil })
    // Read as a table with file keys, its records do not line up.
    XCTAssertThrowsError(try IndexFolder.decodeSources(writer.bytes, withFileKeys: true))
  }

  /// `update` takes an indexed file as unchanged only while its listing (size, inode,
  /// modification and change times) is what it was when the file was read: a file rewritten
  /// to the same size with its modification time set back is read again (its change time
  /// moved), and a file changed just before the listing is read whatever it says (which a
  /// file written at the start of the test shows).
  func testUpdateTrustsAFileListingOnlyWhileItIsUnchanged() throws {
    let folder = try temporaryFolder()
    let corpus = folder.appendingPathComponent("Corpus")
    let index = folder.appendingPathComponent("Index")
    try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
    let real = try String(contentsOf: Fixtures.corpus.appendingPathComponent("张店区交通运输局_2020.txt"), encoding: .utf8)
    for name in ["a", "b", "c"] {
      try real.replacingOccurrences(of: "总体情况\n", with: "总体情况\n标记\(name)甲。\n")
        .write(to: corpus.appendingPathComponent("\(name).txt"), atomically: true, encoding: .utf8)
    }
    // Written just now: no file is settled, so none has a key.
    XCTAssertTrue(try CorpusScanner.scan(corpus).allSatisfy { $0.fileKey == nil })
    Thread.sleep(forTimeInterval: Double(CorpusScanner.settling) + 1.1)
    _ = try DisclosureIndex.build(corpus: corpus, index: index)
    XCTAssertTrue(try IndexFolder.readState(index).sources.allSatisfy { $0.fileKey != nil })

    // Same size, other bytes, the modification time set back: read again all the same.
    let a = corpus.appendingPathComponent("a.txt")
    var before = stat()
    XCTAssertEqual(lstat(a.path, &before), 0)
    try real.replacingOccurrences(of: "总体情况\n", with: "总体情况\n标记a乙。\n").write(to: a, atomically: false, encoding: .utf8)
    var times = [before.st_atim, before.st_mtim]
    XCTAssertEqual(utimensat(AT_FDCWD, a.path, &times, 0), 0)
    var after = stat()
    XCTAssertEqual(lstat(a.path, &after), 0)
    XCTAssertEqual([after.st_size, after.st_mtim.tv_sec, after.st_mtim.tv_nsec], [before.st_size, before.st_mtim.tv_sec, before.st_mtim.tv_nsec])
    // Settled again, so that the listing alone decides (the change time gives it away).
    Thread.sleep(forTimeInterval: Double(CorpusScanner.settling) + 1.1)
    XCTAssertNotNil(try CorpusScanner.scan(corpus).first { $0.path == "a.txt" }?.fileKey)
    var summary = try DisclosureIndex.update(corpus: corpus, index: index)
    XCTAssertEqual(summary.changedFileCount, 1)
    let searcher = try Searcher(indexFolder: index)
    XCTAssertEqual(try searcher.search("标记a乙").hits.map(\.path), ["a.txt"])
    XCTAssertEqual(try searcher.search("标记a甲").hits.count, 0)
    XCTAssertEqual(try searcher.search("标记b甲").hits.map(\.path), ["b.txt"])
    // Nothing changed since: nothing to re-index.
    summary = try DisclosureIndex.update(corpus: corpus, index: index)
    XCTAssertEqual(summary.changedFileCount, 0)
  }
}
