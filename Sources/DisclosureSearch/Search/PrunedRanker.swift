import Dispatch
import Synchronization

/// Top-k ranking that reads only what can still reach the top k (block-max pruning), for
/// queries of parts under AND, OR and NOT with `year:`, `agency:`, `region:` and `section:`
/// filters (`政府 信息 公开`, `label:行政处罚`, `行政复议 OR 行政诉讼`, `1.属于国家秘密`).
///
/// A clause is a part in one field (its gram lists, the rarest driving) or one ICU word of a
/// part in one field. Sections are visited in doc order, one range at a time (up to the end
/// of a block of some clause's rarest gram): the score bounds in the headers of every
/// clause's blocks there add up to a bound for any section of the range, and a range whose
/// bound cannot beat the k-th best score so far is stepped over without unpacking it.
/// Inside a range, a section's bound from its grams' and words' counts decides whether its
/// positions are read at all, and for a part with punctuation, whether its stored text is;
/// only then is the query's logic checked against the section's report.
///
/// Scores are those of the exhaustive ranking (the same terms, added in the same order);
/// the total counts the sections found, and is exact only when nothing was skipped. On this
/// corpus the gain is bounded: thousands of template sections tie for the best score, and
/// each must be scored to show that none beats the k-th.
struct PrunedRanker {
  let index: IndexView
  /// The parts that score (not under a NOT), then those that only take part in the logic.
  let parts: [Query.Part]
  let scoringPartCount: Int
  /// ICU words of each scoring part.
  let words: [[String]]
  /// Whether each part is checked in the stored text of a section where its grams line up.
  let needsText: [Bool]
  /// Sections a match may come from (live, in the `section:` filter, of a report that the
  /// filters of a top-level AND allow: `logic` decides in the end), and those reports.
  let allowedDocs: Bitset
  let allowedReports: Bitset
  /// Whether the filters leave out live sections: the walk then leaps from allowed to allowed.
  let narrowed: Bool
  /// Whether a section a list names may be one to leave out (narrowed, or deleted by an update).
  let checksAllowed: Bool
  let logic: Logic
  let limit: Int

  /// The query's boolean tree over part numbers and report sets, applied to a report.
  indirect enum Logic: Sendable {
    case part(Int)
    case reports(Bitset)
    case all([Logic])
    case any([Logic])
    case not(Logic)

    /// Whether a report satisfies the tree, given whether it holds each part (asked lazily).
    func holds(report: UInt32, _ holdsPart: (Int) throws -> Bool) rethrows -> Bool {
      try value(report: report, holdsPart)!
    }

    /// Whether a report satisfies the tree when it is not known of every part whether the
    /// report holds it (`holdsPart` answers nil): nil when that depends on those parts.
    func value(report: UInt32, _ holdsPart: (Int) throws -> Bool?) rethrows -> Bool? {
      switch self {
      case .part(let number): return try holdsPart(number)
      case .reports(let reports): return reports.contains(report)
      case .all(let nodes), .any(let nodes):
        // A false child decides `all`, a true one `any`.
        let decisive = if case .any = self { true } else { false }
        var known = true
        for node in nodes {
          guard let value = try node.value(report: report, holdsPart) else {
            known = false
            continue
          }
          if value == decisive { return decisive }
        }
        return known ? !decisive : nil
      case .not(let node): return try node.value(report: report, holdsPart).map { !$0 }
      }
    }
  }

  /// A ranker for `query`, or nil when it needs the exhaustive ranking: table conditions,
  /// or a part without a bigram (one character: a prefix range of grams).
  /// `reports` gives the live reports that satisfy a `year:`, `agency:` or `region:` filter,
  /// or that hold a part in the sections of the `section:` filter.
  init?(query: Query, index: IndexView, analyzer: Analyzer, limit: Int, reports: (Query.Node) throws -> Bitset) rethrows {
    guard limit >= 1, limit <= 64, let root = query.root else { return nil }
    let scoring = query.positiveParts
    // A part under NOT only, of one or two characters (its occurrences are one gram's counts,
    // nothing to line up), is known up front as the reports holding it, as a filter is, and
    // the walk leaps over them; the other parts are checked report by report as met.
    var parts = scoring
    var holders: [Query.Part: Bitset] = [:]
    for part in query.allParts where !scoring.contains(part) {
      let scalars = part.normalized.unicodeScalars
      if scalars.count <= 2 && scalars.allSatisfy(CharacterClass.isSearchable) {
        holders[part] = try reports(.part(part))
      } else {
        parts.append(part)
      }
    }
    // Parts are tracked as bits of a word.
    guard !scoring.isEmpty, parts.count <= 64 else { return nil }
    // A part is found by its grams that are one term each; when that does not pin it down
    // (punctuation after punctuation, a one-character run at its end), a section is checked
    // in its text.
    var needsText: [Bool] = []
    for part in parts {
      let grams = PhraseMatcher.grams(of: part.normalized)
      guard grams.contains(where: \.isOneTerm) else { return nil }
      needsText.append(!grams.allSatisfy(\.isOneTerm) || PhraseMatcher.needsTextCheck(part.normalized))
    }
    /// The tree of `node`, or nil when some node needs the exhaustive ranking.
    func logic(_ node: Query.Node) throws -> Logic? {
      func each(_ nodes: [Query.Node]) throws -> [Logic]? {
        var children: [Logic] = []
        for node in nodes {
          guard let child = try logic(node) else { return nil }
          children.append(child)
        }
        return children
      }
      switch node {
      case .part(let part): return holders[part].map { .reports($0) } ?? parts.firstIndex(of: part).map { .part($0) }
      case .year, .agency, .region:
        var allowed = try reports(node)
        allowed.formIntersection(index.liveReports)
        return .reports(allowed)
      case .and(let nodes): return try each(nodes).map { .all($0) }
      case .or(let nodes): return try each(nodes).map { .any($0) }
      case .not(let inner): return try logic(inner).map { .not($0) }
      case .sections: return .all([])
      case .condition: return nil
      }
    }
    guard let tree = try logic(root) else { return nil }
    var allowedReports = index.liveReports
    if case .all(let nodes) = tree {
      for node in nodes {
        if case .reports(let reports) = node { allowedReports.formIntersection(reports) }
        if case .not(.reports(let reports)) = node { allowedReports.subtract(reports) }
      }
    }
    self.index = index
    self.parts = parts
    self.needsText = needsText
    scoringPartCount = scoring.count
    words = scoring.map { analyzer.words(ofNormalized: $0.normalized) }
    allowedDocs = index.liveDocs(inSections: query.sections, ofReports: allowedReports)
    self.allowedReports = allowedReports
    // A subset of the live docs that equals them leaves none out (without filters it is
    // the same array, and compares at once; counting 343,000 bits took longer).
    narrowed = allowedDocs != index.liveDocs
    checksAllowed = narrowed || index.liveDocCount < index.docCount
    self.logic = tree
    self.limit = limit
  }

  /// Segments of at least `splitDocCount` sections are shared out in `runCount` runs of
  /// docs to two threads, when the lists that find sections (each clause's rarest gram) name
  /// at least `splitPostings` docs in all. The calling thread starts at once and takes run
  /// after run; the other (`HelperThread`, awake when a search came shortly before) takes the
  /// next one as soon as it starts. A search that ends before then waited for nothing: with
  /// fixed halves it waited for the second thread's start and whole half (at 50,000 reports,
  /// 信息处理费 and `label:行政处罚` ran a third faster on one thread). Lists of fewer than
  /// 4,000 docs are read faster on one thread (with the split at 4,000 docs instead of
  /// 20,000, `交通运输局` took 0.85× the time, and no query of the bench's more).
  static let splitDocCount = 20_000
  static let splitPostings = 4_000
  static let runCount = 8

  /// What one thread's passes over part of a segment found: the best entries (starting from
  /// those of the segments before), how many sections matched, and whether any was skipped.
  struct Share: Sendable {
    var collector: TopCollector
    var found = 0
    var skipped = false
  }

