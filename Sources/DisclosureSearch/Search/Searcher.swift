import Dispatch
import Foundation

/// Options of one search.
public struct SearchOptions: Sendable {
  /// How many hits to return (snippets are built only for these).
  public var limit: Int
  /// Attach per-term, per-field score contributions to each hit.
  public var explain: Bool

  public init(limit: Int = 10, explain: Bool = false) {
    self.limit = limit
    self.explain = explain
  }
}

/// Searches an index folder. Immutable after opening, so one searcher serves concurrent
/// searches from many threads.
public final class Searcher: Sendable {
  let segment: SegmentReader
  /// Words found by ICU get this share of a field's weight, on top of the exact string.
  static let wordMatchWeight = 0.5

  /// Opens the index in `folder` (memory-mapped). Throws `.index(…)` when it is missing,
  /// damaged, of another format, or built with other analysis settings.
  public init(indexFolder folder: URL) throws(SearchError) {
    do {
      let manifest = try IndexFolder.readManifest(folder)
      segment = try SegmentReader(url: folder.appendingPathComponent(manifest.segment))
    } catch let error as IndexFormatError {
      throw .index(error)
    } catch {
      throw .index(.corrupt(file: IndexFolder.manifestName, offset: 0, reason: "\(error)"))
    }
  }

  /// Number of indexed reports and sections.
  public var reportCount: Int { segment.meta.reportCount }
  public var sectionCount: Int { segment.docCount }

