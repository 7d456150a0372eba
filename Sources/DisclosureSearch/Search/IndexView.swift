import Foundation

/// The live index: the segments a manifest names, minus their deleted reports, seen as one
/// sequence of global doc and report IDs (segment by segment, in manifest order).
///
/// BM25 statistics (section count, average field lengths, document frequencies) count live
/// sections only, so an updated index scores exactly like a full rebuild of the same corpus.
/// Immutable after init, so it is safe to share between threads.
final class IndexView: Sendable {
  let segments: [SegmentReader]
  /// Global ID of each segment's first doc and first report.
  private let docBases: [UInt32]
  private let reportBases: [UInt32]
  /// Deleted reports, by segment, as local report IDs.
  private let deletedReports: [Set<UInt32>]
  /// Docs and reports, deleted ones included (IDs run over all of them).
  let docCount: Int
  let reportCount: Int
  /// Live reports and sections, and the average length of each field over the sections.
  let liveReportCount: Int
  let liveDocCount: Int
  let averageFieldLengths: [Double]

  init(segments: [SegmentReader], deletedReports: [Set<UInt32>]) {
    self.segments = segments
    self.deletedReports = deletedReports
    var docBases: [UInt32] = []
    var reportBases: [UInt32] = []
    var docs = 0
    var reports = 0
    var live = 0
    var totals = [Int](repeating: 0, count: Field.allCases.count)
    for (index, segment) in segments.enumerated() {
      docBases.append(UInt32(docs))
      reportBases.append(UInt32(reports))
      let deleted = deletedReports[index]
      for field in Field.allCases where field.rawValue < segment.meta.totalFieldLengths.count {
        totals[field.rawValue] += segment.meta.totalFieldLengths[field.rawValue]
      }
      var segmentLive = segment.docCount
      if !deleted.isEmpty {
        for doc in 0..<UInt32(segment.docCount) where deleted.contains(segment.reportID(of: doc)) {
          segmentLive -= 1
          for field in Field.allCases { totals[field.rawValue] -= Int(segment.fieldLength(of: doc, field)) }
        }
      }
      docs += segment.docCount
      reports += segment.meta.reportCount
      live += segmentLive
    }
    self.docBases = docBases
    self.reportBases = reportBases
    docCount = docs
    reportCount = reports
    liveReportCount = reports - deletedReports.reduce(0) { $0 + $1.count }
    liveDocCount = live
    averageFieldLengths = totals.map { live > 0 ? Double($0) / Double(live) : 0 }
  }

  /// The segment holding a global doc ID, and the doc's local ID there.
  @inline(__always)
  func locate(doc: UInt32) -> (segment: Int, local: UInt32) {
    var index = docBases.count - 1
    while index > 0 && docBases[index] > doc { index -= 1 }
    return (index, doc - docBases[index])
  }

  private func locate(report: UInt32) -> (segment: Int, local: UInt32) {
    var index = reportBases.count - 1
    while index > 0 && reportBases[index] > report { index -= 1 }
    return (index, report - reportBases[index])
  }

  func isLive(doc: UInt32) -> Bool {
    let (segment, local) = locate(doc: doc)
    return deletedReports[segment].isEmpty || !deletedReports[segment].contains(segments[segment].reportID(of: local))
  }

  func isLive(report: UInt32) -> Bool {
    let (segment, local) = locate(report: report)
    return !deletedReports[segment].contains(local)
  }

  /// Every live doc, ascending.
  var liveDocs: [UInt32] { (0..<UInt32(docCount)).filter(isLive(doc:)) }

  /// Every live report, ascending.
  var liveReports: [UInt32] { (0..<UInt32(reportCount)).filter(isLive(report:)) }

  func reportID(of doc: UInt32) -> UInt32 {
    let (segment, local) = locate(doc: doc)
    return reportBases[segment] + segments[segment].reportID(of: local)
  }

  func sectionNumber(of doc: UInt32) -> Int {
    let (segment, local) = locate(doc: doc)
    return segments[segment].sectionNumber(of: local)
  }

  func fieldLength(of doc: UInt32, _ field: Field) -> UInt32 {
    let (segment, local) = locate(doc: doc)
    return segments[segment].fieldLength(of: local, field)
  }

  /// Whether `doc` is the first section of its report (the one that holds the title field).
  func isFirstSection(_ doc: UInt32) -> Bool {
    let (segment, local) = locate(doc: doc)
    return local == 0 || segments[segment].reportID(of: local - 1) != segments[segment].reportID(of: local)
  }

  func report(_ id: UInt32) throws -> StoredReport {
    let (segment, local) = locate(report: id)
    return try segments[segment].report(local)
  }

  func section(_ doc: UInt32) throws -> StoredSection {
    let (segment, local) = locate(doc: doc)
    return try segments[segment].section(local)
  }

  /// Occurrences of a phrase (its grams) per live global doc in `field`.
  func occurrences(of grams: [PhraseMatcher.Gram], in field: Field) throws -> [UInt32: UInt32] {
    if segments.count == 1 && deletedReports[0].isEmpty, let segment = segments.first {
      return try PhraseMatcher(segment: segment).occurrences(of: grams, in: field)  // global IDs are local ones
    }
    var result: [UInt32: UInt32] = [:]
    for (index, segment) in segments.enumerated() {
      let deleted = deletedReports[index]
      for (local, count) in try PhraseMatcher(segment: segment).occurrences(of: grams, in: field) {
        if !deleted.isEmpty && deleted.contains(segment.reportID(of: local)) { continue }
        result[docBases[index] + local] = count
      }
    }
    return result
  }

  /// A word's document frequency over live docs in `field`, and its term frequency in each of `docs`.
  func wordFrequencies(_ word: String, in field: Field, for docs: Set<UInt32>) throws -> (df: Int, tf: [UInt32: UInt32]) {
    var df = 0
    var tf: [UInt32: UInt32] = [:]
    let key = TermKey.word(field, word)
    for (index, segment) in segments.enumerated() {
      guard let term = segment.termIndex(key) else { continue }
      let postings = try FrequencyPostings(try segment.postingsBytes(term), segmentName: segment.name)
      let deleted = deletedReports[index]
      for (position, local) in postings.docs.enumerated() {
        if !deleted.isEmpty && deleted.contains(segment.reportID(of: local)) { continue }
        df += 1
        let doc = docBases[index] + local
        if docs.contains(doc) { tf[doc] = postings.frequencies[position] }
      }
    }
    return (df, tf)
  }

  /// The name of the first segment, for error messages.
  var name: String { segments.first?.name ?? IndexFolder.manifestName }
}
