import CICU
import Dispatch
import Foundation

/// Builds an index folder from a corpus folder: scan → decode → parse → analyze (on every
/// core) → one writer → segment file → manifest (the atomic commit).
enum CorpusIndexer {
  /// What happened to one file.
  struct FileOutcome: Sendable {
    let path: String
    /// nil when indexed.
    let skipReason: String?
    let warnings: [String]
    let duplicateOf: String?
  }

  struct Analyzed: Sendable {
    let entry: CorpusScanner.Entry
    let skipReason: String?
    /// What decoding the file and parsing its text found wrong (a duplicate's text is not
    /// parsed: it has the parse warnings of the file it repeats).
    let decodeWarnings: [String]
    let parseWarnings: [String]
    /// nil when skipped, or when an earlier file has the same text (`DuplicateClaims`).
    let report: StoredReport?
    let contentKey: ContentKey?
    /// The file's `ContentKey.fileHash`.
    let hash: UInt64
    let sections: [IndexBuilder.AnalyzedSection]
  }

  /// A file's identity in the sources table: its raw bytes and its decoded text.
  struct SourceRecord: Codable, Sendable {
    /// Path relative to the corpus root.
    var path: String
    /// `ContentKey.fileHash` of the file's bytes (what `update` compares).
    var hash: UInt64
    /// The decoded text's key (what duplicate detection compares).
    var text: ContentKey
    /// `CorpusScanner.Entry.fileKey` when the file was read: while the file's listing gives
    /// the same key, `update` takes `hash` as it is instead of reading the file again.
    var fileKey: UInt64?
    /// The segment and the report (local ID) that hold it.
    var segment: String
    var report: UInt32
  }

  static func build(
    corpus: URL, index: URL, options: IndexOptions, progress: (@Sendable (IndexProgress) -> Void)?
  ) throws(SearchError) -> IndexSummary {
    let started = DispatchTime.now()
    let entries = try CorpusScanner.scan(corpus)
    let dictionary = try recordDictionary(entries, options: options)
    var segment = SegmentBuild(dictionary: dictionary, stagedLimit: options.stagedPostings)
    try analyze(entries, dictionary: dictionary, options: options, progress: progress) { segment.add($0) }
    segment.builder.finish()
    return try commit(
      index: index, corpus: corpus, keeping: [], deletions: [:], new: segment, fileCount: entries.count, started: started,
      changed: 0, removed: 0)
  }

  /// Runs the build's first stages alone: scan, the records' dictionary, and reading,
  /// decoding, parsing, analyzing and compressing every file on the options' threads, with
  /// the results dropped instead of added to an index (`dsearch bench`: how close those
  /// stages come to the ICU ceiling on their own). Returns the seconds taken.
  static func analyzeAlone(corpus: URL, options: IndexOptions) throws(SearchError) -> Double {
    let started = DispatchTime.now()
    let entries = try CorpusScanner.scan(corpus)
    let dictionary = try recordDictionary(entries, options: options)
    try analyze(entries, dictionary: dictionary, options: options, progress: nil) { _ in }
    return Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
  }

