import Dispatch
import Foundation

/// The index folder: `manifest.json` names the live segment file; replacing the manifest
/// (write to a temporary file, fsync, rename) is the one atomic step that commits a build.
/// Segment files the manifest does not name are left-overs and are removed after a commit.
enum IndexFolder {
  static let manifestName = "manifest.json"
  static let logName = "index-log.txt"

  struct Manifest: Codable {
    var formatVersion: Int
    var segment: String
    /// ICU version and analysis settings; a mismatch at open asks for a rebuild.
    var analysis: String
    var reportCount: Int
    var sectionCount: Int
    var builtAt: String
  }

  /// Analysis settings of this build of dsearch (pinned in the manifest).
  static var analysisSignature: String {
    "icu=\(icuVersion);normalize=nfkc_cf+traditional-simplified(\(TraditionalSimplified.pairCount));words=ubrk_word/zh;grams=bigram+end;title=first-section"
  }

  static func commit(
    _ builder: IndexBuilder, to folder: URL, corpus: URL, outcomes: [CorpusIndexer.FileOutcome], textBytes: Int,
    started: DispatchTime
  ) throws -> IndexSummary {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let stamp = UInt64(Date().timeIntervalSince1970 * 1000)
    let segmentName = "segment-\(stamp)-\(UInt32.random(in: 0...UInt32.max)).dsx"
    let segmentURL = folder.appendingPathComponent(segmentName)
    try SegmentWriter.write(builder, to: segmentURL)
    let manifest = Manifest(
      formatVersion: Int(SegmentFormat.formatVersion), segment: segmentName, analysis: analysisSignature,
      reportCount: builder.reports.count, sectionCount: builder.docs.count,
      builtAt: ISO8601DateFormatter().string(from: Date()))
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try DurableFile.write(Array(try encoder.encode(manifest)), to: folder.appendingPathComponent(manifestName))
    removeLeftovers(in: folder, keeping: segmentName)

    let skipped = outcomes.filter { $0.skipReason != nil }
    var log = "# dsearch index log: one line per file, relative to \(corpus.path)\n"
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
    let attributes = try FileManager.default.attributesOfItem(atPath: segmentURL.path)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    var reasons: [String: Int] = [:]
    for outcome in skipped { reasons[outcome.skipReason ?? "", default: 0] += 1 }
    return IndexSummary(
      fileCount: outcomes.count, reportCount: builder.reports.count, sectionCount: builder.docs.count,
      termCount: builder.termCount, textBytes: textBytes,
      indexBytes: (attributes[.size] as? NSNumber)?.intValue ?? 0, seconds: seconds,
      duplicateCount: outcomes.filter { $0.duplicateOf != nil }.count,
      warningCount: outcomes.filter { $0.skipReason == nil && !$0.warnings.isEmpty }.count,
      skipped: reasons.sorted { $0.key < $1.key }.map { IndexSummary.Skip(reason: $0.key, count: $0.value) },
      logPath: folder.appendingPathComponent(logName).path)
  }

  /// Removes segment files and temporary files that the manifest does not name.
  static func removeLeftovers(in folder: URL, keeping segment: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
    for name in names where name != segment {
      if (name.hasPrefix("segment-") && name.hasSuffix(".dsx")) || (name.hasPrefix(".") && name.contains(".tmp-")) {
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
      }
    }
  }

  static func readManifest(_ folder: URL) throws(IndexFormatError) -> Manifest {
    let url = folder.appendingPathComponent(manifestName)
    guard let data = FileManager.default.contents(atPath: url.path) else { throw .missing(folder: folder.path) }
    guard let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else {
      throw .corrupt(file: manifestName, offset: 0, reason: "unreadable manifest")
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
