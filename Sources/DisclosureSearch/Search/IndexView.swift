import Foundation
import Synchronization

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
  /// Docs and reports, deleted ones included (IDs run over all of them).
  let docCount: Int
  let reportCount: Int
  /// Live reports and sections, and the average length of each field over the sections.
  let liveReportCount: Int
  let liveDocCount: Int
  let averageFieldLengths: [Double]
  /// Each doc's report, field lengths and section number, by global ID (scoring and the
  /// boolean logic look these up for every candidate): the segment's docs block in place,
  /// or with several segments their blocks joined, in memory the view owns.
  private let docColumns: DocColumns
  private let joinedColumns: DocColumns.Storage?
  let liveDocs: Bitset
  let liveReports: Bitset
  /// Each report's place among its segment's reports in the order of their first paths.
  private let reportPlaces: [UInt32]
  /// Each report's first doc, then the doc count: a report's docs run from its start to the
  /// next report's (its sections are added together, and report IDs ascend with doc IDs).
  private let reportStarts: [UInt32]
  /// Each segment's deleted sections (local doc IDs, ascending): its stored document
  /// frequencies count them too.
  private let deletedDocs: [[UInt32]]
  /// Each section number's docs, made on the first `section:` filter: a filter asking every
  /// doc for its number took a fifth of `section:三 予以公开` at 50,000 reports.
  private let docsBySection = Mutex<[Bitset]?>(nil)
  /// `liveDocumentFrequency` answers already found (by segment << 32 | term): finding one
  /// walks the list's block headers, a millisecond for a query of common grams.
  private let liveFrequencies = Mutex<[Int: Int]>([:])

  init(segments: [SegmentReader], deletedReports: [Set<UInt32>]) {
    self.segments = segments
    var docBases: [UInt32] = []
    var reportBases: [UInt32] = []
    var docs = 0
    var reports = 0
    for segment in segments {
      docBases.append(UInt32(docs))
      reportBases.append(UInt32(reports))
      docs += segment.docCount
      reports += segment.meta.reportCount
    }
    if segments.count == 1 {
      docColumns = segments[0].docColumns
      joinedColumns = nil
    } else {
      (docColumns, joinedColumns) = DocColumns.join(zip(segments, reportBases).map { ($0.docColumns, $1) })
    }
    let docColumns = docColumns
    docCount = docs
    reportCount = reports
    var reportStarts = [UInt32](repeating: UInt32(docs), count: reports + 1)
    var doc = 0
    for report in 0..<reports {
      reportStarts[report] = UInt32(doc)
      while doc < docs && docColumns.report(doc) == report { doc += 1 }
    }
    self.reportStarts = reportStarts
    var reportPlaces: [UInt32] = []
    reportPlaces.reserveCapacity(reports)
    for segment in segments { segment.appendReportOrder(&reportPlaces) }
    self.reportPlaces = reportPlaces
    var liveReports = Bitset(capacity: reportCount, full: true)
    for (index, deleted) in deletedReports.enumerated() {
      for local in deleted where Int(local) < segments[index].meta.reportCount { liveReports.remove(reportBases[index] + local) }
    }
    let hasDeletions = deletedReports.contains { !$0.isEmpty }
    let liveDocs =
      hasDeletions
      ? Bitset(capacity: docCount) { liveReports.contains(docColumns.report(Int($0))) } : Bitset(capacity: docCount, full: true)
    // Field length totals: each segment's, less those of its deleted sections.
    let fieldCount = Field.allCases.count
    var totals = [Int](repeating: 0, count: fieldCount)
    for segment in segments {
      for field in 0..<min(fieldCount, segment.meta.totalFieldLengths.count) { totals[field] += segment.meta.totalFieldLengths[field] }
    }
    if hasDeletions {
      for doc in 0..<docCount where !liveDocs.contains(UInt32(doc)) {
        for field in Field.allCases { totals[field.rawValue] -= Int(docColumns.length(doc, field)) }
      }
    }
    let live = liveDocs.count
    self.docBases = docBases
    deletedDocs = segments.indices.map { index in
      guard index < deletedReports.count, !deletedReports[index].isEmpty else { return [] }
      let base = docBases[index]
      let end = index + 1 < docBases.count ? docBases[index + 1] : UInt32(docs)
      return (base..<end).filter { !liveDocs.contains($0) }.map { $0 - base }
    }
    self.reportBases = reportBases
    self.liveDocs = liveDocs
    self.liveReports = liveReports
    liveReportCount = liveReports.count
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

  @inline(__always)
  func reportID(of doc: UInt32) -> UInt32 { docColumns.report(Int(doc)) }

  @inline(__always)
  func sectionNumber(of doc: UInt32) -> Int { Int(docColumns.section(Int(doc))) }

  @inline(__always)
  func fieldLength(of doc: UInt32, _ field: Field) -> UInt32 {
    docColumns.length(Int(doc), field)
  }

  /// The global doc IDs of a report's sections.
  func docs(ofReport report: UInt32) -> Range<UInt32> { reportStarts[Int(report)]..<reportStarts[Int(report) + 1] }

  /// Where `doc` stands among its segment's sections in the order of report paths, then
  /// section numbers (what doc order is in a segment a full build wrote).
  func placeInSegment(_ doc: UInt32) -> (report: UInt32, section: Int) {
    (reportPlaces[Int(reportID(of: doc))], sectionNumber(of: doc))
  }

  /// Whether `doc` is the first section of its report (the one that holds the title field).
  func isFirstSection(_ doc: UInt32) -> Bool {
    doc == 0 || reportID(of: doc - 1) != reportID(of: doc)
  }

  /// Every report's year, agency and region as filters compare them, by report ID.
  func reportFilters() throws -> ReportFilters {
    var filters = ReportFilters()
    for segment in segments { filters.append(try segment.reportFilters()) }
    return filters
  }

  func report(_ id: UInt32) throws -> StoredReport {
    let (segment, local) = locate(report: id)
    return try segments[segment].report(local)
  }

  func section(_ doc: UInt32, rows: RecordCoding.Rows = .all) throws -> StoredSection {
    let (segment, local) = locate(doc: doc)
    return try segments[segment].section(local, rows: rows)
  }

  func sectionHit(_ doc: UInt32, rows: RecordCoding.Rows) throws -> RecordCoding.SectionHit {
    let (segment, local) = locate(doc: doc)
    return try segments[segment].sectionHit(local, rows: rows)
  }

  /// The texts of a stored section's fields as the index analyzed them, read from its record
  /// once for all of them and in place: no string is made of its heading, text or rows.
  struct FieldTexts {
    let index: IndexView
    let doc: UInt32
    private var record: RecordCoding.SectionFields?

    init(index: IndexView, doc: UInt32) {
      self.index = index
      self.doc = doc
    }

    mutating func text(_ field: Field) throws -> String { String(decoding: try utf8(field), as: UTF8.self) }

    /// The UTF-8 of a field's text.
    mutating func utf8(_ field: Field) throws -> ArraySlice<UInt8> {
      switch field {
      case .title: return index.isFirstSection(doc) ? Array(try index.report(index.reportID(of: doc)).title.utf8)[...] : []
      case .heading: return try read { $0.bytes[$0.heading] }
      case .body: return try read { $0.bytes[$0.body] }
      case .label: return try read { record throws(RecordReader.Failure) in try record.labels()[...] }
      }
    }

    /// What the label field is made of (`RecordCoding.SectionFields.labelSource`), into `key`.
    mutating func labelSource(into key: inout [UInt8]) throws {
      try read { record throws(RecordReader.Failure) in try record.labelSource(into: &key) }
    }

    private mutating func read<T>(_ body: (RecordCoding.SectionFields) throws(RecordReader.Failure) -> T) throws -> T {
      let (segment, local) = index.locate(doc: doc)
      let reader = index.segments[segment]
      let record = try self.record ?? reader.sectionFields(local)
      self.record = record
      return try reader.readingSection(local) { () throws(RecordReader.Failure) in try body(record) }
    }
  }

  /// Occurrences of a phrase (its grams) per live global doc of `docs` in `field`, ascending
  /// by doc.
  func occurrences(of grams: [PhraseMatcher.Gram], in field: Field, within docs: Range<UInt32>) throws -> [PhraseMatcher.Occurrence] {
    var result: [PhraseMatcher.Occurrence] = []
    for (index, segment) in segments.enumerated() {
      let base = docBases[index]
      let end = base + UInt32(segment.docCount)
      guard docs.lowerBound < end, docs.upperBound > base else { continue }
      // Unbounded above when `docs` reaches past the segment: a doc beyond it is damage.
      let local = (max(docs.lowerBound, base) - base)..<(docs.upperBound >= end ? UInt32.max : docs.upperBound - base)
      let found = try PhraseMatcher(segment: segment).occurrences(of: grams, in: field, within: local)
      // One segment, nothing deleted: its docs are the global ones, every one live.
      if segments.count == 1 && liveDocCount == docCount {
        guard found.last.map({ Int($0.doc) < segment.docCount }) ?? true else {
          throw IndexFormatError.corrupt(file: segment.name, offset: 0, reason: "postings name a missing section")
        }
        return found
      }
      result.reserveCapacity(result.count + found.count)
      for (local, count) in found {
        guard Int(local) < segment.docCount else { throw IndexFormatError.corrupt(file: segment.name, offset: 0, reason: "postings name a missing section") }
        if liveDocs.contains(base + local) { result.append((base + local, count)) }
      }
    }
    return result
  }

  /// The live docs, or those of them in the given section numbers (a `section:` filter).
  func liveDocs(inSections numbers: Set<Int>?) -> Bitset {
    guard let numbers else { return liveDocs }
    let bySection = docsBySection.withLock { cached in
      if let cached { return cached }
      let highest = (0..<docCount).reduce(0) { max($0, Int(docColumns.section($1))) }
      var made = [Bitset](repeating: Bitset(capacity: docCount), count: highest + 1)
      for doc in 0..<docCount { made[Int(docColumns.section(doc))].insert(UInt32(doc)) }
      cached = made
      return made
    }
    var docs = Bitset(capacity: docCount)
    for number in numbers where bySection.indices.contains(number) { docs.formUnion(bySection[number]) }
    docs.formIntersection(liveDocs)
    return docs
  }

  /// The live docs in the given section numbers (nil: any) of the given reports (the live
  /// reports that `year:`, `agency:` and `region:` filters allow).
  func liveDocs(inSections numbers: Set<Int>?, ofReports reports: Bitset) -> Bitset {
    var docs = liveDocs(inSections: numbers)
    guard reports != liveReports else { return docs }
    // The allowed reports' docs, range by range (a pass over every doc asking for its
    // report was a third of `agency:财政局 行政事业性收费` at 50,000 reports).
    var ofReports = Bitset(capacity: docCount)
    reports.forEach { report in
      for doc in self.docs(ofReport: report) { ofReports.insert(doc) }
    }
    docs.formIntersection(ofReports)
    return docs
  }

  /// The global ID of segment `index`'s first doc.
  func docBase(ofSegment index: Int) -> UInt32 { docBases[index] }

  /// The live sections of segment `index` holding `term` (a gram, with positions, or a word):
  /// the stored document frequency, less the deleted sections the list names (found by
  /// leaping to each, over block headers, once per open index).
  func liveDocumentFrequency(segment index: Int, term: Int, isGram: Bool) throws -> Int {
    let segment = segments[index]
    let deleted = deletedDocs[index]
    guard !deleted.isEmpty else { return segment.documentFrequency(term) }
    let key = index << 32 | term
    if let known = liveFrequencies.withLock({ $0[key] }) { return known }
    let live = try countLive(segment: segment, term: term, isGram: isGram, deleted: deleted)
    liveFrequencies.withLock { $0[key] = live }
    return live
  }

  private func countLive(segment: SegmentReader, term: Int, isGram: Bool, deleted: [UInt32]) throws -> Int {
    let range = try segment.postingsRange(term)
    do {
      let dead = try segment.withBytes { file in
        try PostingsCursor.reading(UnsafeRawBufferPointer(rebasing: file[range]), hasPositions: isGram) { cursor in
          var count = 0
          for doc in deleted {
            guard try cursor.advance(to: doc) else { break }
            if cursor.doc == doc { count += 1 }
          }
          return count
        }
      }
      return segment.documentFrequency(term) - dead
    } catch {
      throw IndexFormatError.corrupt(file: segment.name, offset: range.lowerBound, reason: "bad postings list")
    }
  }

  /// The document frequency BM25 gives a phrase in `field`: that of its rarest gram (for a
  /// one-scalar gram, of all grams starting with it), over the live sections. An upper bound
  /// of the sections holding the phrase, read from the dictionary alone, so that a ranker
  /// can score a section before, or without, finding every other match.
  func phraseDocumentFrequency(_ grams: [PhraseMatcher.Gram], in field: Field) throws -> Int {
    var rarest: Int?
    for gram in grams {
      var frequency = 0
      for (index, segment) in segments.enumerated() {
        for term in PhraseMatcher(segment: segment).terms(of: gram, in: field) {
          frequency += try liveDocumentFrequency(segment: index, term: term, isGram: true)
        }
      }
      rarest = min(rarest ?? frequency, frequency)
    }
    return min(rarest ?? 0, liveDocCount)
  }

  /// The live sections holding `word` in `field`, from the dictionary.
  func wordDocumentFrequency(_ word: String, in field: Field) throws -> Int {
    var frequency = 0
    let key = TermKey.word(field, word)
    for (index, segment) in segments.enumerated() {
      if let term = segment.termIndex(key) { frequency += try liveDocumentFrequency(segment: index, term: term, isGram: false) }
    }
    return frequency
  }

  /// How often `word` occurs in `field` of each doc of `occurrences` (global IDs, ascending)
  /// that `including` takes and that holds it: `body` gets the occurrence and the count. The
  /// list is read only where those docs are, stepping over the blocks between.
  func forEachWordCount(
    _ word: String, in field: Field, at occurrences: [PhraseMatcher.Occurrence], including: (UInt32) -> Bool,
    _ body: (_ occurrence: PhraseMatcher.Occurrence, _ count: UInt32) -> Void
  ) throws {
    let key = TermKey.word(field, word)
    var next = 0
    for (index, segment) in segments.enumerated() {
      let base = docBases[index]
      let end = base + UInt32(segment.docCount)
      let first = next
      while next < occurrences.count && occurrences[next].doc < end { next += 1 }
      guard next > first, let term = segment.termIndex(key) else { continue }
      let range = try segment.postingsRange(term)
      do {
        try segment.withBytes { file in
          try PostingsCursor.reading(UnsafeRawBufferPointer(rebasing: file[range]), hasPositions: false) { cursor in
            for occurrence in occurrences[first..<next] where including(occurrence.doc) {
              guard try cursor.advance(to: occurrence.doc - base) else { break }
              if cursor.doc == occurrence.doc - base { body(occurrence, cursor.count) }
            }
          }
        }
      } catch {
        throw IndexFormatError.corrupt(file: segment.name, offset: range.lowerBound, reason: "bad postings list")
      }
    }
  }

  /// The name of the first segment, for error messages.
  var name: String { segments.first?.name ?? IndexFolder.manifestName }
}
