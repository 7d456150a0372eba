import Dispatch
import Foundation
import Synchronization

/// Options of one search.
public struct SearchOptions: Sendable {
  /// How many hits to return (snippets are built only for these).
  public var limit: Int
  /// Attach per-term, per-field score contributions to each hit.
  public var explain: Bool
  /// Apply the boolean logic to each section on its own instead of to the whole report.
  public var perSection: Bool
  /// Find and count every matching section, so that `total` is exact. Without it, a search
  /// skips sections that cannot reach the first `limit` hits, and `total` may be a lower
  /// bound (`SearchResult.total_exact` tells).
  public var countAll: Bool

  /// Options with the given limit (default 10), explanation, per-section logic and counting.
  public init(limit: Int = 10, explain: Bool = false, perSection: Bool = false, countAll: Bool = false) {
    self.limit = limit
    self.explain = explain
    self.perSection = perSection
    self.countAll = countAll
  }
}

/// Searches an index folder. Immutable after opening, so one searcher serves concurrent
/// searches from many threads.
public final class Searcher: Sendable {
  let index: IndexView
  /// Every report's year, agency and region, and the reports of each year, made on the first
  /// filter.
  private let filtersCache = Mutex<ReportFilterIndex?>(nil)
  /// Analyzers of finished searches, for the next: each keeps its ICU break iterator and the
  /// scalar foldings it has looked up (a fresh one pays ICU for every scalar of the snippets).
  private let idleAnalyzers = Mutex<[Analyzer]>([])
  /// The exhaustive ranking's score arrays (an entry per doc).
  private let scoreArrays: ZeroedArrays<Double>
  /// Words found by ICU get this share of a field's weight, on top of the exact string.
  static let wordMatchWeight = 0.5
  /// Threads a search reads a large segment on (asking the system costs as much as a small
  /// query's walk).
  private let threads = ProcessInfo.processInfo.activeProcessorCount

  /// Opens the index in `folder` (memory-mapped). Throws `.index(…)` when it is missing,
  /// damaged, of another format, or built with other analysis settings.
  public init(indexFolder folder: URL) throws(SearchError) {
    do {
      index = try IndexFolder.open(folder)
      scoreArrays = ZeroedArrays(count: index.docCount)
    } catch let error as IndexFormatError {
      throw .index(error)
    } catch {
      throw .index(.corrupt(file: IndexFolder.manifestName, offset: 0, reason: "\(error)"))
    }
  }

  /// Number of indexed reports (duplicates count once).
  public var reportCount: Int { index.liveReportCount }
  /// Number of indexed sections.
  public var sectionCount: Int { index.liveDocCount }

