import Dispatch
import Foundation

/// The index folder. `manifest.json` names the live segments (with the reports deleted from
/// each) and the sources table; replacing the manifest (write a temporary file, fsync,
/// rename) is the one atomic step that commits a build or an update. Files the manifest does
/// not name are left-overs of an interrupted run and are removed after the next commit.
enum IndexFolder {
  static let manifestName = "manifest.json"
  static let logName = "index-log.txt"
  /// `update` rebuilds (merging everything into one segment) when there would be more.
  static let maxSegments = 8

  struct Manifest: Codable {
    struct SegmentEntry: Codable {
      /// The segment file.
      var name: String
      /// Report IDs (local to the segment) that are no longer live.
      var deletedReports: [UInt32]
    }
    var formatVersion: Int
    var segments: [SegmentEntry]
    /// The sources table: what every indexed file's bytes and text hashed to, and where it is.
    var sources: String
    /// ICU version and analysis settings; a mismatch at open asks for a rebuild.
    var analysis: String
    var reportCount: Int
    var sectionCount: Int
    var builtAt: String
    /// CRC-32 of the sources table file.
    var sourcesCRC: UInt32
    /// CRC-32 of this manifest's JSON encoded with sorted keys and `crc32` = 0.
    var crc32: UInt32

    /// The manifest's own checksum (see `crc32`).
    func checksum() throws -> UInt32 {
      var unsigned = self
      unsigned.crc32 = 0
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      return CRC32.of(Array(try encoder.encode(unsigned)))
    }
  }

  /// The committed state an update starts from.
  struct State {
    var manifest: Manifest
    var sources: [CorpusIndexer.SourceRecord]
  }

  /// Analysis settings of this build of dsearch (pinned in the manifest).
  static var analysisSignature: String {
    "icu=\(icuVersion);normalize=nfkc_cf+traditional-simplified(\(TraditionalSimplified.pairCount));words=ubrk_word/zh;grams=bigram-next+end;title=first-section"
  }

  /// Opens the live index. A search that races a commit may find a segment just removed;
  /// it then reads the new manifest once more.
  static func open(_ folder: URL) throws -> IndexView {
    do {
      return try openOnce(folder)
    } catch IndexFormatError.missing(let folder) {
      throw IndexFormatError.missing(folder: folder)
    } catch {
      return try openOnce(folder)
    }
  }

  private static func openOnce(_ folder: URL) throws -> IndexView {
    let manifest = try readManifest(folder)
    var readers: [SegmentReader] = []
    var deletions: [Set<UInt32>] = []
    for entry in manifest.segments {
      let url = folder.appendingPathComponent(entry.name)
      guard FileManager.default.fileExists(atPath: url.path) else {
        throw IndexFormatError.corrupt(file: entry.name, offset: 0, reason: "the segment file is missing")
      }
      readers.append(try SegmentReader(url: url))
      deletions.append(Set(entry.deletedReports))
    }
    return IndexView(segments: readers, deletedReports: deletions)
  }