  /// Re-indexes only the files added, changed (by content hash) or removed since the last
  /// commit: their reports go into a new segment and their old reports are marked deleted.
  /// A report whose set of paths changes (a duplicate added or removed) is re-indexed whole,
  /// so results equal those of a full rebuild. With too many segments, it rebuilds instead.
  static func update(
    corpus: URL, index: URL, options: IndexOptions, progress: (@Sendable (IndexProgress) -> Void)?
  ) throws(SearchError) -> IndexSummary {
    let started = DispatchTime.now()
    let state: IndexFolder.State
    do { state = try IndexFolder.readState(index) } catch { throw .index(error) }
    if state.manifest.segments.count >= IndexFolder.maxSegments {
      return try build(corpus: corpus, index: index, options: options, progress: progress)
    }
    let entries = try CorpusScanner.scan(corpus)
    let sources = state.sources
    // Paths are numbered by their UTF-8 (a String is normalized to be hashed, which took a
    // fifth of an update that changed nothing at 50,000 files): the sources' first, then the
    // listed files' new ones. `sourceAt` gives the source of each of the former.
    var paths = ByteStringTable()
    func number(_ path: String) -> Int {
      var path = path
      return path.withUTF8 { bytes in
        let key = UnsafeRawBufferPointer(bytes)
        return paths.insert(key, hash: ByteStringTable.hash(key)).number
      }
    }
    var sourceAt: [Int] = []
    let sourceNumbers = sources.indices.map { index in
      let path = number(sources[index].path)
      if path == sourceAt.count { sourceAt.append(index) } else { sourceAt[path] = index }
      return path
    }
    let entryNumbers = entries.map { number($0.path) }
    func source(at path: Int) -> SourceRecord? { path < sourceAt.count ? sources[sourceAt[path]] : nil }
    // Each listed file's content hash and listing key, by path. A file whose listing gives the
    // key it had when it was read is not read again.
    var hashes = [UInt64?](repeating: nil, count: paths.count)
    var fileKeys = [UInt64?](repeating: nil, count: paths.count)
    var toRead: [(entry: CorpusScanner.Entry, path: Int)] = []
    for (entry, path) in zip(entries, entryNumbers) {
      fileKeys[path] = entry.fileKey
      if let key = entry.fileKey, let source = source(at: path), source.fileKey == key {
        hashes[path] = source.hash
      } else {
        toRead.append((entry, path))
      }
    }
    for (file, hash) in zip(toRead, fileHashes(toRead.map(\.entry), options: options)) { hashes[file.path] = hash }
    // Group the indexed paths by report (its segment's place among the sources' segments and
    // its number there); a report is affected when any of its paths changed or went away.
    var segmentPlaces: [String: UInt64] = [:]
    let reportKeys = sources.map { source in
      let place = segmentPlaces[source.segment] ?? UInt64(segmentPlaces.count)
      segmentPlaces[source.segment] = place
      return place << 32 | UInt64(source.report)
    }
    var reports: [UInt64: [Int]] = [:]  // each report's sources
    for (index, key) in reportKeys.enumerated() { reports[key, default: []].append(index) }
    func isUnchanged(_ index: Int) -> Bool { hashes[sourceNumbers[index]] == sources[index].hash }
    var affected = Set<UInt64>()
    for (key, members) in reports where !members.allSatisfy(isUnchanged) { affected.insert(key) }
    var toIndex = [Bool](repeating: false, count: paths.count)
    for path in entryNumbers where source(at: path).map({ hashes[path] != $0.hash }) ?? true { toIndex[path] = true }
    for key in affected {
      for index in reports[key] ?? [] where isUnchanged(index) { toIndex[sourceNumbers[index]] = true }
    }
    let changedCount = toIndex.count { $0 }
    let removedCount = sourceAt.indices.count { hashes[$0] == nil }
    // Unaffected live reports by text, so that a new duplicate joins its report.
    var liveByText: [ContentKey: UInt64] = [:]
    for (key, members) in reports where !affected.contains(key) {
      if let first = members.first { liveByText[sources[first].text] = key }
    }
    let changed = zip(entries, entryNumbers).filter { toIndex[$0.1] }.map(\.0)
    let dictionary = try recordDictionary(changed, options: options)
    var segment = SegmentBuild(dictionary: dictionary, stagedLimit: options.stagedPostings)
    try analyze(changed, dictionary: dictionary, options: options, progress: progress) { result in
      if let text = result.contentKey, let key = liveByText[text], !affected.contains(key) {
        // The new file has the text of a live report: re-index that report with all its paths.
        affected.insert(key)
        segment.add(result, alsoAt: (reports[key] ?? []).map { sources[$0] })
      } else {
        segment.add(result)
      }
    }
    segment.builder.finish()
    var deletions: [String: Set<UInt32>] = [:]
    for key in affected {
      guard let first = reports[key]?.first else { continue }
      deletions[sources[first].segment, default: []].insert(sources[first].report)
    }
    // Unchanged files keep their records, with the key of their listing now (a file read
    // again because it had none is not read at the next update).
    let unchangedSources = sources.indices.filter { !affected.contains(reportKeys[$0]) && isUnchanged($0) }.map { index in
      var source = sources[index]
      source.fileKey = fileKeys[sourceNumbers[index]]
      return source
    }
    return try commit(
      index: index, corpus: corpus, keeping: state.manifest.segments, deletions: deletions, new: segment,
      fileCount: entries.count, started: started, changed: changedCount, removed: removedCount,
      keptSources: unchangedSources)
  }