  /// Parses and runs `text`.
  public func search(_ text: String, options: SearchOptions = SearchOptions()) throws(SearchError) -> SearchResult {
    let started = DispatchTime.now()
    var result = try reportingErrors {
      try withAnalyzer { analyzer in
        try run(QueryParser.parse(text, normalizer: analyzer.normalizer), options: options, started: started, analyzer: analyzer)
      }
    }
    result.query = text
    result.took_us = Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1000)
    return result
  }

  /// Runs a parsed query: every part must occur somewhere in a report; the hits are that
  /// report's sections holding a part, ranked by BM25F.
  public func search(_ query: Query, options: SearchOptions = SearchOptions()) throws(SearchError) -> SearchResult {
    let started = DispatchTime.now()
    return try reportingErrors { try run(query, options: options, started: started) }
  }

  /// Runs `body`, turning index damage into `SearchError.index`.
  private func reportingErrors<T>(_ body: () throws -> T) throws(SearchError) -> T {
    do {
      return try body()
    } catch let error as SearchError {
      throw error
    } catch let error as IndexFormatError {
      throw .index(error)
    } catch {
      throw .index(.corrupt(file: index.name, offset: 0, reason: "\(error)"))
    }
  }

  struct Scored {
    var score = 0.0
    var contributions: [ScoreContribution] = []
  }

  /// Runs `body` with an analyzer no other search is using.
  private func withAnalyzer<T>(_ body: (Analyzer) throws -> T) throws -> T {
    let analyzer: Analyzer
    if let idle = idleAnalyzers.withLock({ $0.popLast() }) {
      analyzer = idle
    } else {
      do { analyzer = try Analyzer() } catch { throw SearchError.analysis("\(error)") }
    }
    defer { idleAnalyzers.withLock { if $0.count < 8 { $0.append(analyzer) } } }
    return try body(analyzer)
  }

  private func run(_ query: Query, options: SearchOptions, started: DispatchTime) throws -> SearchResult {
    try withAnalyzer { analyzer in try run(query, options: options, started: started, analyzer: analyzer) }
  }

  private func run(_ query: Query, options: SearchOptions, started: DispatchTime, analyzer: Analyzer) throws -> SearchResult {
    var ranking = try rank(
      query, analyzer: analyzer, explain: options.explain, perSection: options.perSection, countAll: options.countAll,
      limit: max(0, options.limit))
    try orderTies(&ranking.top, limit: options.limit)
    let snippets = SnippetGenerator(normalizer: analyzer.normalizer)
    let partTexts = query.positiveParts.map(\.normalized)
    let partBytes = partTexts.map { Array($0.utf8) }
    // The rows shown are those whose label holds a part; the hits' tables repeat the
    // template's labels, each folded and searched once (by label as written, NUL, label).
    var labelHoldsPart = ByteStringMap<Bool>()
    var key: [UInt8] = []
    var hits: [Hit] = []
    for (doc, scoredDoc) in ranking.top.prefix(max(0, options.limit)) {
      let report = try index.report(index.reportID(of: doc))
      let hit = try index.sectionHit(
        doc,
        rows: .labelled { asWritten, label in
          key.removeAll(keepingCapacity: true)
          key += asWritten
          key.append(0)
          key += label
          return key.withUnsafeBytes { key in
            let hash = ByteStringTable.hash(key)
            if let holds = labelHoldsPart.value(for: key, hash: hash) { return holds }
            // Folded a scalar at a time: the two folded apart and joined by a space are the
            // fold of the joined text.
            var text = asWritten.withMemoryRebound(to: UInt8.self, analyzer.normalizer.foldedUTF8)
            text.append(UInt8(ascii: " "))
            text += label.withMemoryRebound(to: UInt8.self, analyzer.normalizer.foldedUTF8)
            let holds = partBytes.contains(where: text.containsBytes)
            labelHoldsPart.insert(key, hash: hash, value: holds)
            return holds
          }
        })
      let snippet = snippets.snippet(for: hit, parts: partTexts)
      let section = hit.section
      let rows = section.rows.map { HitRow(label: $0.label, cells: OrderedCells($0.cells.map { ($0.header, $0.text) })) }
      hits.append(
        Hit(
          path: report.paths.first ?? "", other_paths: Array(report.paths.dropFirst()), line: snippet.line,
          title: report.title, agency: report.agency, year: report.year, template: report.template,
          section_number: section.number, section: section.heading, score: (scoredDoc.score * 1e6).rounded() / 1e6,
          snippet: snippet.text, highlights: snippet.highlights, rows: rows,
          explanation: options.explain ? scoredDoc.contributions : nil))
    }
    let took = Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1000)
    return SearchResult(query: query.description, total: ranking.total, total_exact: ranking.totalIsExact, took_us: took, hits: hits)
  }

  // MARK: Tables as data

  /// Every table row labelled `label` (the template's wording, in 简体 or 繁體; or part of
  /// it, such as 予以公开 for （一）予以公开) in the reports that `filter` selects (any query,
  /// e.g. `year:2021 agency:财政局`; nil for all), sorted by path.
  public func rows(label: String, filter: String? = nil) throws(SearchError) -> [ReportRow] {
    let normalizer = Normalizer()
    let wanted = TableAssembler.key(label, normalizer)
    guard !wanted.isEmpty else { throw .query("give a row label, e.g. dsearch rows 行政处罚") }
    // Only rows whose label's key holds the wanted one are decoded: their labels repeat the
    // template's from report to report, so each is keyed once.
    var holdsWanted = ByteStringMap<Bool>()
    let selection = RecordCoding.Rows.labelled { _, label in
      let hash = ByteStringTable.hash(label)
      if let holds = holdsWanted.value(for: label, hash: hash) { return holds }
      let holds = TableAssembler.key(String(decoding: label, as: UTF8.self), normalizer).containsBytes(wanted)
      holdsWanted.insert(label, hash: hash, value: holds)
      return holds
    }
    return try eachReport(filter: filter, rows: selection) { path, report, rows in
      let exact = rows.filter { TableAssembler.key($0.label, normalizer) == wanted }
      return (exact.isEmpty ? rows : exact).map { ReportRow(path: path, report: report, row: $0) }
    }
  }

  /// Checks the tables of the reports `filter` selects against the templates' rules.
  public func audit(filter: String? = nil) throws(SearchError) -> AuditResult {
    var checked = 0
    let problems = try eachReport(filter: filter, rows: .all) { path, _, rows -> [AuditProblem] in
      if !rows.isEmpty { checked += 1 }
      return TableAudit.problems(path: path, rows: rows)
    }
    return AuditResult(checked: checked, problems: problems)
  }

  /// Calls `body` with each selected report's table rows that `selection` keeps, report by
  /// report in path order, and joins the results. Only one report's rows are in memory at a
  /// time (gathering every report's rows first took 1.7 GB at 50,000 reports).
  private func eachReport<T>(
    filter: String?, rows selection: RecordCoding.Rows, _ body: (String, StoredReport, [TableRow]) throws -> [T]
  ) throws(SearchError) -> [T] {
    try reportingErrors {
      var selected: Bitset?
      if let filter, !filter.trimmingCharacters(in: .whitespaces).isEmpty {
        let query = try QueryParser.parse(filter)
        if let root = query.root {
          var matches: [Query.Part: PartMatch] = [:]
          for part in query.allParts { matches[part] = try match(part, allowed: index.liveDocs) }
          selected = try evaluateReports(
            root, matches: matches, scope: index.liveDocs, labels: query.positiveParts.filter { $0.field == .label }.map(\.normalized))
        }
      }
      // The live table sections of the selected reports; each report, with where its
      // sections lie among them (a report's docs are consecutive), by path.
      let tableDocs = index.liveDocs.members.filter {
        (2...4).contains(index.sectionNumber(of: $0)) && selected?.contains(index.reportID(of: $0)) ?? true
      }
      // Each report is decoded again for `body` rather than kept: keeping 50,000 cost 20 MB
      // and saved no time.
      var reports: [(path: String, id: UInt32, docs: Range<Int>)] = []
      var start = 0
      while start < tableDocs.count {
        let id = index.reportID(of: tableDocs[start])
        var end = start + 1
        while end < tableDocs.count && index.reportID(of: tableDocs[end]) == id { end += 1 }
        reports.append((try index.report(id).paths.first ?? "", id, start..<end))
        start = end
      }
      reports.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
      var results: [T] = []
      for (path, id, docs) in reports {
        var rows: [TableRow] = []
        for doc in tableDocs[docs] { rows += try index.sectionHit(doc, rows: selection).section.rows }
        results.append(contentsOf: try body(path, try index.report(id), rows))
      }
      return results
    }
  }

  /// Where one query part occurs: occurrence counts per field (ascending by doc) and the
  /// docs holding it in any field, within the allowed sections.
  struct PartMatch {
    var perField: [(Field, [PhraseMatcher.Occurrence])] = []
    var docs: Bitset
  }

  /// How many sections a query matches, and the best of them, best first (ties by ascending
  /// doc ID): the first `limit`, and with several segments every section tied with the last
  /// of those, for `orderTies`.
  struct Ranking {
    var total: Int
    /// False when the ranking skipped sections that could not reach the top: `total` is then
    /// the number found, a lower bound.
    var totalIsExact = true
    var top: [(doc: UInt32, scored: Scored)]
  }

  /// Scores the matching sections and keeps the best `limit`: with `PrunedRanker` where the
  /// query allows it (unless `countAll` or `explain`), else every match.
  ///
  /// By default the boolean logic applies to each report as a whole (a report matches
  /// `A NOT B` when A occurs somewhere in it and B nowhere), and the hits are that report's
  /// sections holding a positive part. With `perSection`, the logic applies to each section.
  func rank(_ query: Query, analyzer: Analyzer, explain: Bool, perSection: Bool = false, countAll: Bool = false, limit: Int)
    throws -> Ranking
  {
    if !explain, !perSection, !countAll, let ranker = try prunedRanker(query, analyzer: analyzer, limit: limit) {
      return try ranker.rank(threads: threads)
    }
    return try rankEveryMatch(query, analyzer: analyzer, explain: explain, perSection: perSection, limit: limit, threads: threads)
  }

  /// The pruned ranking of `query`, if it can take the query.
  func prunedRanker(_ query: Query, analyzer: Analyzer, limit: Int) throws -> PrunedRanker? {
    try PrunedRanker(query: query, index: index, analyzer: analyzer, limit: limit) { node in
      guard case .part(let part) = node else { return try reports(satisfying: node) }
      return reports(holding: try match(part, allowed: index.liveDocs(inSections: query.sections)).docs)
    }
  }

  /// Finds and scores every matching section. Given two threads, a query that reads much of
  /// an index of `splitDocCount` sections or more (lists naming `splitPostings` docs, every
  /// section, or every table) is ranked in two halves at once, split between two reports (the
  /// boolean logic holds report by report, so each half decides its own reports), and the
  /// halves' best are merged.
  func rankEveryMatch(
    _ query: Query, analyzer: Analyzer, explain: Bool, perSection: Bool, limit: Int, threads: Int,
    splitDocCount: Int = PrunedRanker.splitDocCount, splitPostings: Int = PrunedRanker.splitPostings
  ) throws -> Ranking {
    let words = query.positiveParts.map { analyzer.words(ofNormalized: $0.normalized) }
    let docCount = UInt32(index.docCount)
    func readsMuch() throws -> Bool {
      if query.positiveParts.isEmpty || query.comparesNumbers { return true }
      var postings = 0
      for part in query.allParts {
        let grams = PhraseMatcher.grams(of: part.normalized)
        for field in part.fields { postings += try index.phraseDocumentFrequency(grams, in: field) }
      }
      return postings >= splitPostings
    }
    guard threads > 1, index.docCount >= splitDocCount, index.reportCount > 1, try readsMuch() else {
      return try rankEveryMatch(query, words: words, explain: explain, perSection: perSection, limit: limit, within: 0..<docCount)
    }
    let middle = index.docs(ofReport: UInt32(index.reportCount / 2)).lowerBound
    let halves = [0..<middle, middle..<docCount]
    let results = ResultSlots<Result<Ranking, Error>>(count: halves.count)
    func rank(_ half: Int) {
      results.set(
        half,
        Result { try rankEveryMatch(query, words: words, explain: explain, perSection: perSection, limit: limit, within: halves[half]) })
    }
    HelperThread.shared.run({ rank(0) }, alongside: { rank(1) })
    let rankings = try results.values.map { try $0.get() }
    var scored: [UInt32: Scored] = [:]
    var keyed: [(key: Int64, doc: UInt32)] = []
    for ranking in rankings {
      for (doc, entry) in ranking.top {
        scored[doc] = entry
        keyed.append((Self.tieKey(entry.score), doc))
      }
    }
    let top = Self.best(keyed, limit: limit, withTies: index.segments.count > 1)
    return Ranking(
      total: rankings.reduce(0) { $0 + $1.total }, top: top.compactMap { entry in scored[entry.doc].map { (entry.doc, $0) } })
  }

  /// Finds and scores every matching section of `docs` (`words`: each positive part's).
  private func rankEveryMatch(
    _ query: Query, words: [[String]], explain: Bool, perSection: Bool, limit: Int, within docs: Range<UInt32>
  ) throws -> Ranking {
    let whole = docs.lowerBound == 0 && docs.upperBound >= index.docCount
    // Conditions on table numbers are checked in the live sections of `docs`, matches found
    // in the allowed ones.
    var scope = index.liveDocs
    var allowed = index.liveDocs(inSections: query.sections)
    if !whole {
      scope.keepOnly(docs)
      allowed.keepOnly(docs)
    }
    var matches: [Query.Part: PartMatch] = [:]
    for part in query.allParts {
      matches[part] = try match(part, allowed: allowed, in: whole ? nil : (docs, scope))
    }
    let positive = query.positiveParts.map { (part: $0, match: matches[$0] ?? PartMatch(docs: Bitset(capacity: index.docCount))) }
    let labelScope = query.positiveParts.filter { $0.field == .label }.map(\.normalized)
    // The sections that may be hits: those holding a positive part (or, for a query of
    // filters and exclusions only, every allowed section), then the boolean logic.
    var candidates = allowed
    if !positive.isEmpty {
      candidates = Bitset(capacity: index.docCount)
      for (_, match) in positive { candidates.formUnion(match.docs) }
    }
    if let root = query.root {
      if perSection {
        candidates.formIntersection(try evaluateDocs(root, matches: matches, allowed: allowed, labels: labelScope))
      } else {
        let reports = try evaluateReports(root, matches: matches, scope: scope, labels: labelScope)
        var kept = candidates
        candidates.forEach { doc in if !reports.contains(index.reportID(of: doc)) { kept.remove(doc) } }
        candidates = kept
      }
    }
    let documentCount = max(1, index.liveDocCount)
    /// Calls `body` with every clause's postings among `docs`, in the order scores add up:
    /// per positive part, the phrase in each field, then each of its words in each field.
    func forEachClause(
      among docs: Bitset,
      _ body: (_ entries: [(doc: UInt32, count: UInt32)], _ kind: String, _ term: String, _ field: Field, _ df: Int, _ weight: Double) -> Void
    ) throws {
      // One array for the word counts of every word and field, kept from one to the next.
      var frequencies: [(doc: UInt32, count: UInt32)] = []
      for ((part, match), words) in zip(positive, words) {
        let grams = PhraseMatcher.grams(of: part.normalized)
        for (field, occurrences) in match.perField {
          body(occurrences, "phrase", part.normalized, field, try index.phraseDocumentFrequency(grams, in: field), field.weight)
        }
        // ICU words of the part add to its sections where they stand as words, in the fields
        // where the part occurs, counted at most as often as the part there.
        for word in words {
          for (field, occurrences) in match.perField {
            let wordDF = try index.wordDocumentFrequency(word, in: field)
            guard wordDF > 0 else { continue }
            frequencies.removeAll(keepingCapacity: true)
            try index.forEachWordCount(word, in: field, at: occurrences, including: docs.contains) { occurrence, tf in
              frequencies.append((occurrence.doc, min(tf, occurrence.count)))
            }
            body(frequencies, "word", word, field, wordDF, field.weight * Self.wordMatchWeight)
          }
        }
      }
    }
    /// A clause's weighting in `field`: its idf and the field's length normalization.
    func weighting(_ field: Field, df: Int) -> (idf: Double, norm: BM25.FieldNorm) {
      let idf = BM25.idf(documentCount: documentCount, documentFrequency: df)
      return (idf, BM25.FieldNorm(averageFieldLength: index.averageFieldLengths[field.rawValue]))
    }
    /// `weight` × BM25 of `tf` occurrences in `field` of `doc`, with the field's length.
    func score(_ doc: UInt32, tf: UInt32, field: Field, _ weighting: (idf: Double, norm: BM25.FieldNorm), weight: Double)
      -> (value: Double, length: Double)
    {
      let length = Double(index.fieldLength(of: doc, field))
      return (weight * BM25.score(idf: weighting.idf, termFrequency: Double(tf), fieldLength: length, norm: weighting.norm), length)
    }
    // Scores in a dense array by doc ID: no hashing in the scoring loops. Only candidates
    // get a score, and they are set back to zero before the array is put back.
    var scores = scoreArrays.take()
    try forEachClause(among: candidates) { entries, _, _, field, df, weight in
      let weighting = weighting(field, df: df)
      scores.withUnsafeMutableBufferPointer { scores in
        for (doc, tf) in entries where candidates.contains(doc) {
          scores[Int(doc)] += score(doc, tf: tf, field: field, weighting, weight: weight).value
        }
      }
    }
    // Scores are compared at 1e-9 so that sums taken in another order still tie.
    var keyed: [(key: Int64, doc: UInt32)] = []
    keyed.reserveCapacity(candidates.count)
    candidates.forEach { keyed.append((Self.tieKey(scores[Int($0)]), $0)) }
    let top = Self.best(keyed, limit: limit, withTies: index.segments.count > 1)
    // The terms are explained for the hits alone, added again in the same order: explaining
    // every candidate took 15 times as long as ranking them (at 50,000 reports, 1.1 s for
    // 主动公开 政府信息, 273,000 sections).
    var contributions: [UInt32: [ScoreContribution]] = [:]
    if explain {
      var shown = Bitset(capacity: index.docCount)
      for entry in top { shown.insert(entry.doc) }
      try forEachClause(among: shown) { entries, kind, term, field, df, weight in
        let weighting = weighting(field, df: df)
        for (doc, tf) in entries where shown.contains(doc) {
          let (value, length) = score(doc, tf: tf, field: field, weighting, weight: weight)
          contributions[doc, default: []].append(
            ScoreContribution(
              kind: kind, term: term, field: field.name, tf: Double(tf), df: df, idf: weighting.idf, field_length: Int(length),
              average_field_length: index.averageFieldLengths[field.rawValue], weight: weight, score: value))
        }
      }
    }
    let ranking = Ranking(
      total: keyed.count,
      top: top.map { (doc: $0.doc, scored: Scored(score: scores[Int($0.doc)], contributions: contributions[$0.doc] ?? [])) })
    scores.withUnsafeMutableBufferPointer { scores in candidates.forEach { scores[Int($0)] = 0 } }
    scoreArrays.giveBack(scores)
    return ranking
  }

  /// The best `limit` entries, best first (higher key, then lower doc); with `withTies`,
  /// also every entry whose key equals the last one's.
  static func best(_ entries: [(key: Int64, doc: UInt32)], limit: Int, withTies: Bool) -> [(key: Int64, doc: UInt32)] {
    guard limit > 0 else { return [] }
    guard limit < entries.count, limit <= 64 else { return entries.sorted(by: ranksAbove) }
    // A small sorted buffer: most entries lose to its last one at a single comparison.
    var top: [(key: Int64, doc: UInt32)] = []
    top.reserveCapacity(limit + 1)
    for entry in entries where top.count < limit || ranksAbove(entry, top[top.count - 1]) {
      var index = top.count
      while index > 0 && ranksAbove(entry, top[index - 1]) { index -= 1 }
      top.insert(entry, at: index)
      if top.count > limit { top.removeLast() }
    }
    if withTies, let last = top.last {
      return entries.filter { $0.key >= last.key }.sorted(by: ranksAbove)
    }
    return top
  }

  /// Whether `a` comes before `b` in a ranking: a higher key, or the same key and a lower doc.
  static func ranksAbove(_ a: (key: Int64, doc: UInt32), _ b: (key: Int64, doc: UInt32)) -> Bool {
    a.key != b.key ? a.key > b.key : a.doc < b.doc
  }

  /// A score rounded to 1e-9, for ordering.
  static func tieKey(_ score: Double) -> Int64 { Int64((score * 1e9).rounded()) }

  /// Orders sections of equal score by report path and section number — what doc order is
  /// in a single segment — for the runs of ties that reach into the first `limit` hits, so an
  /// updated index lists hits exactly as a rebuilt one does. Each segment's share of a run is
  /// put in path order by the segment's report order; the shares are then merged, reading the
  /// paths of only the reports that reach the first `limit` places (and the one beside each).
  /// A run that reaches past them is cut there.
  private func orderTies(_ ranked: inout [(doc: UInt32, scored: Scored)], limit: Int) throws {
    guard index.segments.count > 1 else { return }
    let key = Self.tieKey
    var paths: [UInt32: String] = [:]
    func path(_ doc: UInt32) throws -> String {
      let report = index.reportID(of: doc)
      if let known = paths[report] { return known }
      let path = try index.report(report).paths.first ?? ""
      paths[report] = path
      return path
    }
    func precedes(_ a: UInt32, _ b: UInt32) throws -> Bool {
      let (pathA, pathB) = (try path(a), try path(b))
      return pathA != pathB ? pathA.utf8.lexicographicallyPrecedes(pathB.utf8) : index.sectionNumber(of: a) < index.sectionNumber(of: b)
    }
    var start = 0
    while start < min(limit, ranked.count) {
      var end = start + 1
      while end < ranked.count && key(ranked[end].scored.score) == key(ranked[start].scored.score) { end += 1 }
      if end - start > 1 {
        // No segment gives more than `needed` entries to the first `limit` places, so each
        // keeps only its first `needed` by place (a run can hold every table section).
        let needed = min(limit - start, end - start)
        var shares = [(places: [UInt64], entries: [(doc: UInt32, scored: Scored)])](repeating: ([], []), count: index.segments.count)
        for entry in ranked[start..<end] {
          let segment = index.locate(doc: entry.doc).segment
          let (report, section) = index.placeInSegment(entry.doc)
          let place = UInt64(report) << 32 | UInt64(section)
          if shares[segment].places.count == needed {
            guard let last = shares[segment].places.last, place < last else { continue }
            shares[segment].places.removeLast()
            shares[segment].entries.removeLast()
          }
          var slot = shares[segment].places.count
          while slot > 0 && shares[segment].places[slot - 1] > place { slot -= 1 }
          shares[segment].places.insert(place, at: slot)
          shares[segment].entries.insert(entry, at: slot)
        }
        var queues = shares.map { $0.entries[...] }
        var merged: [(doc: UInt32, scored: Scored)] = []
        while merged.count < needed {
          var best: Int?
          for queue in queues.indices where !queues[queue].isEmpty {
            if let current = best, !(try precedes(queues[queue].first!.doc, queues[current].first!.doc)) { continue }
            best = queue
          }
          guard let chosen = best else { break }
          merged.append(queues[chosen].removeFirst())
        }
        guard needed == end - start else {
          // The run reaches past the first `limit` places: nothing after them is shown.
          ranked.replaceSubrange(start..., with: merged)
          return
        }
        ranked.replaceSubrange(start..<end, with: merged)
      }
      start = end
    }
  }

  /// Where `part` occurs in the `allowed` sections: of every doc, or of `half`, one of two
  /// halves of the docs ranked at once (with its live docs).
  private func match(_ part: Query.Part, allowed: Bitset, in half: (docs: Range<UInt32>, live: Bitset)? = nil) throws -> PartMatch {
    let grams = PhraseMatcher.grams(of: part.normalized)
    // Occurrences are of live docs: only a `section:` filter leaves some of them out.
    let narrowed = allowed != (half?.live ?? index.liveDocs)
    var perField = try part.fields.map { field in
      let occurrences = try index.occurrences(of: grams, in: field, within: half?.docs ?? 0..<UInt32(index.docCount))
      return (field, narrowed ? occurrences.filter { allowed.contains($0.doc) } : occurrences)
    }
    // Grams pin down letters, digits and the punctuation after them; other punctuation is
    // checked in the text.
    if PhraseMatcher.needsTextCheck(part.normalized) {
      // Each of two halves ranked at once checks its own on one thread.
      perField = try verified(perField, of: part.normalized, threads: half == nil ? threads : 1)
    }
    var result = PartMatch(docs: Bitset(capacity: index.docCount))
    for (field, occurrences) in perField {
      for occurrence in occurrences { result.docs.insert(occurrence.doc) }
      result.perField.append((field, occurrences))
    }
    return result
  }

  /// The reports of `docs`.
  private func reports(holding docs: Bitset) -> Bitset {
    var result = Bitset(capacity: index.reportCount)
    docs.forEach { result.insert(index.reportID(of: $0)) }
    return result
  }

  /// The live reports that satisfy `node`, table conditions checked in the sections of `scope`
  /// (where the matches were looked for).
  private func evaluateReports(_ node: Query.Node, matches: [Query.Part: PartMatch], scope: Bitset, labels labelScope: [String] = [])
    throws -> Bitset
  {
    switch node {
    case .part(let part): return matches[part].map { reports(holding: $0.docs) } ?? Bitset(capacity: index.reportCount)
    case .year, .agency, .region:
      var result = try reports(satisfying: node)
      result.formIntersection(index.liveReports)
      return result
    case .condition: return reports(holding: try docs(satisfying: node, among: scope, labels: labelScope))
    case .and(let nodes):
      var result = index.liveReports
      for node in nodes { result.formIntersection(try evaluateReports(node, matches: matches, scope: scope, labels: labelScope)) }
      return result
    case .or(let nodes):
      var result = Bitset(capacity: index.reportCount)
      for node in nodes { result.formUnion(try evaluateReports(node, matches: matches, scope: scope, labels: labelScope)) }
      return result
    case .not(let inner):
      var result = index.liveReports
      result.subtract(try evaluateReports(inner, matches: matches, scope: scope, labels: labelScope))
      return result
    case .sections: return index.liveReports
    }
  }

  /// The allowed sections that satisfy `node` on their own.
  private func evaluateDocs(
    _ node: Query.Node, matches: [Query.Part: PartMatch], allowed: Bitset, labels labelScope: [String] = []
  ) throws -> Bitset {
    switch node {
    case .part(let part): return matches[part]?.docs ?? Bitset(capacity: index.docCount)
    case .year, .agency, .region:
      let reports = try reports(satisfying: node)
      var result = allowed
      allowed.forEach { if !reports.contains(index.reportID(of: $0)) { result.remove($0) } }
      return result
    case .condition:
      return try docs(satisfying: node, among: allowed, labels: labelScope)
    case .and(let nodes):
      var result = allowed
      for node in nodes { result.formIntersection(try evaluateDocs(node, matches: matches, allowed: allowed, labels: labelScope)) }
      return result
    case .or(let nodes):
      var result = Bitset(capacity: index.docCount)
      for node in nodes { result.formUnion(try evaluateDocs(node, matches: matches, allowed: allowed, labels: labelScope)) }
      return result
    case .not(let inner):
      var result = allowed
      result.subtract(try evaluateDocs(inner, matches: matches, allowed: allowed, labels: labelScope))
      return result
    case .sections: return allowed
    }
  }

  /// Sections of `docs` with a table row that satisfies a number condition; with `labels`,
  /// only rows whose label holds one of them count.
  private func docs(satisfying condition: Query.Node, among docs: Bitset, labels: [String]) throws -> Bitset {
    var result = Bitset(capacity: index.docCount)
    guard case .condition(let subject, let comparison, let bound) = condition else { return result }
    let normalizer = Normalizer()
    let subjectKey = TableAssembler.key(subject, normalizer)
    let labelKeys = labels.map { TableAssembler.key($0, normalizer) }
    for doc in docs.members where (2...4).contains(index.sectionNumber(of: doc)) {
      for row in try index.section(doc).rows {
        let rowKey = TableAssembler.key(row.label, normalizer)
        guard labelKeys.isEmpty || labelKeys.contains(where: rowKey.containsBytes) else { continue }
        // A header matches exactly or as part of it (处理决定数量 in 本年处理决定数量, 2021's wording).
        let headers = row.cells.map { (cell: $0, key: TableAssembler.key($0.header, normalizer)) }
        var value = (headers.first { $0.key == subjectKey } ?? headers.first { $0.key.containsBytes(subjectKey) })?.cell.value
        if value == nil, rowKey.containsBytes(subjectKey) {
          let numbers = row.cells.filter { $0.value != nil }
          value = (row.cells.first { $0.header == "总计" } ?? (numbers.count == 1 ? numbers.first : nil))?.value
        }
        if let value, comparison.holds(value, bound) {
          result.insert(doc)
          break
        }
      }
    }
    return result
  }

  /// Reports whose metadata satisfies a `year:`, `agency:` or `region:` filter.
  private func reports(satisfying filter: Query.Node) throws -> Bitset {
    let filters = try reportFilters()
    switch filter {
    case .year(let range): return filters.reports(inYears: range)
    case .agency(let text): return filters.reports(ofAgencyHolding: text)
    case .region(let text): return filters.reports(ofRegionHolding: text)
    default: return Bitset(capacity: index.reportCount)
    }
  }

  /// Year, agency and region of every report, and the reports of each year, made once, on the
  /// first filter.
  private func reportFilters() throws -> ReportFilterIndex {
    if let cached = filtersCache.withLock({ $0 }) { return cached }
    let filters = ReportFilterIndex(try index.reportFilters())
    filtersCache.withLock { $0 = filters }
    return filters
  }

  /// Keeps the occurrences whose stored field text really holds `normalized`, with exact
  /// counts. Each section is read once for all its fields, each distinct field text is
  /// searched once, and large sets of sections are read on two threads (given `threads` > 1).
  private func verified(_ perField: [(Field, [PhraseMatcher.Occurrence])], of normalized: String, threads: Int) throws
    -> [(Field, [PhraseMatcher.Occurrence])]
  {
    var docs: [UInt32] = []
    var fields: [UInt32: [Int]] = [:]  // by doc, the indexes in `perField` of its fields
    for (slot, (_, occurrences)) in perField.enumerated() {
      for (doc, _) in occurrences {
        if fields[doc] == nil { docs.append(doc) }
        fields[doc, default: []].append(slot)
      }
    }
    docs.sort()
    let chunkCount = docs.count >= 256 && threads > 1 ? 2 : 1
    let chunks = ResultSlots<Result<[(slot: Int, doc: UInt32, count: UInt32)], Error>>(count: chunkCount)
    func verify(_ chunk: Int) {
      chunks.set(
        chunk,
        Result {
          var counter = TextCounter(normalized, normalizer: Normalizer())
          var found: [(slot: Int, doc: UInt32, count: UInt32)] = []
          for doc in docs[(docs.count * chunk / chunkCount)..<(docs.count * (chunk + 1) / chunkCount)] {
            var texts = IndexView.FieldTexts(index: index, doc: doc)
            for slot in fields[doc] ?? [] {
              let field = perField[slot].0
              let count = try counter.count(in: &texts, field: field)
              if count > 0 { found.append((slot, doc, count)) }
            }
          }
          return found
        })
    }
    if chunkCount == 1 { verify(0) } else { HelperThread.shared.run({ verify(0) }, alongside: { verify(1) }) }
    var result = perField.map { ($0.0, [PhraseMatcher.Occurrence]()) }
    for chunk in chunks.values {
      for (slot, doc, count) in try chunk.get() { result[slot].1.append((doc, count)) }
    }
    return result
  }

  /// Counts a normalized string in field texts as written, folding each text first. Titles,
  /// headings and labels repeat from report to report: one seen before is not searched
  /// again. Bodies seldom repeat, and are not kept.
  struct TextCounter {
    let needle: [UInt8]
    let normalizer: Normalizer
    /// The count in each title and heading seen, by its UTF-8 bytes (hashing a String
    /// normalizes it to NFC first, and a Dictionary hashes with SipHash), and in each label
    /// field seen, by what it is made of (the label field itself is made only when new).
    private var counts = ByteStringMap<UInt32>()
    private var labelCounts = ByteStringMap<UInt32>()
    private var key: [UInt8] = []

    init(_ normalized: String, normalizer: Normalizer) {
      needle = Array(normalized.utf8)
      self.normalizer = normalizer
    }

    mutating func count(in texts: inout IndexView.FieldTexts, field: Field) throws -> UInt32 {
      let (needle, normalizer) = (needle, normalizer)
      func occurrences(_ text: ArraySlice<UInt8>) -> UInt32 {
        UInt32(text.withUnsafeBufferPointer { normalizer.foldedUTF8($0) }.indices(of: needle).count)
      }
      switch field {
      case .body:
        return occurrences(try texts.utf8(.body))
      case .label:
        try texts.labelSource(into: &key)
        return try key.withUnsafeBytes { key in try labelCounts.value(for: key) { occurrences(try texts.utf8(.label)) } }
      case .title, .heading:
        let text = try texts.utf8(field)
        return text.withUnsafeBytes { key in counts.value(for: key) { occurrences(text) } }
      }
    }
  }
}