  /// Hands out the runs of a segment's docs in doc order: each thread's runs ascend, as its
  /// cursors and its best entries (a later doc loses a tie) need.
  private final class Runs: Sendable {
    let bounds: [UInt32]
    private let next = Atomic<Int>(0)

    init(docCount: Int, count: Int) { bounds = (0...count).map { UInt32(docCount * $0 / count) } }

    func take() -> Range<UInt32>? {
      let run = next.add(1, ordering: .relaxed).oldValue
      return run + 1 < bounds.count ? bounds[run]..<bounds[run + 1] : nil
    }
  }

  /// The most docs whose bounds are added up at once (`SegmentPass.readRange`): they stay in
  /// the L1 cache. A multiple of 64.
  static let window = 2048

  /// Visits of a clause's sections after which, if its second-rarest gram counted less than
  /// its rarest (or was missing) in most of them, windows read that gram too
  /// (`SegmentPass.addBounds`).
  static let secondGramAfter = 512

  /// Reads of a word clause's counts in visits after which, if the word counted less than
  /// its part in most of them, windows read the word's list too (`SegmentPass.addWordBounds`).
  static let wordsAfter = 512

  /// The best sections, best first, and how many were found, on up to `threads` threads
  /// (for segments of at least `splitDocCount` sections, when the query's lists name at least
  /// `splitPostings` docs), bounding up to `window` docs at once.
  func rank(
    threads: Int, splitDocCount: Int = Self.splitDocCount, splitPostings: Int = Self.splitPostings, window: Int = Self.window,
    secondGramAfter: Int = Self.secondGramAfter, wordsAfter: Int = Self.wordsAfter
  ) throws -> Searcher.Ranking
  {
    var collector = TopCollector(limit: limit, keepTies: index.segments.count > 1)
    var found = 0
    var skipped = false
    let documentCount = max(1, index.liveDocCount)
    // Every clause's idf: the same statistics as the exhaustive ranking.
    var phraseIDF: [[Field: Double]] = []
    var wordIDF: [[String: [Field: Double]]] = []
    var nowhere: UInt64 = 0  // the parts whose rarest gram is in no field
    for (number, part) in parts.prefix(scoringPartCount).enumerated() {
      let grams = PhraseMatcher.grams(of: part.normalized)
      var phraseIDFs: [Field: Double] = [:]
      var wordIDFs: [String: [Field: Double]] = [:]
      nowhere |= 1 << number
      for field in part.fields {
        let df = try index.phraseDocumentFrequency(grams, in: field)
        if df > 0 { nowhere &= ~(1 << number) }
        phraseIDFs[field] = BM25.idf(documentCount: documentCount, documentFrequency: df)
        for word in words[number] {
          let wordDF = try index.wordDocumentFrequency(word, in: field)
          if wordDF > 0 { wordIDFs[word, default: [:]][field] = BM25.idf(documentCount: documentCount, documentFrequency: wordDF) }
        }
      }
      phraseIDF.append(phraseIDFs)
      wordIDF.append(wordIDFs)
    }
    // A part that every match needs and that occurs nowhere: there is none.
    if case .all(let nodes) = logic, nodes.contains(where: { if case .part(let number) = $0 { nowhere & 1 << number != 0 } else { false } }) {
      return Searcher.Ranking(total: 0, totalIsExact: true, top: [])
    }
    for segment in index.segments.indices {
      let reader = index.segments[segment]
      // A large segment is read on two threads, each with its own cursors and best entries,
      // which then join the others in doc order.
      let terms = try SegmentTerms(ranker: self, reader: reader)
      let workers = reader.docCount >= splitDocCount && threads > 1 && terms.driverPostings >= splitPostings ? 2 : 1
      let runs = Runs(docCount: reader.docCount, count: workers > 1 ? Self.runCount : 1)
      let results = ResultSlots<Result<Share, Error>>(count: workers)
      reader.withBytes { bytes in
        nonisolated(unsafe) let file = bytes
        let (startingEntries, phraseIDF, wordIDF) = (collector, phraseIDF, wordIDF)
        let work: @Sendable (Int) -> Void = { worker in
          results.set(
            worker,
            Result {
              var share = Share(collector: startingEntries)
              share.collector.startPass()
              var pass: SegmentPass?
              defer { pass?.free() }
              while let docs = runs.take() {
                if pass == nil {
                  pass = try SegmentPass(
                    ranker: self, segment: segment, terms: terms, jumpsAhead: workers > 1, window: window,
                    secondGramAfter: secondGramAfter, wordsAfter: wordsAfter, file: file, phraseIDF: phraseIDF, wordIDF: wordIDF)
                }
                try pass!.run(docs, &share.collector, found: &share.found, skipped: &share.skipped)
              }
              return share
            })
        }
        if workers == 1 { work(0) } else { HelperThread.shared.run({ work(0) }, alongside: { work(1) }) }
      }
      var entries: [(doc: UInt32, score: Double)] = collector.entries.map { ($0.doc, $0.score) }
      for result in results.values {
        let share: Share
        do { share = try result.get() } catch is BadPostings {
          throw IndexFormatError.corrupt(file: reader.name, offset: 0, reason: "bad postings list")
        }
        found += share.found
        skipped = skipped || share.skipped
        entries += share.collector.entries.map { ($0.doc, $0.score) }
      }
      collector = TopCollector(limit: limit, keepTies: collector.keepTies)
      var seen = Set<UInt32>()
      for entry in entries.sorted(by: { $0.doc < $1.doc }) where seen.insert(entry.doc).inserted {
        collector.add(doc: entry.doc, score: entry.score)
      }
    }
    return Searcher.Ranking(
      total: found, totalIsExact: !skipped,
      top: collector.entries.map { (doc: $0.doc, scored: Searcher.Scored(score: $0.score)) })
  }

  /// The best entries so far, best first: higher score, then lower doc (docs arrive in
  /// ascending order, so a later doc never wins a tie). With `keepTies`, every entry tied
  /// with the k-th stays too, for `Searcher.orderTies`.
  struct TopCollector {
    let limit: Int
    let keepTies: Bool
    private(set) var entries: [(key: Int64, doc: UInt32, score: Double)] = []
    /// A score enters only if its tie key beats the k-th entry's: greater, or keeping ties,
    /// at least equal (a later doc loses a tie). Keys round half away from zero, so that is
    /// a score whose 1e9 multiple reaches this (−∞ until there are `limit` entries).
    private var cutoff = -Double.infinity
    /// Keeping ties (several segments, ordered by path between them): the best keys of the
    /// current pass over one segment (or one thread's runs of one), and the cutoff they make.
    /// Inside a segment doc order is path order, so a section that only ties the k-th of its
    /// own pass has k sections ahead of it however the segments merge.
    private var passKeys: [Int64] = []
    private var passCutoff = -Double.infinity

    init(limit: Int, keepTies: Bool) {
      self.limit = limit
      self.keepTies = keepTies
    }

    /// Starts a pass over one segment or one thread's runs of one.
    mutating func startPass() {
      passKeys.removeAll()
      passCutoff = -.infinity
    }

    /// Whether no section scoring at most `bound` can enter. The bound is widened by far less
    /// than a key's step, against sums rounded in another order than the exact score's.
    @inline(__always)
    func excludes(_ bound: Double) -> Bool {
      let scaled = (bound + abs(bound) * 1e-12 + 1e-12) * 1e9
      return scaled < cutoff || scaled < passCutoff
    }

    mutating func add(doc: UInt32, score: Double) {
      let key = Searcher.tieKey(score)
      if keepTies {
        var position = passKeys.count
        while position > 0 && passKeys[position - 1] < key { position -= 1 }
        if position < limit {
          passKeys.insert(key, at: position)
          if passKeys.count > limit { passKeys.removeLast() }
          if passKeys.count == limit { passCutoff = Double(passKeys[limit - 1]) + 0.5 }
        }
      }
      if entries.count >= limit {
        let last = entries[limit - 1].key
        guard key > last || (keepTies && key == last) else { return }
      }
      var position = entries.count
      while position > 0 && entries[position - 1].key < key { position -= 1 }
      entries.insert((key, doc, score), at: position)
      guard entries.count >= limit else { return }
      let last = entries[limit - 1]
      while entries.count > limit && (!keepTies || entries[entries.count - 1].key < last.key) { entries.removeLast() }
      cutoff = Double(last.key) + (keepTies ? -0.5 : 0.5)
    }
  }
}