  /// Reports for one new segment, deduplicated by text.
  struct SegmentBuild {
    var builder: IndexBuilder
    var outcomes: [FileOutcome] = []
    var sources: [SourceRecord] = []
    private var seen: [ContentKey: (id: UInt32, path: String, parseWarnings: [String])] = [:]
    var textBytes = 0

    init(dictionary: [UInt8], stagedLimit: Int) { builder = IndexBuilder(dictionary: dictionary, stagedLimit: stagedLimit) }

    /// Adds one analyzed file; `alsoAt` names indexed files with the same text (they join its report).
    mutating func add(_ result: Analyzed, alsoAt others: [SourceRecord] = []) {
      let path = result.entry.path
      if let reason = result.skipReason {
        outcomes.append(FileOutcome(path: path, skipReason: reason, warnings: [], duplicateOf: nil))
        return
      }
      guard let key = result.contentKey else { return }
      if let original = seen[key] {
        builder.addPath(path, toReport: original.id)
        sources.append(SourceRecord(path: path, hash: result.hash, text: key, fileKey: result.entry.fileKey, segment: "", report: original.id))
        let warnings = result.decodeWarnings + (result.report == nil ? original.parseWarnings : result.parseWarnings)
        outcomes.append(FileOutcome(path: path, skipReason: nil, warnings: warnings, duplicateOf: original.path))
        return
      }
      // A file is left unparsed only when an earlier one has its text, and that one came first.
      guard let report = result.report else { preconditionFailure("\(path): a duplicate of no file before it") }
      textBytes += key.length
      let id = builder.add(report: report, sections: result.sections)
      seen[key] = (id, path, result.parseWarnings)
      sources.append(SourceRecord(path: path, hash: result.hash, text: key, fileKey: result.entry.fileKey, segment: "", report: id))
      for other in others where other.path != path {
        builder.addPath(other.path, toReport: id)
        sources.append(SourceRecord(path: other.path, hash: other.hash, text: key, fileKey: other.fileKey, segment: "", report: id))
      }
      outcomes.append(FileOutcome(path: path, skipReason: nil, warnings: result.decodeWarnings + result.parseWarnings, duplicateOf: nil))
    }
  }

  /// Writes the new segment (if it holds any report) and commits the manifest.
  private static func commit(
    index: URL, corpus: URL, keeping: [IndexFolder.Manifest.SegmentEntry], deletions: [String: Set<UInt32>],
    new segment: SegmentBuild, fileCount: Int, started: DispatchTime, changed: Int, removed: Int,
    keptSources: [SourceRecord] = []
  ) throws(SearchError) -> IndexSummary {
    do {
      return try IndexFolder.commit(
        segment, to: index, corpus: corpus, keeping: keeping, deletions: deletions, keptSources: keptSources,
        fileCount: fileCount, started: started, changed: changed, removed: removed)
    } catch let error as SearchError {
      throw error
    } catch let error as IndexFormatError {
      throw .index(error)
    } catch {
      throw .write("\(error.localizedDescription)")
    }
  }