  static func readState(_ folder: URL) throws(IndexFormatError) -> State {
    let manifest = try readManifest(folder)
    guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(manifest.sources).path),
      CRC32.of(Array(data)) == manifest.sourcesCRC,
      // Indexes written before the binary table keep their JSON one until the next commit,
      // and those written before file keys their first binary one.
      let sources = manifest.sources.hasSuffix(".json")
        ? try? JSONDecoder().decode([CorpusIndexer.SourceRecord].self, from: data)
        : try? decodeSources(Array(data), withFileKeys: manifest.sources.hasSuffix(Self.sourcesSuffix))
    else { throw .corrupt(file: manifest.sources, offset: 0, reason: "the sources table is missing or its checksum does not match") }
    return State(manifest: manifest, sources: sources)
  }

  /// The sources table (Index/FORMAT.md, "sources-*.v2.bin"): the segment names once, then
  /// each file's record. Binary because `update` reads and writes every file's record: as
  /// JSON that took a quarter of an update's time.
  static let sourcesSuffix = ".v2.bin"

  static func encodeSources(_ sources: [CorpusIndexer.SourceRecord]) -> [UInt8] {
    var writer = RecordWriter()
    let segments = Array(Set(sources.map(\.segment))).sorted()
    let segmentNumbers = Dictionary(uniqueKeysWithValues: segments.enumerated().map { ($1, $0) })
    writer.strings(segments)
    writer.varint(UInt64(sources.count))
    for source in sources {
      writer.string(source.path)
      writer.varint(source.hash)
      writer.varint(UInt64(source.text.length))
      writer.varint(source.text.fnv)
      writer.varint(UInt64(source.text.crc))
      writer.varint(UInt64(segmentNumbers[source.segment] ?? 0))
      writer.varint(UInt64(source.report))
      writer.varint(source.fileKey ?? 0)
    }
    return writer.bytes
  }

  static func decodeSources(_ bytes: [UInt8], withFileKeys: Bool) throws(RecordReader.Failure) -> [CorpusIndexer.SourceRecord] {
    var reader = RecordReader(bytes)
    let segments = try reader.strings()
    let count = try reader.count()
    var sources: [CorpusIndexer.SourceRecord] = []
    sources.reserveCapacity(count)
    for _ in 0..<count {
      let path = try reader.string()
      let hash = try reader.varint()
      let text = ContentKey(length: Int(clamping: try reader.varint()), fnv: try reader.varint(), crc: UInt32(truncatingIfNeeded: try reader.varint()))
      let segment = try reader.varint()
      let report = try reader.varint()
      let fileKey = withFileKeys ? try reader.varint() : 0
      guard segment < UInt64(segments.count), report <= UInt64(UInt32.max) else { throw .truncated }
      sources.append(
        CorpusIndexer.SourceRecord(
          path: path, hash: hash, text: text, fileKey: fileKey == 0 ? nil : fileKey, segment: segments[Int(segment)],
          report: UInt32(report)))
    }
    return sources
  }

  static func commit(
    _ build: CorpusIndexer.SegmentBuild, to folder: URL, corpus: URL, keeping kept: [Manifest.SegmentEntry],
    deletions: [String: Set<UInt32>], keptSources: [CorpusIndexer.SourceRecord], fileCount: Int, started: DispatchTime,
    changed: Int, removed: Int
  ) throws -> IndexSummary {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let stamp = "\(UInt64(Date().timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))"
    var segments = kept.map { entry in
      var entry = entry
      entry.deletedReports = Array(Set(entry.deletedReports).union(deletions[entry.name] ?? [])).sorted()
      return entry
    }
    var sources = keptSources
    var indexBytes = 0
    if build.builder.reports.count > 0 {
      let name = "segment-\(stamp).dsx"
      let url = folder.appendingPathComponent(name)
      try SegmentWriter.write(build.builder, to: url)
      segments.append(Manifest.SegmentEntry(name: name, deletedReports: []))
      sources += build.sources.map { source in
        var source = source
        source.segment = name
        return source
      }
    }
    // Segments whose every report is deleted are dropped; the size counts the live segments.
    var live: [Manifest.SegmentEntry] = []
    var reportCount = 0
    var sectionCount = 0
    for entry in segments {
      let reader = try SegmentReader(url: folder.appendingPathComponent(entry.name))
      let deleted = Set(entry.deletedReports)
      let liveReports = reader.meta.reportCount - deleted.count
      guard liveReports > 0 else { continue }
      live.append(entry)
      reportCount += liveReports
      sectionCount += (0..<UInt32(reader.docCount)).filter { !deleted.contains(reader.reportID(of: $0)) }.count
      indexBytes += (try FileManager.default.attributesOfItem(atPath: reader.url.path)[.size] as? NSNumber)?.intValue ?? 0
    }
    let liveNames = Set(live.map(\.name))
    sources = sources.filter { liveNames.contains($0.segment) }.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    let sourcesName = "sources-\(stamp)\(Self.sourcesSuffix)"
    let sourcesBytes = encodeSources(sources)
    try DurableFile.write(sourcesBytes, to: folder.appendingPathComponent(sourcesName))
    var manifest = Manifest(
      formatVersion: Int(SegmentFormat.formatVersion), segments: live, sources: sourcesName, analysis: analysisSignature,
      reportCount: reportCount, sectionCount: sectionCount, builtAt: ISO8601DateFormatter().string(from: Date()),
      sourcesCRC: CRC32.of(sourcesBytes), crc32: 0)
    manifest.crc32 = try manifest.checksum()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try DurableFile.write(Array(try encoder.encode(manifest)), to: folder.appendingPathComponent(manifestName))
    removeLeftovers(in: folder, keeping: liveNames.union([sourcesName]))

    let outcomes = build.outcomes
    var log = "# dsearch index log: one line per file read in this run, relative to \(corpus.path)\n"
    for outcome in outcomes {
      if let reason = outcome.skipReason {
        log += "skipped\t\(outcome.path)\t\(reason)\n"
      } else if let original = outcome.duplicateOf {
        log += "duplicate\t\(outcome.path)\tsame text as \(original)\n"
      } else if outcome.warnings.isEmpty {
        log += "indexed\t\(outcome.path)\n"
      } else {
        log += "warning\t\(outcome.path)\t\(outcome.warnings.joined(separator: "; "))\n"
      }
    }
    try DurableFile.write(Array(log.utf8), to: folder.appendingPathComponent(logName))
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    var reasons: [String: Int] = [:]
    for outcome in outcomes where outcome.skipReason != nil { reasons[outcome.skipReason ?? "", default: 0] += 1 }
    return IndexSummary(
      fileCount: fileCount, reportCount: reportCount, sectionCount: sectionCount, termCount: build.builder.termCount,
      textBytes: build.textBytes, indexBytes: indexBytes, seconds: seconds,
      duplicateCount: outcomes.filter { $0.duplicateOf != nil }.count,
      warningCount: outcomes.filter { $0.skipReason == nil && !$0.warnings.isEmpty }.count,
      skipped: reasons.sorted { $0.key < $1.key }.map { IndexSummary.Skip(reason: $0.key, count: $0.value) },
      logPath: folder.appendingPathComponent(logName).path, segmentCount: live.count, changedFileCount: changed,
      removedFileCount: removed)
  }

  /// Removes segment, sources and temporary files that the manifest does not name.
  static func removeLeftovers(in folder: URL, keeping names: Set<String>) {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
    for name in entries where !names.contains(name) {
      let isOurs =
        (name.hasPrefix("segment-") && name.hasSuffix(".dsx")) || (name.hasPrefix("sources-") && (name.hasSuffix(".bin") || name.hasSuffix(".json")))
        || (name.hasPrefix(".") && name.contains(".tmp-"))
      if isOurs { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
    }
  }

  static func readManifest(_ folder: URL) throws(IndexFormatError) -> Manifest {
    let url = folder.appendingPathComponent(manifestName)
    guard let data = FileManager.default.contents(atPath: url.path) else { throw .missing(folder: folder.path) }
    guard let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else {
      throw .corrupt(file: manifestName, offset: 0, reason: "unreadable manifest")
    }
    guard (try? manifest.checksum()) == manifest.crc32 else {
      throw .corrupt(file: manifestName, offset: 0, reason: "manifest checksum mismatch")
    }
    let supported = Int(SegmentFormat.oldestReadableFormatVersion)...Int(SegmentFormat.formatVersion)
    guard supported.contains(manifest.formatVersion) else {
      throw .unsupportedVersion(file: manifestName, found: manifest.formatVersion, supported: supported)
    }
    guard manifest.analysis == analysisSignature else {
      throw .analysisMismatch(indexed: manifest.analysis, current: analysisSignature)
    }
    return manifest
  }
}