/// The dictionary entries the passes over one segment read, looked up once for all of them
/// (a part's grams serve its scoring clause and its check, on each thread).
private struct SegmentTerms: Sendable {
  struct Gram: Sendable {
    let term: Int
    let offset: UInt32
    let df: Int
    let bytes: Int
  }

  /// Per part and field: its grams, the rarest first (nil when one is not in the segment).
  let phrases: [[Field: [Gram]]]
  /// Per scoring part, word and field: the word's term.
  let words: [[String: [Field: Int]]]
  /// Per scoring part, where the section bounds of its rarest gram that has them (over all
  /// its fields) lie in the file, if any.
  let sectionBounds: [Range<Int>?]

  /// How many docs the rarest gram of every part in every field names: the most sections a
  /// pass can visit.
  var driverPostings: Int { phrases.reduce(0) { $0 + $1.values.reduce(0) { $0 + ($1.first?.df ?? 0) } } }

  init(ranker: PrunedRanker, reader: SegmentReader) throws {
    let matcher = PhraseMatcher(segment: reader)
    phrases = try ranker.parts.map { part in
      var byField: [Field: [Gram]] = [:]
      for field in part.fields {
        if let grams = try Self.grams(of: part.normalized, in: field, reader: reader, matcher: matcher) { byField[field] = grams }
      }
      return byField
    }
    words = ranker.parts.prefix(ranker.scoringPartCount).enumerated().map { number, part in
      var terms: [String: [Field: Int]] = [:]
      for word in ranker.words[number] {
        for field in part.fields {
          if let term = reader.termIndex(TermKey.word(field, word)) { terms[word, default: [:]][field] = term }
        }
      }
      return terms
    }
    sectionBounds = try phrases.prefix(ranker.scoringPartCount).map { byField in
      // A gram's docs over the fields whose lists it is among (its key without the field byte).
      var docs: [[UInt8]: Int] = [:]
      for grams in byField.values {
        for gram in grams { docs[Array(reader.termKey(gram.term).dropFirst()), default: 0] += gram.df }
      }
      let rarestFirst = docs.sorted { $0.value != $1.value ? $0.value < $1.value : $0.key.lexicographicallyPrecedes($1.key) }
      for (gram, _) in rarestFirst {
        if let table = try reader.sectionBounds(ofGram: gram) { return table }
      }
      return nil
    }
  }

  /// The grams that cover `text`, and the rarest of the others: it often bounds the part's
  /// count far better (行政复议's 政复), and more lists would cost more than they add.
  /// The rarest gram drives; the others follow by the size of their lists, which grows with
  /// their counts: the first two bound ranges (`phraseRangeBound`), and a gram as common but
  /// counted less often bounds better (1.属于国家秘密: 属 and 密 once in a label, 1. and 国家
  /// several times).
  private static func grams(of text: String, in field: Field, reader: SegmentReader, matcher: PhraseMatcher) throws -> [Gram]? {
    let cover = Set(PhraseMatcher.grams(of: text).map(\.offset))
    var grams: [Gram] = []
    var rarestOther: Gram?
    for gram in PhraseMatcher.grams(of: text, overlapping: true) where gram.isOneTerm {
      guard let term = matcher.terms(of: gram, in: field).first else { return nil }
      let entry = Gram(term: term, offset: gram.offset, df: reader.documentFrequency(term), bytes: try reader.postingsRange(term).count)
      if cover.contains(gram.offset) {
        grams.append(entry)
      } else if entry.df < rarestOther?.df ?? .max {
        rarestOther = entry
      }
    }
    if let rarestOther { grams.append(rarestOther) }
    grams.sort { ($0.df, $0.bytes) < ($1.df, $1.bytes) }
    if grams.count > 2 { grams[1...].sort { $0.bytes < $1.bytes } }
    return grams
  }
}

/// One walk over a segment's docs: the clauses' cursors over its memory-mapped postings.
/// Cursors and per-doc scratch live in buffers allocated once (`free` releases them): the
/// inner loops then mutate them in place, without the uniqueness checks of nested arrays.
/// Helpers called from the loops are `mutating` even when they only move cursors: calling a
/// non-mutating one from a mutating one copied the whole pass (392 bytes) each time.
private struct SegmentPass {
  /// The fewest docs a range spans (but at the segment's end). Where every clause's list is
  /// dense (政府 信息 公开: twelve phrase clauses, their block ends staggered) the nearest block
  /// end came every 42 docs at 50,000 reports: bounding 8,186 ranges, of which two were
  /// stepped over, cost more than the looser bounds of 2,672 ranges of a block's worth, and
  /// those (none stepped over) more than ranges of four blocks' worth: over the bench's
  /// queries at 50,000 reports, 0.97× the instructions and 0.97× the time (the ranges of 信息
  /// or 公开 are never stepped over either). Ranges that grew while none was stepped over
  /// took fewer instructions still, but more time.
  static let minimumRange: UInt32 = 512
  /// A part in one field: its score, the cursors of its bigrams' lists (the rarest first)
  /// and each gram's offset in the part.
  struct PhraseClause {
    let part: Int
    let field: Field
    let score: ClauseScore
    let lists: Range<Int>
    let offsets: [UInt32]
    var first: Int { lists.lowerBound }
  }

  /// An ICU word of a part in one field: its list is cursor `cursor`. It counts in a section
  /// only where the part occurs in that field (phrase clause `phrase`), at most as often.
  struct WordClause {
    let part: Int
    let field: Field
    let score: ClauseScore
    let cursor: Int
    let phrase: Int
  }