  /// Each file's `ContentKey.fileHash` (nil when it cannot be read), read on every core: a
  /// corpus copied or unpacked anew has no file whose listing `update` can trust.
  private static func fileHashes(_ entries: [CorpusScanner.Entry], options: IndexOptions) -> [UInt64?] {
    let chunkCount = max(1, min(options.workerCount, entries.count / 64))
    let chunks = ResultSlots<[UInt64?]>(count: chunkCount)
    DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
      chunks.set(
        chunk,
        entries[(entries.count * chunk / chunkCount)..<(entries.count * (chunk + 1) / chunkCount)].map { entry in
          guard case .bytes(let bytes) = ReportFile.read(entry.url.path) else { return nil }
          return ContentKey.fileHash(bytes)
        })
    }
    return chunks.values.flatMap { $0 }
  }

  /// Files of at least this size are analyzed alone (`AnalysisSchedule`).
  static let largeFileSize = 4 << 20

  /// Decodes, parses and analyzes `entries` on every core and hands each result to `consume`
  /// in path order (one writer, the calling thread), the workers running up to 128 files
  /// each ahead of it.
  private static func analyze(
    _ entries: [CorpusScanner.Entry], dictionary: [UInt8], options: IndexOptions,
    progress: (@Sendable (IndexProgress) -> Void)?, consume: (Analyzed) -> Void
  ) throws(SearchError) {
    let workerCount = options.workerCount
    var analyzers: [(Analyzer, RecordCompressor)] = []
    for _ in 0..<workerCount {
      do { analyzers.append((try Analyzer(), RecordCompressor(dictionary: dictionary))) } catch { throw .analysis("\(error)") }
    }
    let workers = analyzers
    let claims = DuplicateClaims()
    let pipeline = AnalysisPipeline<Analyzed>(
      schedule: AnalysisSchedule(sizes: entries.map(\.size), window: 128 * workerCount), count: entries.count)
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
      DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
        let (analyzer, compressor) = workers[worker]
        while let index = pipeline.nextFile() {
          let result = analyze(entries[index], analyzer: analyzer, compressor: compressor, options: options) { key in
            claims.claim(key, for: index)
          }
          pipeline.finish(index, result)
        }
      }
    }
    for index in entries.indices {
      consume(pipeline.take(index))
      pipeline.tookIn()
      if (index + 1) % 128 == 0 || index + 1 == entries.count {
        progress?(IndexProgress(filesDone: index + 1, fileCount: entries.count))
      }
    }
    group.wait()
  }

  /// The dictionary of a new segment's stored records: the last 112 KB of the first
  /// reports' records, from at most 16 files (those are analyzed once more with the others),
  /// with zstd's entropy tables fitted to those records (at 50,000 reports the stored sections
  /// are 6 % smaller with them, for the same build and query times), or the content alone
  /// where zstd cannot fit tables (it names too few, or too alike, records as its edge
  /// cases); none without records.
  static func recordDictionary(_ entries: [CorpusScanner.Entry], options: IndexOptions) throws(SearchError) -> [UInt8] {
    let analyzer: Analyzer
    do { analyzer = try Analyzer() } catch { throw .analysis("\(error)") }
    var sample: [UInt8] = []
    var lengths: [UInt64] = []
    for entry in entries.prefix(16) where sample.count < RecordCompressor.dictionarySize {
      for section in analyze(entry, analyzer: analyzer, compressor: nil, options: options).sections {
        sample += section.record
        lengths.append(UInt64(section.record.count))
      }
    }
    let content = Array(sample.suffix(RecordCompressor.dictionarySize))
    guard !content.isEmpty else { return [] }
    var output = [UInt8](repeating: 0, count: content.count + 16 * 1024)
    let length = output.withUnsafeMutableBufferPointer { output in
      cicu_record_dictionary(
        content, UInt64(content.count), sample, lengths, UInt32(lengths.count), RecordCompressor.level, output.baseAddress,
        UInt64(output.count))
    }
    return length > 0 ? Array(output[0..<Int(length)]) : content
  }

  /// Reads, decodes, parses and analyzes one file; with a compressor, its stored records come
  /// compressed (else raw). A file whose decoded text `isFirst` says an earlier file has is
  /// neither parsed nor analyzed (it joins that file's report).
  private static func analyze(
    _ entry: CorpusScanner.Entry, analyzer: Analyzer, compressor: RecordCompressor?, options: IndexOptions,
    isFirst: (ContentKey) -> Bool = { _ in true }
  ) -> Analyzed {
    func skip(_ reason: String) -> Analyzed {
      Analyzed(
        entry: entry, skipReason: reason, decodeWarnings: [], parseWarnings: [], report: nil, contentKey: nil, hash: 0,
        sections: [])
    }
    let fileExtension = entry.url.pathExtension.lowercased()
    let isHTML = HTMLReader.extensions.contains(fileExtension)
    guard isHTML || CorpusScanner.textExtensions.contains(fileExtension) else {
      return skip("not a report file (.\(fileExtension)); reports are .txt or .html")
    }
    let bytes: [UInt8]
    switch ReportFile.read(entry.url.path, limit: options.maxFileSize) {
    case .bytes(let contents): bytes = contents
    case .tooLarge: return skip("larger than the \(options.maxFileSize)-byte limit (--max-file-size)")
    case .unreadable: return skip("cannot be read")
    }
    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return skip("empty") }
    let probe = bytes.prefix(8192)
    let isUTF16 = bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF])
    if !isUTF16, probe.contains(0) { return skip("binary (NUL bytes), not text") }
    let decoded = ReportFile.decode(bytes, isHTML: isHTML)
    let contentKey = ContentKey(decoded.text)
    guard isFirst(contentKey) else {
      return Analyzed(
        entry: entry, skipReason: nil, decodeWarnings: decoded.warnings, parseWarnings: [], report: nil,
        contentKey: contentKey, hash: ContentKey.fileHash(bytes), sections: [])
    }
    let parsed = ReportFile.parse(decoded, with: ReportParser(normalizer: analyzer.normalizer))
    let report = StoredReport(
      paths: [entry.path], title: parsed.title, agency: parsed.agency, region: parsed.region, year: parsed.year,
      template: parsed.template)
    var sections: [IndexBuilder.AnalyzedSection] = []
    for (index, section) in parsed.sections.enumerated() {
      let texts = SectionDocument.fieldTexts(
        title: index == 0 ? parsed.title : "", number: section.number, heading: section.heading, text: section.text,
        rows: section.rows)
      let fields = Field.allCases.map { field in
        analyzer.analyze(texts[field] ?? "", remember: field == .heading || field == .label)
      }
      let stored = StoredSection(
        number: section.number, heading: section.heading, text: section.text, startLine: section.startLine,
        rows: section.rows, sourceLines: section.sourceLines)
      let record = RecordCoding.encode(stored)
      sections.append(
        IndexBuilder.AnalyzedSection(number: section.number, record: compressor?.compress(record) ?? record, fields: fields))
    }
    return Analyzed(
      entry: entry, skipReason: nil, decodeWarnings: decoded.warnings,
      parseWarnings: Array(parsed.warnings.dropFirst(decoded.warnings.count)), report: report, contentKey: contentKey,
      hash: ContentKey.fileHash(bytes), sections: sections)
  }
}