  /// Parses and runs `text`.
  public func search(_ text: String, options: SearchOptions = SearchOptions()) throws(SearchError) -> SearchResult {
    let started = DispatchTime.now()
    let query = try QueryParser.parse(text)
    var result = try search(query, options: options)
    result.query = text
    result.took_us = Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1000)
    return result
  }

  /// Runs a parsed query: every part must occur somewhere in a report; the hits are that
  /// report's sections holding a part, ranked by BM25F.
  public func search(_ query: Query, options: SearchOptions = SearchOptions()) throws(SearchError) -> SearchResult {
    let started = DispatchTime.now()
    do {
      return try run(query, options: options, started: started)
    } catch let error as SearchError {
      throw error
    } catch let error as IndexFormatError {
      throw .index(error)
    } catch {
      throw .index(.corrupt(file: segment.name, offset: 0, reason: "\(error)"))
    }
  }

  struct Scored {
    var score = 0.0
    var contributions: [ScoreContribution] = []
  }

  private func run(_ query: Query, options: SearchOptions, started: DispatchTime) throws -> SearchResult {
    let analyzer: Analyzer
    do { analyzer = try Analyzer() } catch { throw SearchError.analysis("\(error)") }
    let ranked = try rank(query, analyzer: analyzer, explain: options.explain)
    let snippets = SnippetGenerator(normalizer: analyzer.normalizer)
    let partTexts = query.parts.map(\.normalized)
    var hits: [Hit] = []
    for (doc, scoredDoc) in ranked.prefix(max(0, options.limit)) {
      let report = try segment.report(segment.reportID(of: doc))
      let section = try segment.section(doc)
      let snippet = snippets.snippet(for: section, parts: partTexts)
      let rows = section.rows.filter { row in
        let label = analyzer.normalizer.normalize(row.labelAsWritten + " " + row.label)
        return partTexts.contains { label.contains($0) }
      }.map { HitRow(label: $0.label, cells: OrderedCells($0.cells.map { ($0.header, $0.text) })) }
      hits.append(
        Hit(
          path: report.paths.first ?? "", other_paths: Array(report.paths.dropFirst()), line: snippet.line,
          title: report.title, agency: report.agency, year: report.year, template: report.template,
          section_number: section.number, section: section.heading, score: (scoredDoc.score * 1e6).rounded() / 1e6,
          snippet: snippet.text, highlights: snippet.highlights, rows: rows,
          explanation: options.explain ? scoredDoc.contributions : nil))
    }
    let took = Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1000)
    return SearchResult(query: query.description, total: ranked.count, took_us: took, hits: hits)
  }

  /// Every matching section with its score, best first (ties by ascending doc ID).
  func rank(_ query: Query, analyzer: Analyzer, explain: Bool) throws -> [(doc: UInt32, scored: Scored)] {
    let matcher = PhraseMatcher(segment: segment)
    let documentCount = max(1, segment.docCount)
    var scored: [UInt32: Scored] = [:]
    var reportsMatching: Set<UInt32>?
    for part in query.parts {
      let grams = PhraseMatcher.grams(of: part.normalized)
      // Grams pin down letters and digits; punctuation between them is checked in the text.
      let needsTextCheck = part.normalized.unicodeScalars.contains { !CharacterClass.isSearchable($0) }
      let fields = part.field.map { [$0] } ?? Field.allCases
      var perField: [(Field, [UInt32: UInt32])] = []
      var docs = Set<UInt32>()
      for field in fields {
        var occurrences = try matcher.occurrences(of: grams, in: field)
        if needsTextCheck {
          occurrences = try verified(occurrences, of: part.normalized, in: field, normalizer: analyzer.normalizer)
        }
        perField.append((field, occurrences))
        docs.formUnion(occurrences.keys)
      }
      let reports = Set(docs.map { segment.reportID(of: $0) })
      reportsMatching = reportsMatching.map { $0.intersection(reports) } ?? reports
      let idf = BM25.idf(documentCount: documentCount, documentFrequency: docs.count)
      for (field, occurrences) in perField {
        for (doc, tf) in occurrences {
          add(
            &scored[doc, default: Scored()], kind: "phrase", term: part.normalized, field: field, tf: tf, df: docs.count,
            idf: idf, doc: doc, weight: field.weight, explain: explain)
        }
      }
      // ICU words of the part add to sections where they stand as words.
      for word in analyzer.words(ofNormalized: part.normalized) {
        for field in fields {
          guard let term = segment.termIndex(Array(TermKey.word(field, word).utf8)) else { continue }
          let postings = try FrequencyPostings(try segment.postingsBytes(term), segmentName: segment.name)
          let df = segment.docFrequency(term)
          let wordIDF = BM25.idf(documentCount: documentCount, documentFrequency: df)
          for doc in docs {
            guard let tf = postings.docs[doc] else { continue }
            add(
              &scored[doc, default: Scored()], kind: "word", term: word, field: field, tf: tf, df: df, idf: wordIDF,
              doc: doc, weight: field.weight * Self.wordMatchWeight, explain: explain)
          }
        }
      }
    }
    let allowed = reportsMatching ?? []
    var ranked = scored.filter { allowed.contains(segment.reportID(of: $0.key)) }.map { (doc: $0.key, scored: $0.value) }
    ranked.sort { $0.scored.score != $1.scored.score ? $0.scored.score > $1.scored.score : $0.doc < $1.doc }
    return ranked
  }

  /// Keeps the docs whose stored field text really holds `normalized`, with exact counts.
  private func verified(_ candidates: [UInt32: UInt32], of normalized: String, in field: Field, normalizer: Normalizer) throws
    -> [UInt32: UInt32]
  {
    var result: [UInt32: UInt32] = [:]
    let needle = Array(normalized.utf8)
    for doc in candidates.keys {
      let text = try fieldText(of: doc, field)
      let count = normalizer.normalize(text[...]).utf8.indices(of: needle).count
      if count > 0 { result[doc] = UInt32(count) }
    }
    return result
  }

  /// The text of one field of a stored section.
  func fieldText(of doc: UInt32, _ field: Field) throws -> String {
    let section = try segment.section(doc)
    let title = field == .title ? try segment.report(segment.reportID(of: doc)).title : ""
    let texts = SectionDocument.fieldTexts(
      title: title, number: section.number, heading: section.heading, text: section.text, rows: section.rows)
    return texts[field] ?? ""
  }

  private func add(
    _ scored: inout Scored, kind: String, term: String, field: Field, tf: UInt32, df: Int, idf: Double, doc: UInt32,
    weight: Double, explain: Bool
  ) {
    let length = Double(segment.fieldLength(of: doc, field))
    let average = segment.meta.averageFieldLengths[field.rawValue]
    let value = weight * BM25.score(idf: idf, termFrequency: Double(tf), fieldLength: length, averageFieldLength: average)
    scored.score += value
    if explain {
      scored.contributions.append(
        ScoreContribution(
          kind: kind, term: term, field: field.name, tf: Double(tf), df: df, idf: idf, field_length: Int(length),
          average_field_length: average, weight: weight, score: value))
    }
  }
}