  let ranker: PrunedRanker
  let index: IndexView
  let base: UInt32
  let docCount: Int
  /// Clauses that find sections and score them; in `checks`, each part's own clauses (with
  /// cursors of their own) that tell whether a report holds it somewhere, for the parts a
  /// section lacks.
  let phrases: [PhraseClause]
  let words: [WordClause]
  let checks: [[PhraseClause]]
  /// Per phrase clause: its scale and its words' (`ClauseScore.scale`), added up; per word
  /// clause: its scale over its phrase clause's (both positive).
  let clauseScales: [Double]
  let wordRatios: [Double]
  /// The scoring parts with section bounds (`SectionBounds`): a cursor over the table, and
  /// the phrase clause of each field (−1: none).
  var partBounds: [(table: SectionBounds.Cursor, clauses: SIMD4<Int32>)]
  /// Whether every part with a phrase clause has section bounds.
  let boundsEveryPart: Bool
  /// Ranges the section bounds were asked about, and those they stepped over. Where they
  /// step over few (common words, whose best sections spread everywhere), asking cost up to a
  /// tenth of the query: after `sectionBoundsTrial` asked, they are asked no more unless at
  /// least one range in eight was stepped over.
  var sectionBoundsAsked = 0
  var sectionBoundsStepped = 0
  static let sectionBoundsTrial = 64
  var asksSectionBounds: Bool {
    sectionBoundsAsked < Self.sectionBoundsTrial || sectionBoundsStepped * 8 >= sectionBoundsAsked
  }
  var cursors: UnsafeMutableBufferPointer<PostingsCursor>
  /// The last report each part was checked in, and the answer.
  var checked: [(report: UInt32, holds: Bool)?]
  // Scratch reused from range to range and doc to doc: each gram's positions in a doc, the
  // clauses' bounds over the current range, each phrase driver's next doc in it
  // (UInt32.max: none), the phrase clauses at the current doc (`hereCount` of them), the
  // phrase clauses' counts and the word clauses' counts there.
  var positions: [PositionBuffer]
  /// Per word clause: its bound over the current range and its bound at the current doc.
  let wordClauseBounds: UnsafeMutableBufferPointer<Double>
  let wordDocBounds: UnsafeMutableBufferPointer<Double>
  /// Per word clause: how much reading its counts lowered bounds in all, how often it was
  /// read, the average of that (its bound before its first read), and the clauses by it,
  /// highest first: the order words are read in.
  let wordLowered: UnsafeMutableBufferPointer<Double>
  let wordReads: UnsafeMutableBufferPointer<Int>
  let wordPriority: UnsafeMutableBufferPointer<Double>
  let wordOrder: UnsafeMutableBufferPointer<Int>
  /// Each phrase clause's bound over the current range (alone, and with its words), its
  /// largest count there, whether it drives there, and the clauses by ascending bound.
  let phraseBounds: UnsafeMutableBufferPointer<Double>
  let clauseBounds: UnsafeMutableBufferPointer<Double>
  let phraseMaxCounts: UnsafeMutableBufferPointer<UInt32>
  let drives: UnsafeMutableBufferPointer<Bool>
  let byBound: UnsafeMutableBufferPointer<Int>
  /// Per phrase clause, a second cursor on its rarest gram's list, that reads a window's
  /// docs in bulk ahead of the clause's own cursor; the most docs in a window, each window
  /// doc's bound from the clauses read so, and the docs a driving clause holds (a bit each).
  var scanners: UnsafeMutableBufferPointer<PostingsCursor>
  /// Per phrase clause, a cursor on its second-rarest gram's list (its rarest when it has one
  /// gram) and whether windows read it too. The part occurs at most as often as the fewer of
  /// the two grams, and not where the second is missing; where the rarest gram counts more
  /// than the part in most sections (行政复议's, in `行政复议 信息处理费`), its bound lets
  /// nearly every section through to a visit that turns it away. Switched on once
  /// `secondGramAfter` visits found the second gram counting less in most (always reading it
  /// cost queries of template labels, whose grams come together, a third more). Then the
  /// visits counted, and the second gram's count at each window doc.
  var secondScanners: UnsafeMutableBufferPointer<PostingsCursor>
  let readsSecond: UnsafeMutableBufferPointer<Bool>
  let secondGramAfter: Int
  let visitsHere: UnsafeMutableBufferPointer<Int>
  let visitsSecondLower: UnsafeMutableBufferPointer<Int>
  let secondCounts: UnsafeMutableBufferPointer<UInt32>
  /// Per word clause, a cursor that reads its list through a window, and whether windows
  /// read it. A window's bound of a section takes each word at its part's count there, as
  /// the score would if the word were all of the part; where the part is mostly inside a
  /// longer ICU word (诉讼 in 行政诉讼), the word counts less or not at all, and nearly every
  /// section went through to a visit that its word's count turned away. Switched on once
  /// `wordsAfter` reads in visits found the word counting less than its part in most; then
  /// the word's scale leaves its phrase clause's in `windowScales`, and the word adds its
  /// own bound where its list holds a window doc. The reads counted, and those that lowered.
  var wordScanners: UnsafeMutableBufferPointer<PostingsCursor>
  let readsWord: UnsafeMutableBufferPointer<Bool>
  let wordsAfter: Int
  let wordReadsLower: UnsafeMutableBufferPointer<Int>
  /// Per phrase clause: its scale and those of its words not read in windows, added up.
  let windowScales: UnsafeMutableBufferPointer<Double>
  let window: Int
  let windowBounds: UnsafeMutableBufferPointer<Double>
  let windowDriven: UnsafeMutableBufferPointer<UInt64>
  /// The window docs a passed-over clause holds, and its count at each (`addBoundsAtDriven`).
  let heldOffsets: UnsafeMutableBufferPointer<Int32>
  let heldCounts: UnsafeMutableBufferPointer<UInt32>
  /// The phrase clauses at the current doc.
  let here: UnsafeMutableBufferPointer<Int>
  var hereCount = 0
  let phraseTF: UnsafeMutableBufferPointer<UInt32>
  let wordTF: UnsafeMutableBufferPointer<UInt32>
  /// Each phrase clause's bound of the part's count at the current doc (0: absent), and the
  /// score's saturation at that count there (its words share it when they may count as often).
  let phraseLeast: UnsafeMutableBufferPointer<UInt32>
  let phraseSaturation: UnsafeMutableBufferPointer<Double>
  /// For the parts checked in the text: a counter each, and the field texts of the last
  /// section read.
  var counters: [Searcher.TextCounter?]
  let checksText: Bool
  var texts: IndexView.FieldTexts?