/// Which file first has each decoded text, as workers meet them out of order: a file need
/// not be parsed and analyzed when a file before it in path order has its text (the writer,
/// taking files in that order, makes it a path of that file's report).
final class DuplicateClaims: @unchecked Sendable {  // its table is guarded by `lock`
  private var first: [ContentKey: Int] = [:]
  private let lock = NSLock()

  /// Whether no file before `index` has claimed `key`; if none has, `index` claims it.
  func claim(_ key: ContentKey, for index: Int) -> Bool {
    lock.lock()
    defer { lock.unlock() }
    if let claimed = first[key], claimed < index { return false }
    first[key] = index
    return true
  }
}

/// Identifies a report text for duplicate detection: length and two independent hashes.
struct ContentKey: Hashable, Sendable, Codable {
  let length: Int
  let fnv: UInt64
  let crc: UInt32

  init(length: Int, fnv: UInt64, crc: UInt32) {
    (self.length, self.fnv, self.crc) = (length, fnv, crc)
  }

  init(_ text: String) {
    let bytes = Array(text.utf8)
    length = bytes.count
    fnv = Self.fnv64(bytes)
    crc = CRC32.of(bytes)
  }

  /// FNV-1a, 64 bits.
  static func fnv64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }

  static func fnv64(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes(fnv64) }

  /// What `update` compares to tell a changed file: its length (low 32 bits) and CRC-32 in
  /// one number. An update reads every file of the corpus; CRC-32 runs several times
  /// faster than FNV's one multiplication per byte.
  static func fileHash(_ bytes: [UInt8]) -> UInt64 {
    UInt64(UInt32(truncatingIfNeeded: bytes.count)) << 32 | UInt64(CRC32.of(bytes))
  }
}

/// Fixed slots that concurrent workers fill, one index each.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
  private var slots: [Value?]
  private let lock = NSLock()

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ value: Value) {
    lock.lock()
    slots[index] = value
    lock.unlock()
  }

  var values: [Value] { slots.compactMap { $0 } }
}