  init(
    ranker: PrunedRanker, segment: Int, terms: SegmentTerms, jumpsAhead: Bool, window: Int, secondGramAfter: Int, wordsAfter: Int,
    file: UnsafeRawBufferPointer, phraseIDF: [[Field: Double]], wordIDF: [[String: [Field: Double]]]
  ) throws {
    precondition(window >= 64 && window % 64 == 0)
    self.ranker = ranker
    index = ranker.index
    base = index.docBase(ofSegment: segment)
    docCount = index.segments[segment].docCount
    let norms = index.averageFieldLengths.map(BM25.FieldNorm.init)
    let reader = index.segments[segment]
    var lists: [PostingsCursor] = []
    func list(_ term: Int, hasPositions: Bool) throws -> PostingsCursor {
      let bytes = UnsafeRawBufferPointer(rebasing: file[try reader.postingsRange(term)])
      // A pass that jumps far ahead (to another thread's next run) does so by skip points.
      let skips = jumpsAhead ? try reader.skips(term, in: bytes, hasPositions: hasPositions) : PostingsSkips()
      return PostingsCursor(bytes, hasPositions: hasPositions, skips: skips)
    }
    func phrase(_ number: Int, _ field: Field) throws -> PhraseClause? {
      guard let grams = terms.phrases[number][field] else { return nil }
      let first = lists.count
      for gram in grams { lists.append(try list(gram.term, hasPositions: true)) }
      // A part under NOT only is checked, never scored.
      let idf = number < phraseIDF.count ? phraseIDF[number][field] ?? 0 : 0
      let score = ClauseScore(idf: idf, weight: field.weight, norm: norms[field.rawValue])
      return PhraseClause(part: number, field: field, score: score, lists: first..<lists.count, offsets: grams.map(\.offset))
    }
    // In the exhaustive ranking's order: per part, the phrase in each field, then each word
    // in each field.
    var phrases: [PhraseClause] = []
    var words: [WordClause] = []
    var checks = [[PhraseClause]](repeating: [], count: ranker.parts.count)
    do {
      for (number, part) in ranker.parts.enumerated() {
        let fields = part.fields
        for field in fields {
          if let check = try phrase(number, field) { checks[number].append(check) }
        }
        guard number < ranker.scoringPartCount else { continue }
        for field in fields {
          if let clause = try phrase(number, field) { phrases.append(clause) }
        }
        for word in ranker.words[number] {
          for field in fields {
            // Where the part cannot occur, its words do not count.
            guard let phrase = phrases.firstIndex(where: { $0.part == number && $0.field == field }),
              let idf = wordIDF[number][word]?[field], let term = terms.words[number][word]?[field]
            else { continue }
            let score = ClauseScore(idf: idf, weight: field.weight * Searcher.wordMatchWeight, norm: norms[field.rawValue])
            words.append(WordClause(part: number, field: field, score: score, cursor: lists.count, phrase: phrase))
            lists.append(try list(term, hasPositions: false))
          }
        }
      }
    } catch {
      // A damaged postings pointer: the cursors opened so far are not kept.
      lists.forEach { $0.free() }
      throw error
    }
    self.phrases = phrases
    self.words = words
    wordRatios = words.map { $0.score.scale / phrases[$0.phrase].score.scale }
    clauseScales = phrases.indices.map { number in
      words.filter { $0.phrase == number }.reduce(phrases[number].score.scale) { $0 + $1.score.scale }
    }
    self.checks = checks
    partBounds = terms.sectionBounds.enumerated().compactMap { part, range in
      guard let range else { return nil }
      let table = SectionBounds.Cursor(UnsafeRawBufferPointer(rebasing: file[range]), docCount: reader.docCount)
      var clauses = SIMD4<Int32>(repeating: -1)
      for (number, clause) in phrases.enumerated() where clause.part == part { clauses[clause.field.rawValue] = Int32(number) }
      return (table, clauses)
    }
    boundsEveryPart = Set(phrases.map(\.part)).isSubset(of: terms.sectionBounds.indices.filter { terms.sectionBounds[$0] != nil })
    checked = Array(repeating: nil, count: ranker.parts.count)
    let normalizer = ranker.needsText.contains(true) ? Normalizer() : nil
    counters = ranker.parts.indices.map { number in
      normalizer.flatMap { ranker.needsText[number] ? Searcher.TextCounter(ranker.parts[number].normalized, normalizer: $0) : nil }
    }
    checksText = normalizer != nil
    func buffer<T>(_ count: Int, _ value: T) -> UnsafeMutableBufferPointer<T> {
      let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: count)
      buffer.initialize(repeating: value)
      return buffer
    }
    cursors = UnsafeMutableBufferPointer.allocate(capacity: lists.count)
    _ = cursors.initialize(from: lists)
    scanners = UnsafeMutableBufferPointer.allocate(capacity: phrases.count)
    _ = scanners.initialize(from: phrases.map { lists[$0.first].reopened() })
    secondScanners = UnsafeMutableBufferPointer.allocate(capacity: phrases.count)
    _ = secondScanners.initialize(from: phrases.map { lists[$0.lists.count > 1 ? $0.first + 1 : $0.first].reopened() })
    readsSecond = buffer(phrases.count, false)
    for number in phrases.indices { readsSecond[number] = secondGramAfter == 0 && phrases[number].lists.count > 1 }
    self.secondGramAfter = secondGramAfter
    wordScanners = UnsafeMutableBufferPointer.allocate(capacity: words.count)
    _ = wordScanners.initialize(from: words.map { lists[$0.cursor].reopened() })
    readsWord = buffer(words.count, wordsAfter == 0)
    self.wordsAfter = wordsAfter
    wordReadsLower = buffer(words.count, 0)
    windowScales = buffer(phrases.count, 0)
    for number in phrases.indices { windowScales[number] = phrases[number].score.scale }
    for number in words.indices where !readsWord[number] { windowScales[words[number].phrase] += words[number].score.scale }
    visitsHere = buffer(phrases.count, 0)
    visitsSecondLower = buffer(phrases.count, 0)
    secondCounts = buffer(window, 0)
    self.window = window
    windowBounds = buffer(window, 0)
    windowDriven = buffer(window / 64, 0)
    heldOffsets = buffer(window, 0)
    heldCounts = buffer(window, 0)
    positions = (0..<((phrases + checks.joined()).map { $0.lists.count }.max() ?? 0)).map { _ in PositionBuffer() }
    wordClauseBounds = buffer(words.count, 0)
    wordDocBounds = buffer(words.count, 0)
    wordLowered = buffer(words.count, 0)
    wordReads = buffer(words.count, 0)
    wordPriority = buffer(words.count, 0)
    wordOrder = buffer(words.count, 0)
    phraseBounds = buffer(phrases.count, 0)
    clauseBounds = buffer(phrases.count, 0)
    phraseMaxCounts = buffer(phrases.count, 0)
    drives = buffer(phrases.count, true)
    byBound = buffer(phrases.count, 0)
    here = buffer(phrases.count, 0)
    phraseTF = buffer(phrases.count, 0)
    wordTF = buffer(words.count, 0)
    phraseLeast = buffer(phrases.count, 0)
    phraseSaturation = buffer(phrases.count, 0)
  }

  func free() {
    cursors.forEach { $0.free() }
    cursors.deallocate()
    scanners.forEach { $0.free() }
    scanners.deallocate()
    secondScanners.forEach { $0.free() }
    secondScanners.deallocate()
    wordScanners.forEach { $0.free() }
    wordScanners.deallocate()
    readsWord.deallocate()
    wordReadsLower.deallocate()
    windowScales.deallocate()
    readsSecond.deallocate()
    visitsHere.deallocate()
    visitsSecondLower.deallocate()
    secondCounts.deallocate()
    windowBounds.deallocate()
    heldOffsets.deallocate()
    heldCounts.deallocate()
    windowDriven.deallocate()
    positions.forEach { $0.free() }
    wordClauseBounds.deallocate()
    wordDocBounds.deallocate()
    wordLowered.deallocate()
    wordReads.deallocate()
    wordPriority.deallocate()
    wordOrder.deallocate()
    phraseBounds.deallocate()
    clauseBounds.deallocate()
    phraseMaxCounts.deallocate()
    drives.deallocate()
    byBound.deallocate()
    here.deallocate()
    phraseTF.deallocate()
    wordTF.deallocate()
    phraseLeast.deallocate()
    phraseSaturation.deallocate()
  }

  /// What a clause adds for `tf` occurrences in a field of `length` words: the exhaustive
  /// ranking's expression.
  struct ClauseScore {
    let idf: Double
    let weight: Double
    let norm: BM25.FieldNorm

    @inline(__always)
    func callAsFunction(_ tf: UInt32, _ length: UInt32) -> Double {
      weight * BM25.score(idf: idf, termFrequency: Double(tf), fieldLength: Double(length), norm: norm)
    }

    /// The score as `scale` × `saturation`: for bounds only (equal up to rounding).
    var scale: Double { weight * idf }

    @inline(__always)
    func saturation(_ tf: UInt32, _ length: UInt32) -> Double {
      BM25.saturation(termFrequency: Double(tf), fieldLength: Double(length), norm: norm)
    }
  }

  @inline(__always)
  func phraseScore(_ number: Int, tf: UInt32, length: UInt32) -> Double {
    phrases[number].score(tf, length)
  }

  @inline(__always)
  func wordScore(_ number: Int, tf: UInt32, length: UInt32) -> Double {
    words[number].score(tf, length)
  }

  /// Ranks `docs` (local IDs, after those of the pass's runs before).
  mutating func run(_ docs: Range<UInt32>, _ collector: inout PrunedRanker.TopCollector, found: inout Int, skipped: inout Bool) throws {
    var target = docs.lowerBound
    while target < docs.upperBound {
      if ranker.narrowed {
        guard let next = ranker.allowedDocs.nextMember(atOrAfter: base + target), next < base + docs.upperBound else { return }
        target = next - base
      }
      // Where every scoring part has section bounds, a range of them where no section can
      // enter (or none holds a part) is stepped over by them alone, no list read.
      if boundsEveryPart && asksSectionBounds {
        let bound = try sectionBound(atRangeOf: target)
        sectionBoundsAsked += 1
        if bound == 0 || collector.excludes(bound) {
          sectionBoundsStepped += 1
          if bound > 0 { skipped = true }
          target = (target >> UInt32(SectionBounds.rangeShift) + 1) << UInt32(SectionBounds.rangeShift)
          continue
        }
      }
      // The range reaches to the first end of a block of a phrase clause's rarest list (the
      // lists that find sections), or `minimumRange` docs; every list bounds its docs in the
      // range by the headers of the blocks that may hold them, and the bounds add up.
      var upto = docs.upperBound - 1
      var anyBlock = false
      for number in phrases.indices {
        guard let block = try cursors[phrases[number].first].peek(atOrAfter: target) else { continue }
        upto = min(upto, block.lastDoc)
        anyBlock = true
      }
      guard anyBlock else { return }
      upto = max(upto, target + min(Self.minimumRange - 1, docs.upperBound - 1 - target))
      var present: UInt64 = 0
      for number in phrases.indices {
        // None in the range: 0 (a clause with docs there bounds above 0).
        (phraseBounds[number], phraseMaxCounts[number]) = (0, 0)
        guard let most = try phraseRangeBound(number, from: target, through: upto) else { continue }
        (phraseBounds[number], phraseMaxCounts[number]) = most
        present |= 1 << phrases[number].part
      }
      for number in phrases.indices { clauseBounds[number] = phraseBounds[number] }
      // A word counts where its part occurs in the field, at most as often: its score in a
      // section is at most its part's there times the ratio of their scales (the same
      // saturation, for the same count in the same field), so the part's bound bounds it
      // with no header of the word's list read.
      for number in words.indices {
        let phrase = words[number].phrase
        wordClauseBounds[number] = phraseBounds[phrase] * wordRatios[number]
        clauseBounds[phrase] += wordClauseBounds[number]
      }
      var rangeBound = 0.0
      for number in phrases.indices { rangeBound += clauseBounds[number] }
      // Words are read in the order of how much reading one has lowered a section's bound
      // on average so far (its bound until it has been read): the best first.
      for number in words.indices {
        wordPriority[number] = wordReads[number] == 0 ? wordClauseBounds[number] : wordLowered[number] / Double(wordReads[number])
        var slot = number
        while slot > 0 && wordPriority[wordOrder[slot - 1]] < wordPriority[number] {
          wordOrder[slot] = wordOrder[slot - 1]
          slot -= 1
        }
        wordOrder[slot] = number
      }
      if present != 0 && !partBounds.isEmpty && asksSectionBounds && !collector.excludes(rangeBound) {
        rangeBound = try sectionRangeBound(rangeBound, from: target, through: upto)
        sectionBoundsAsked += 1
        if collector.excludes(rangeBound) { sectionBoundsStepped += 1 }
      }
      if present != 0 {
        if collector.excludes(rangeBound) {
          skipped = true
        } else {
          // Sections that only clauses which do not drive hold are not counted.
          if chooseDrivers(collector) { skipped = true }
          try readRange(from: target, through: upto, &collector, found: &found, skipped: &skipped)
        }
      }
      target = upto + 1
    }
  }

  /// What the block headers of a phrase clause's two rarest grams tell of its score in any
  /// doc from `target` through `last`: the part occurs at most as often as each gram, so it
  /// scores no more than each gram's best, nor than the fewer of the grams' largest counts
  /// in the longer of their shortest fields; with that fewer count. Nil when a gram has no
  /// docs there. The commoner grams' lists have the most blocks in a range and seldom lower
  /// the bound: at 50k, bounding by three grams instead of two took 1.2× as long over 30
  /// queries, and by one gram 1.2× too (行政复议 4.5×).
  private mutating func phraseRangeBound(_ number: Int, from target: UInt32, through last: UInt32) throws -> (Double, UInt32)? {
    let clause = phrases[number]
    let score = clause.score
    var combined = (maxCount: UInt32.max, minLength: UInt32(0))
    var best = Double.infinity
    for list in clause.lists.prefix(2) {
      guard let most = try cursors[list].bound(from: target, through: last, score: { score($0, $1) }) else { return nil }
      combined = (min(combined.maxCount, most.maxCount), max(combined.minLength, most.minLength))
      best = min(best, most.score)
    }
    return (min(best, score(combined.maxCount, combined.minLength)), combined.maxCount)
  }

  /// The best score of any section in the section bounds' range of `doc`, from them alone:
  /// the parts' best entries added up group by group (a section is of one group).
  private mutating func sectionBound(atRangeOf doc: UInt32) throws(BadPostings) -> Double {
    var bounds = SIMD16<Double>()
    for number in partBounds.indices {
      let clauses = partBounds[number].clauses
      bounds += try partBounds[number].table.best(from: doc, through: doc) { counts, lengths in
        var score = 0.0
        for field in 0..<4 where clauses[field] >= 0 && counts[field] > 0 {
          let clause = Int(clauses[field])
          score += clauseScales[clause] * phrases[clause].score.saturation(counts[field], lengths[field])
        }
        return score
      }
    }
    return bounds.max()
  }

  /// `bound` (the range's clause bounds added up) with the parts that have section bounds
  /// bounded by whole sections instead, group by group, where that is lower: each part's
  /// best entry of the group in the ranges, each field at the fewer of the entry's count
  /// and the clause's largest count in the range, in the entry's field length, and at most
  /// the clause's own bound.
  private mutating func sectionRangeBound(_ bound: Double, from first: UInt32, through last: UInt32) throws(BadPostings) -> Double {
    var rest = bound
    var bounds = SIMD16<Double>()
    for number in partBounds.indices {
      let clauses = partBounds[number].clauses
      var fieldsBound = 0.0
      for field in 0..<4 where clauses[field] >= 0 { fieldsBound += clauseBounds[Int(clauses[field])] }
      let best = try partBounds[number].table.best(from: first, through: last) { counts, lengths in
        var score = 0.0
        for field in 0..<4 where clauses[field] >= 0 && counts[field] > 0 {
          let clause = Int(clauses[field])
          let count = min(counts[field], phraseMaxCounts[clause])
          guard count > 0 else { continue }
          score += min(clauseBounds[clause], clauseScales[clause] * phrases[clause].score.saturation(count, lengths[field]))
        }
        return score
      }
      rest -= fieldsBound
      bounds += pointwiseMin(best, SIMD16(repeating: fieldsBound))
    }
    return min(bound, rest + bounds.max())
  }

  /// Which phrase clauses drive the current range (MaxScore): the clauses of smallest bound,
  /// as long as a section holding only them (with their words at their bounds) cannot enter,
  /// need not — such a section is read only when a stronger clause finds it. Returns whether
  /// some clause with docs in the range does not drive.
  private mutating func chooseDrivers(_ collector: PrunedRanker.TopCollector) -> Bool {
    for number in phrases.indices {
      byBound[number] = number
      drives[number] = true
      var slot = number
      while slot > 0 && clauseBounds[byBound[slot - 1]] > clauseBounds[number] {
        byBound[slot] = byBound[slot - 1]
        slot -= 1
      }
      byBound[slot] = number
    }
    var bound = 0.0
    var passedOver = false
    for slot in phrases.indices {
      let number = byBound[slot]
      // A clause with no block in the range has nothing to look up.
      guard phraseBounds[number] > 0 else { continue }
      guard collector.excludes(bound + clauseBounds[number]) else { break }
      bound += clauseBounds[number]
      drives[number] = false
      passedOver = true
    }
    return passedOver
  }

  /// Scores the sections of `first...last` that hold a part, a window at a time. Template
  /// sections tie by the thousand and nearly every one is looked at, so the first bound of a
  /// section comes in bulk: each driving clause's rarest gram is read through the window,
  /// adding its part's bound at every doc it holds (the cheapest bound `visit` starts from,
  /// less the second gram). Where the drivers hold many of the window's docs, the clauses
  /// passed over add theirs at those docs, looked up one by one (at 50,000 reports,
  /// `政府 信息 公开` read 1.7 million postings through the windows to bound the 49,000 docs
  /// its one driver held); elsewhere their bounds over the range stand in. Only docs whose
  /// bound can enter are looked up clause by clause.
  private mutating func readRange(
    from first: UInt32, through last: UInt32, _ collector: inout PrunedRanker.TopCollector, found: inout Int, skipped: inout Bool
  ) throws {
    var start = first
    while start <= last {
      // The window starts at the next doc a driver holds.
      var windowStart = UInt32.max
      for number in phrases.indices where drives[number] && phraseBounds[number] > 0 {
        if try scanners[number].advance(to: start) { windowStart = min(windowStart, scanners[number].doc) }
      }
      guard windowStart <= last else { return }
      let windowEnd = min(last, windowStart + UInt32(window - 1))
      var driven = 0
      for number in phrases.indices where drives[number] && phraseBounds[number] > 0 {
        driven += try addBounds(number, from: windowStart, through: windowEnd)
      }
      let dense = driven * 16 >= Int(windowEnd - windowStart) + 1
      var passedOver = 0.0
      for number in phrases.indices where !drives[number] && phraseBounds[number] > 0 {
        if dense {
          try addBoundsAtDriven(number, from: windowStart, through: windowEnd)
        } else {
          passedOver += clauseBounds[number]
        }
      }
      // The words read in windows, of the clauses bounded doc by doc here (a clause passed
      // over in `passedOver` brought its words' range bounds along).
      for number in words.indices where readsWord[number] {
        let phrase = words[number].phrase
        if phraseBounds[phrase] > 0 && (drives[phrase] || dense) { try addWordBounds(number, from: windowStart, through: windowEnd) }
      }
      for word in 0...(Int(windowEnd - windowStart) >> 6) {
        var bits = windowDriven[word]
        windowDriven[word] = 0
        while bits != 0 {
          let offset = word << 6 | bits.trailingZeroBitCount
          bits &= bits - 1
          let bound = windowBounds[offset] + passedOver
          windowBounds[offset] = 0
          if collector.excludes(bound) {
            skipped = true
            continue
          }
          let doc = windowStart + UInt32(offset)
          if ranker.checksAllowed {
            let global = base + doc
            guard ranker.allowedDocs.contains(global), ranker.allowedReports.contains(index.reportID(of: global)) else { continue }
          }
          hereCount = 0
          for number in phrases.indices where phraseBounds[number] > 0 {
            let list = phrases[number].first
            guard try cursors[list].advance(to: doc), cursors[list].doc == doc else { continue }
            here[hereCount] = number
            hereCount += 1
          }
          try visit(doc, &collector, found: &found, skipped: &skipped)
        }
      }
      start = windowEnd + 1
    }
  }

  /// Adds phrase clause `number`'s cheapest bound (from its rarest gram's count) to
  /// `windowBounds` at each doc from `first` through `last` its rarest gram holds, marking
  /// them in `windowDriven`; returns how many.
  private mutating func addBounds(_ number: Int, from first: UInt32, through last: UInt32) throws -> Int {
    let clause = phrases[number]
    let scale = windowScales[number]
    guard try scanners[number].advance(to: first) else { return 0 }
    var added = 0
    let (bounds, driven, index, base, docCount) = (windowBounds, windowDriven, index, base, docCount)
    let (narrowed, allowed) = (ranker.narrowed, ranker.allowedDocs)
    let (second, seconds) = (readsSecond[number], secondCounts)
    if second { try readSecondCounts(number, from: first, through: last) }
    _ = try scanners[number].scan(through: last) { doc, count throws(BadPostings) in
      guard Int(doc) < docCount else { throw BadPostings() }
      // A section the filters leave out is neither bounded nor looked up.
      if narrowed && !allowed.contains(base + doc) { return }
      let offset = Int(doc - first)
      let least = second ? min(count, seconds[offset]) : count
      guard least > 0 else { return }
      bounds[offset] += scale * clause.score.saturation(least, index.fieldLength(of: base + doc, clause.field))
      driven[offset >> 6] |= 1 << (offset & 63)
      added += 1
    }
    if second { UnsafeMutableBufferPointer(rebasing: seconds[...Int(last - first)]).update(repeating: 0) }
    return added
  }

  /// Writes the count of clause `number`'s second-rarest gram at each doc from `first` through
  /// `last` into `secondCounts`, by offset from `first` (the caller sets them back to 0).
  private mutating func readSecondCounts(_ number: Int, from first: UInt32, through last: UInt32) throws {
    let seconds = secondCounts
    guard try secondScanners[number].advance(to: first) else { return }
    _ = try secondScanners[number].scan(through: last) { doc, count in seconds[Int(doc - first)] = count }
  }

  /// Adds word clause `number`'s bound to `windowBounds` at each doc from `first` through
  /// `last` that a driver holds and the word's list does: its score at its count there, or
  /// at its part's largest count in the range when that is fewer.
  private mutating func addWordBounds(_ number: Int, from first: UInt32, through last: UInt32) throws {
    guard try wordScanners[number].advance(to: first) else { return }
    let (clause, most, start) = (words[number], phraseMaxCounts[words[number].phrase], base + first)
    let (bounds, driven, index) = (windowBounds, windowDriven, index)
    _ = try wordScanners[number].scan(through: last) { doc, count in
      let offset = Int(doc &- first)
      guard driven[offset &>> 6] &>> UInt64(offset & 63) & 1 != 0 else { return }
      bounds[offset] += clause.score(min(count, most), index.fieldLength(of: start + UInt32(offset), clause.field))
    }
  }

  /// Adds phrase clause `number`'s cheapest bound to `windowBounds` at each doc from `first`
  /// through `last` that a driver holds (marked in `windowDriven`) and its rarest gram does
  /// (and its second, when read). The docs are gathered first and bounded after: the window's
  /// postings are read through, each written down and kept when a driver holds it (no branch
  /// to mispredict), then each kept doc takes one division. (Looking each driven doc up in
  /// the list, with the division in that loop, took 1.2× as long on 政府 信息 公开.)
  private mutating func addBoundsAtDriven(_ number: Int, from first: UInt32, through last: UInt32) throws {
    guard try scanners[number].advance(to: first) else { return }
    let (offsets, counts, driven) = (heldOffsets, heldCounts, windowDriven)
    let (second, seconds) = (readsSecond[number], secondCounts)
    if second { try readSecondCounts(number, from: first, through: last) }
    var held = 0
    if second {
      _ = try scanners[number].scan(through: last) { doc, count in
        let offset = Int(doc &- first)
        let least = min(count, seconds[offset])
        offsets[held] = Int32(truncatingIfNeeded: offset)
        counts[held] = least
        held &+= Int(truncatingIfNeeded: driven[offset &>> 6] &>> UInt64(offset & 63) & 1) & (least > 0 ? 1 : 0)
      }
      UnsafeMutableBufferPointer(rebasing: seconds[...Int(last - first)]).update(repeating: 0)
    } else {
      _ = try scanners[number].scan(through: last) { doc, count in
        let offset = Int(doc &- first)
        offsets[held] = Int32(truncatingIfNeeded: offset)
        counts[held] = count
        held &+= Int(truncatingIfNeeded: driven[offset &>> 6] &>> UInt64(offset & 63) & 1)
      }
    }
    let (score, scale, field, start) = (phrases[number].score, windowScales[number], phrases[number].field, base + first)
    for slot in 0..<held {
      let offset = Int(offsets[slot])
      windowBounds[offset] += scale * score.saturation(counts[slot], index.fieldLength(of: start + UInt32(offset), field))
    }
  }

  /// Counts a visit of a section holding clause `number`'s rarest gram, and whether its
  /// second-rarest occurs less often there (or not at all); turns on reading the second in
  /// bulk when it mostly does.
  private mutating func noteVisit(_ number: Int, secondLower: Bool) {
    visitsHere[number] += 1
    if secondLower { visitsSecondLower[number] += 1 }
    if !readsSecond[number] && visitsHere[number] >= secondGramAfter && 2 * visitsSecondLower[number] > visitsHere[number] {
      readsSecond[number] = true
    }
  }

  /// Scores section `doc`, where the drivers of the clauses `here` stand, if it can enter
  /// the top k. Bounds first, cheapest first: the grams' counts (a phrase occurs at most as
  /// often as each of its grams) with the words' range bounds, then with the words' own
  /// counts; only then the positions.
  private mutating func visit(_ doc: UInt32, _ collector: inout PrunedRanker.TopCollector, found: inout Int, skipped: inout Bool)
    throws
  {
    guard Int(doc) < docCount else { throw BadPostings() }
    let global = base + doc
    // The cheapest bound first, from the counts the clauses' rarest grams stand at: the part
    // occurs at most as often, and its words no more often than the part.
    var quick = 0.0
    for slot in 0..<hereCount {
      let clause = phrases[here[slot]]
      var count = cursors[clause.first].count
      // The gram counted least often (`lists` order) too, when its unpacked block reaches here.
      if clause.lists.count > 1, let second = cursors[clause.first + 1].countInCurrentBlock(at: doc) {
        noteVisit(here[slot], secondLower: second < count)
        count = min(count, second)
      }
      quick += clauseScales[here[slot]] * clause.score.saturation(count, index.fieldLength(of: global, clause.field))
    }
    if collector.excludes(quick) {
      skipped = true
      return
    }
    var bound = 0.0
    var maybe: UInt64 = 0
    for number in phrases.indices { (phraseLeast[number], phraseSaturation[number]) = (0, 0) }
    for slot in 0..<hereCount {
      let number = here[slot]
      // The part occurs at most as often as each unpacked gram here and as the range allows.
      guard let most = unpackedLeastCount(phrases[number].lists, at: doc), case let count = min(most, phraseMaxCounts[number]),
        count > 0
      else { continue }
      phraseLeast[number] = count
      phraseSaturation[number] = phrases[number].score.saturation(count, index.fieldLength(of: global, phrases[number].field))
      bound += phrases[number].score.scale * phraseSaturation[number]
      maybe |= 1 << phrases[number].part
    }
    guard maybe != 0 else { return }
    // A word counts at most as often as its part there, in the same field: with at most the
    // part's saturation.
    for number in words.indices {
      wordTF[number] = 0
      wordDocBounds[number] = words[number].score.scale * phraseSaturation[words[number].phrase]
      bound += wordDocBounds[number]
    }
    if collector.excludes(bound) {
      skipped = true
      return
    }
    // Each word's count replaces its bound, one at a time in `wordOrder`: a section is often
    // out before every word list is read.
    for slot in words.indices where wordDocBounds[wordOrder[slot]] > 0 {
      let number = wordOrder[slot]
      var exact = 0.0
      let cursor = words[number].cursor
      if try cursors[cursor].advance(to: doc), cursors[cursor].doc == doc {
        wordTF[number] = cursors[cursor].count
        let tf = min(wordTF[number], phraseLeast[words[number].phrase])
        exact = wordScore(number, tf: tf, length: index.fieldLength(of: global, words[number].field))
      }
      bound += exact - wordDocBounds[number]
      wordLowered[number] += wordDocBounds[number] - exact
      wordReads[number] += 1
      if wordTF[number] < phraseLeast[words[number].phrase] { wordReadsLower[number] += 1 }
      if !readsWord[number] && wordReads[number] >= wordsAfter && 2 * wordReadsLower[number] > wordReads[number] {
        readsWord[number] = true
        windowScales[words[number].phrase] -= words[number].score.scale
      }
      if collector.excludes(bound) {
        skipped = true
        return
      }
    }
    let report = index.reportID(of: global)
    // Where each part's grams line up here.
    for number in phraseTF.indices { phraseTF[number] = 0 }
    var matched: UInt64 = 0
    for slot in 0..<hereCount {
      let number = here[slot]
      phraseTF[number] = try linedUp(phrases[number], at: doc)
      if phraseTF[number] > 0 { matched |= 1 << phrases[number].part }
    }
    guard matched != 0 else { return }
    // The parts checked in the text: only if the section can enter with its grams' counts,
    // and the logic can hold whatever the text shows.
    if checksText {
      if collector.excludes(score(of: global)) {
        skipped = true
        return
      }
      let possible = try ranker.logic.value(report: report) { part in
        counters[part] != nil ? nil : try matched & 1 << part != 0 || reportHolds(part, report)
      }
      guard possible != false else { return }
      matched = 0
      for slot in 0..<hereCount {
        let number = here[slot]
        if phraseTF[number] > 0 && counters[phrases[number].part] != nil { phraseTF[number] = try textCount(phrases[number], at: doc) }
        if phraseTF[number] > 0 { matched |= 1 << phrases[number].part }
      }
      guard matched != 0 else { return }
    }
    // The query's logic, on the report: a part this section holds holds there too.
    let satisfied = try ranker.logic.holds(report: report) { part in
      try matched & 1 << part != 0 || reportHolds(part, report)
    }
    guard satisfied else { return }
    found += 1
    collector.add(doc: global, score: score(of: global))
  }

  /// The score of section `global` with the phrase counts in `phraseTF` and the word counts
  /// in `wordTF`, added in the exhaustive ranking's order: per part, the phrase in each field,
  /// then each word in each field where the part occurs, counted at most as often.
  private mutating func score(of global: UInt32) -> Double {
    var total = 0.0
    for part in 0..<ranker.scoringPartCount {
      for number in phrases.indices where phrases[number].part == part && phraseTF[number] > 0 {
        total += phraseScore(number, tf: phraseTF[number], length: index.fieldLength(of: global, phrases[number].field))
      }
      for number in words.indices where words[number].part == part {
        let tf = min(wordTF[number], phraseTF[words[number].phrase])
        if tf > 0 { total += wordScore(number, tf: tf, length: index.fieldLength(of: global, words[number].field)) }
      }
    }
    return total
  }

  /// The fewest occurrences of a clause's grams in `doc`, where its driver stands (the part
  /// occurs at most that often there); nil when one of them is absent.
  private mutating func leastCount(_ lists: Range<Int>, at doc: UInt32) throws -> UInt32? {
    var least = cursors[lists.lowerBound].count
    for list in lists.dropFirst() {
      guard try cursors[list].advance(to: doc), cursors[list].doc == doc else { return nil }
      least = min(least, cursors[list].count)
    }
    return least
  }

  /// How often a clause's part occurs in `doc`, where its driver stands.
  private mutating func occurrences(_ clause: PhraseClause, at doc: UInt32) throws -> UInt32 {
    let lined = try linedUp(clause, at: doc)
    return lined > 0 && counters[clause.part] != nil ? try textCount(clause, at: doc) : lined
  }

  /// A bound of the part's count in `doc`, where the driver of `lists` stands, from the grams
  /// whose unpacked block reaches `doc` (unpacking the others, of common grams, cost more
  /// than their counts save; they are read when the grams are lined up); nil when one of
  /// those lacks `doc`.
  private mutating func unpackedLeastCount(_ lists: Range<Int>, at doc: UInt32) -> UInt32? {
    var least = cursors[lists.lowerBound].count
    for list in lists.dropFirst() {
      guard let count = cursors[list].countInCurrentBlock(at: doc) else { continue }
      guard count > 0 else { return nil }
      least = min(least, count)
    }
    return least
  }

  /// How often a clause's grams line up in `doc`, where its driver stands: its part's count,
  /// or for a part checked in the text, a bound of it.
  private mutating func linedUp(_ clause: PhraseClause, at doc: UInt32) throws -> UInt32 {
    guard try leastCount(clause.lists, at: doc) != nil else { return 0 }
    if clause.lists.count == 1 { return cursors[clause.first].count }
    for (slot, list) in clause.lists.enumerated() { try cursors[list].positions(into: &positions[slot]) }
    return PhraseMatcher.alignedStarts(positions, offsets: clause.offsets)
  }

  /// How often a clause's part occurs in the stored text of `doc`'s field.
  private mutating func textCount(_ clause: PhraseClause, at doc: UInt32) throws -> UInt32 {
    let global = base + doc
    if texts?.doc != global { texts = IndexView.FieldTexts(index: index, doc: global) }
    return try counters[clause.part]!.count(in: &texts!, field: clause.field)
  }

  /// Whether some allowed section of `report` holds the part.
  private mutating func reportHolds(_ part: Int, _ report: UInt32) throws -> Bool {
    if let last = checked[part], last.report == report { return last.holds }
    var holds = false
    let sections = index.docs(ofReport: report)
    search: for clause in checks[part] {
      var doc = sections.lowerBound - base
      while try cursors[clause.first].advance(to: doc) {
        doc = cursors[clause.first].doc
        guard base + doc < sections.upperBound else { break }
        if ranker.allowedDocs.contains(base + doc), try occurrences(clause, at: doc) > 0 {
          holds = true
          break search
        }
        doc += 1
      }
    }
    checked[part] = (report, holds)
    return holds
  }
}
