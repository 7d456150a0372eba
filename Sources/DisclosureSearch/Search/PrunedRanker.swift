import Dispatch

/// Top-k ranking that reads only what can still reach the top k (block-max pruning), for
/// queries whose parts all must hold (`政府 信息 公开`, `label:行政处罚`, with `year:`,
/// `agency:`, `region:` and `section:` filters).
///
/// A clause is a part in one field (its gram lists, the rarest driving) or one ICU word of a
/// part in one field. Sections are visited in doc order, one block range at a time: the
/// score bounds in the block headers of every clause add up to a bound for any section of
/// the range, and a range whose bound cannot beat the k-th best score so far is stepped over
/// without unpacking it. Inside a range, a section's bound from its driving grams' counts
/// decides whether its positions are read at all.
///
/// Scores are those of the exhaustive ranking (the same terms, added in the same order);
/// the total counts the sections found, and is exact only when nothing was skipped.
struct PrunedRanker {
  let index: IndexView
  let parts: [Query.Part]
  /// ICU words of each part.
  let words: [[String]]
  /// Sections a match may come from (live, in the `section:` filter) and reports the
  /// filters allow.
  let allowedDocs: Bitset
  let allowedReports: Bitset
  let limit: Int

  /// A ranker for `query`, or nil when its shape needs the exhaustive ranking: OR, NOT,
  /// table conditions, or a part of one character or with punctuation (matched otherwise).
  init?(query: Query, index: IndexView, analyzer: Analyzer, limit: Int, reports: (Query.Node) throws -> Bitset) rethrows {
    guard limit >= 1, limit <= 64, let root = query.root else { return nil }
    var parts: [Query.Part] = []
    var allowedReports = index.liveReports
    var nodes = [root]
    if case .and(let children) = root { nodes = children }
    for node in nodes {
      switch node {
      case .part(let part):
        let grams = PhraseMatcher.grams(of: part.normalized)
        guard !grams.isEmpty, grams.allSatisfy({ $0.second != nil }),
          part.normalized.unicodeScalars.allSatisfy(CharacterClass.isSearchable)
        else { return nil }
        if !parts.contains(part) { parts.append(part) }
      case .year, .agency, .region: allowedReports.formIntersection(try reports(node))
      default: return nil
      }
    }
    // Parts are tracked as bits of a word.
    guard !parts.isEmpty, parts.count <= 64 else { return nil }
    var allowedDocs = index.liveDocs
    if let numbers = query.sections {
      allowedDocs = Bitset(capacity: index.docCount) { index.liveDocs.contains($0) && numbers.contains(index.sectionNumber(of: $0)) }
    }
    self.index = index
    self.parts = parts
    words = parts.map { analyzer.words(ofNormalized: $0.normalized) }
    self.allowedDocs = allowedDocs
    self.allowedReports = allowedReports
    self.limit = limit
  }

  /// A part in one field, in one segment.
  struct PhraseClause {
    let part: Int
    let field: Field
    let idf: Double
    /// The gram lists, the rarest first, and each gram's offset in the part.
    var cursors: [PostingsCursor]
    let offsets: [UInt32]
  }

  /// An ICU word of a part in one field, in one segment.
  struct WordClause {
    let part: Int
    let field: Field
    let idf: Double
    var cursor: PostingsCursor
  }

  /// Segments of at least this many sections are read on two threads.
  static let splitDocCount = 20_000

  /// What one pass over part of a segment found: the best entries (starting from those of
  /// the segments before), how many sections matched, and whether any was skipped.
  struct Half: Sendable {
    var collector: TopCollector
    var found = 0
    var skipped = false
  }

  /// The best sections, best first, and how many were found, on up to `threads` threads
  /// (for segments of at least `splitDocCount` sections).
  func rank(threads: Int, splitDocCount: Int = Self.splitDocCount) throws -> Searcher.Ranking {
    var collector = TopCollector(limit: limit, keepTies: index.segments.count > 1)
    var found = 0
    var skipped = false
    let documentCount = max(1, index.liveDocCount)
    // Every clause's idf: the same statistics as the exhaustive ranking.
    var phraseIDF: [[Field: Double]] = []
    for part in parts {
      var idfs: [Field: Double] = [:]
      for field in part.field.map({ [$0] }) ?? Field.allCases {
        let df = try index.phraseDocumentFrequency(PhraseMatcher.grams(of: part.normalized), in: field)
        idfs[field] = BM25.idf(documentCount: documentCount, documentFrequency: df)
      }
      phraseIDF.append(idfs)
    }
    var wordIDF: [[String: [Field: Double]]] = []
    for (number, part) in parts.enumerated() {
      var idfs: [String: [Field: Double]] = [:]
      for word in words[number] {
        for field in part.field.map({ [$0] }) ?? Field.allCases {
          var df = 0
          for segment in index.segments.indices {
            if let term = index.segments[segment].termIndex(TermKey.word(field, word)) {
              df += try index.liveDocumentFrequency(segment: segment, term: term, isGram: false)
            }
          }
          if df > 0 { idfs[word, default: [:]][field] = BM25.idf(documentCount: documentCount, documentFrequency: df) }
        }
      }
      wordIDF.append(idfs)
    }
    for segment in index.segments.indices {
      let reader = index.segments[segment]
      // A large segment is read in two halves at once, each with its own cursors and best
      // entries, which then join the others in doc order.
      let halves = reader.docCount >= splitDocCount && threads > 1 ? 2 : 1
      let bounds = (0...halves).map { UInt32(reader.docCount * $0 / halves) }
      let results = ResultSlots<Result<Half, Error>>(count: halves)
      reader.withBytes { bytes in
        nonisolated(unsafe) let file = bytes
        let (startingEntries, phraseIDF, wordIDF) = (collector, phraseIDF, wordIDF)
        let run: @Sendable (Int) -> Void = { half in
          results.set(
            half,
            Result {
              var pass = try SegmentPass(
                ranker: self, segment: segment, docs: bounds[half]..<bounds[half + 1], file: file, phraseIDF: phraseIDF, wordIDF: wordIDF)
              defer { pass.free() }
              var half = Half(collector: startingEntries)
              try pass.run(&half.collector, found: &half.found, skipped: &half.skipped)
              return half
            })
        }
        if halves == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: halves, execute: run) }
      }
      var entries: [(doc: UInt32, score: Double)] = collector.entries.map { ($0.doc, $0.score) }
      for result in results.values {
        let half: Half
        do { half = try result.get() } catch is BadPostings {
          throw IndexFormatError.corrupt(file: reader.name, offset: 0, reason: "bad postings list")
        }
        found += half.found
        skipped = skipped || half.skipped
        entries += half.collector.entries.map { ($0.doc, $0.score) }
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
    /// Scores at or below this cannot enter (−∞ until there are `limit` entries).
    private var threshold = -Double.infinity

    init(limit: Int, keepTies: Bool) {
      self.limit = limit
      self.keepTies = keepTies
    }

    /// Whether no section scoring at most `bound` can enter. The bound is widened by far
    /// less than the 1e-9 of a tie key, against sums rounded in another order.
    @inline(__always)
    func excludes(_ bound: Double) -> Bool {
      bound + abs(bound) * 1e-12 + 1e-12 <= threshold
    }

    mutating func add(doc: UInt32, score: Double) {
      let key = Searcher.tieKey(score)
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
      // A score at or below the k-th's ties at best, and a tie with an earlier doc loses;
      // keeping ties, only a score whose key is below the k-th's is out.
      threshold = keepTies ? (Double(last.key) - 0.5) / 1e9 - 1e-12 : last.score
    }
  }
}

/// One segment's walk: the clauses' cursors over its memory-mapped postings.
private struct SegmentPass {
  typealias PhraseClause = PrunedRanker.PhraseClause
  typealias WordClause = PrunedRanker.WordClause

  let ranker: PrunedRanker
  let index: IndexView
  let base: UInt32
  let docCount: Int
  /// The local doc IDs this pass reads.
  let docs: Range<UInt32>
  /// Clauses that find sections and score them; in `checks`, each part's own cursors that
  /// tell whether a report holds it somewhere (for parts a section lacks).
  var phrases: [PhraseClause] = []
  var words: [WordClause] = []
  var checks: [[PhraseClause]]
  /// The last report each part was checked in, and the answer.
  var checked: [(report: UInt32, holds: Bool)?]
  var positions: [PositionBuffer] = []
  let averages: [Double]
  // Scratch reused from range to range and doc to doc: each clause's block at the current
  // range, each part's word bound over it, each phrase driver's next doc in it (UInt32.max:
  // none), the phrase clauses at the current doc, and the clauses' counts there.
  var phraseBlocks: [PostingsBlockHeader?] = []
  var wordBlocks: [PostingsBlockHeader?] = []
  var wordBounds: [Double] = []
  var at: [UInt32] = []
  var here: [Int] = []
  var phraseTF: [UInt32] = []
  var wordTF: [UInt32] = []

  init(
    ranker: PrunedRanker, segment: Int, docs: Range<UInt32>, file: UnsafeRawBufferPointer, phraseIDF: [[Field: Double]],
    wordIDF: [[String: [Field: Double]]]
  ) throws {
    self.ranker = ranker
    self.docs = docs
    index = ranker.index
    base = index.docBase(ofSegment: segment)
    docCount = index.segments[segment].docCount
    averages = index.averageFieldLengths
    let reader = index.segments[segment]
    let matcher = PhraseMatcher(segment: reader)
    checks = Array(repeating: [], count: ranker.parts.count)
    checked = Array(repeating: nil, count: ranker.parts.count)
    func phrase(_ number: Int, _ field: Field) throws -> PhraseClause? {
      var lists: [(cursor: PostingsCursor, offset: UInt32, df: Int)] = []
      for gram in PhraseMatcher.grams(of: ranker.parts[number].normalized) {
        guard let term = matcher.terms(of: gram, in: field).first else {
          lists.forEach { $0.cursor.free() }
          return nil
        }
        let range = try reader.postingsRange(term)
        lists.append((PostingsCursor(UnsafeRawBufferPointer(rebasing: file[range]), hasPositions: true), gram.offset, reader.documentFrequency(term)))
      }
      lists.sort { $0.df < $1.df }
      return PhraseClause(
        part: number, field: field, idf: phraseIDF[number][field] ?? 0, cursors: lists.map(\.cursor), offsets: lists.map(\.offset))
    }
    // In the exhaustive ranking's order: per part, the phrase in each field, then each word
    // in each field.
    for (number, part) in ranker.parts.enumerated() {
      let fields = part.field.map { [$0] } ?? Field.allCases
      for field in fields {
        guard let clause = try phrase(number, field) else { continue }
        phrases.append(clause)
        if let check = try phrase(number, field) { checks[number].append(check) }
      }
      for word in ranker.words[number] {
        for field in fields {
          guard let idf = wordIDF[number][word]?[field], let term = reader.termIndex(TermKey.word(field, word)) else { continue }
          let range = try reader.postingsRange(term)
          let cursor = PostingsCursor(UnsafeRawBufferPointer(rebasing: file[range]), hasPositions: false)
          words.append(WordClause(part: number, field: field, idf: idf, cursor: cursor))
        }
      }
    }
    positions = (0..<(phrases.map(\.cursors.count).max() ?? 0)).map { _ in PositionBuffer() }
    phraseBlocks = Array(repeating: nil, count: phrases.count)
    wordBlocks = Array(repeating: nil, count: words.count)
    wordBounds = Array(repeating: 0, count: ranker.parts.count)
    at = Array(repeating: .max, count: phrases.count)
    phraseTF = Array(repeating: 0, count: phrases.count)
    wordTF = Array(repeating: 0, count: words.count)
  }

  func free() {
    for clause in phrases { clause.cursors.forEach { $0.free() } }
    for part in checks { for clause in part { clause.cursors.forEach { $0.free() } } }
    words.forEach { $0.cursor.free() }
    positions.forEach { $0.free() }
  }

  /// What a clause adds for `tf` occurrences in a field of `length` words: the exhaustive
  /// ranking's expression.
  @inline(__always)
  func score(_ field: Field, idf: Double, weight: Double, tf: UInt32, length: UInt32) -> Double {
    weight * BM25.score(idf: idf, termFrequency: Double(tf), fieldLength: Double(length), averageFieldLength: averages[field.rawValue])
  }

  /// What phrase clause `number` adds (read in place: a clause copied out would retain its arrays).
  @inline(__always)
  func phraseScore(_ number: Int, tf: UInt32, length: UInt32) -> Double {
    score(phrases[number].field, idf: phrases[number].idf, weight: phrases[number].field.weight, tf: tf, length: length)
  }

  @inline(__always)
  func wordScore(_ number: Int, tf: UInt32, length: UInt32) -> Double {
    score(words[number].field, idf: words[number].idf, weight: words[number].field.weight * Searcher.wordMatchWeight, tf: tf, length: length)
  }

  mutating func run(_ collector: inout PrunedRanker.TopCollector, found: inout Int, skipped: inout Bool) throws {
    var target = docs.lowerBound
    while target < docs.upperBound {
      // The block each clause has at or after `target`; the range reaches to the first end
      // of one of them, and the bounds of the blocks with docs in it add up.
      var upto = docs.upperBound - 1
      for number in phrases.indices {
        phraseBlocks[number] = try phrases[number].cursors[0].peek(atOrAfter: target)
        if let block = phraseBlocks[number] { upto = min(upto, block.lastDoc) }
      }
      guard phraseBlocks.contains(where: { $0 != nil }) else { return }
      for number in words.indices {
        wordBlocks[number] = try words[number].cursor.peek(atOrAfter: target)
        if let block = wordBlocks[number] { upto = min(upto, block.lastDoc) }
      }
      var bound = 0.0
      var present: UInt64 = 0
      for (number, block) in phraseBlocks.enumerated() {
        guard let block, block.previousLastDoc < Int64(upto) else { continue }
        bound += phraseScore(number, tf: block.maxCount, length: block.minLength)
        present |= 1 << phrases[number].part
      }
      for part in wordBounds.indices { wordBounds[part] = 0 }
      for (number, block) in wordBlocks.enumerated() {
        guard let block, block.previousLastDoc < Int64(upto) else { continue }
        wordBounds[words[number].part] += wordScore(number, tf: block.maxCount, length: block.minLength)
      }
      for part in wordBounds.indices where present & 1 << part != 0 { bound += wordBounds[part] }
      if present != 0 {
        if collector.excludes(bound) {
          skipped = true
        } else {
          try readRange(from: target, through: upto, &collector, found: &found, skipped: &skipped)
        }
      }
      target = upto + 1
    }
  }

  /// Scores the sections of `first...last` that hold a part.
  private mutating func readRange(
    from first: UInt32, through last: UInt32, _ collector: inout PrunedRanker.TopCollector, found: inout Int, skipped: inout Bool
  ) throws {
    // Each phrase clause's driver at its next doc of the range (UInt32.max: none left).
    for number in phrases.indices {
      let more = try phrases[number].cursors[0].advance(to: first)
      at[number] = more && phrases[number].cursors[0].doc <= last ? phrases[number].cursors[0].doc : .max
    }
    while true {
      let doc = at.min() ?? .max
      guard doc != .max else { return }
      here.removeAll(keepingCapacity: true)
      for number in at.indices where at[number] == doc { here.append(number) }
      try visit(doc, &collector, found: &found, skipped: &skipped)
      for number in here {
        let more = try phrases[number].cursors[0].next()
        at[number] = more && phrases[number].cursors[0].doc <= last ? phrases[number].cursors[0].doc : .max
      }
    }
  }

  /// Scores section `doc`, where the drivers of the clauses `here` stand, if it can enter
  /// the top k. Bounds first, cheapest first: the driving grams' counts (a phrase occurs at
  /// most as often as each of its grams) with the words' block bounds, then with the words'
  /// own counts; only then the positions.
  private mutating func visit(_ doc: UInt32, _ collector: inout PrunedRanker.TopCollector, found: inout Int, skipped: inout Bool)
    throws
  {
    guard Int(doc) < docCount else { throw BadPostings() }
    let global = base + doc
    let report = index.reportID(of: global)
    guard ranker.allowedDocs.contains(global), ranker.allowedReports.contains(report) else { return }
    var phraseBound = 0.0
    var maybe: UInt64 = 0
    for number in here {
      guard let most = try Self.leastCount(in: &phrases[number], at: doc) else { continue }
      phraseBound += phraseScore(number, tf: most, length: index.fieldLength(of: global, phrases[number].field))
      maybe |= 1 << phrases[number].part
    }
    guard maybe != 0 else { return }
    var bound = phraseBound
    for part in wordBounds.indices where maybe & 1 << part != 0 { bound += wordBounds[part] }
    if collector.excludes(bound) {
      skipped = true
      return
    }
    bound = phraseBound
    for number in words.indices {
      wordTF[number] = 0
      guard maybe & 1 << words[number].part != 0, try words[number].cursor.advance(to: doc), words[number].cursor.doc == doc else {
        continue
      }
      wordTF[number] = words[number].cursor.count
      bound += wordScore(number, tf: wordTF[number], length: index.fieldLength(of: global, words[number].field))
    }
    if collector.excludes(bound) {
      skipped = true
      return
    }
    // The exact occurrences of each part here.
    for number in phraseTF.indices { phraseTF[number] = 0 }
    var matched: UInt64 = 0
    for number in here {
      phraseTF[number] = try Self.occurrences(in: &phrases[number], at: doc, positions: &positions)
      if phraseTF[number] > 0 { matched |= 1 << phrases[number].part }
    }
    guard matched != 0 else { return }
    // Every part must hold somewhere in the report.
    for part in ranker.parts.indices where matched & 1 << part == 0 {
      guard try reportHolds(part, report) else { return }
    }
    found += 1
    // In the exhaustive ranking's order: per part, the phrase in each field, then its words.
    var total = 0.0
    for part in ranker.parts.indices {
      for number in phrases.indices where phrases[number].part == part && phraseTF[number] > 0 {
        total += phraseScore(number, tf: phraseTF[number], length: index.fieldLength(of: global, phrases[number].field))
      }
      guard matched & 1 << part != 0 else { continue }
      for number in words.indices where words[number].part == part && wordTF[number] > 0 {
        total += wordScore(number, tf: wordTF[number], length: index.fieldLength(of: global, words[number].field))
      }
    }
    collector.add(doc: global, score: total)
  }

  /// The fewest occurrences of a clause's grams in `doc`, where its driver stands (the part
  /// occurs at most that often there); nil when one of them is absent.
  private static func leastCount(in clause: inout PhraseClause, at doc: UInt32) throws -> UInt32? {
    var least = clause.cursors[0].count
    for list in clause.cursors.indices.dropFirst() {
      guard try clause.cursors[list].advance(to: doc), clause.cursors[list].doc == doc else { return nil }
      least = min(least, clause.cursors[list].count)
    }
    return least
  }

  /// How often a clause's part occurs in `doc`, where its driver stands.
  private static func occurrences(in clause: inout PhraseClause, at doc: UInt32, positions: inout [PositionBuffer]) throws -> UInt32 {
    guard try leastCount(in: &clause, at: doc) != nil else { return 0 }
    if clause.cursors.count == 1 { return clause.cursors[0].count }
    for list in clause.cursors.indices { try clause.cursors[list].positions(into: &positions[list]) }
    return PhraseMatcher.alignedStarts(positions, offsets: clause.offsets)
  }

  /// Whether some allowed section of `report` holds the part.
  private mutating func reportHolds(_ part: Int, _ report: UInt32) throws -> Bool {
    if let last = checked[part], last.report == report { return last.holds }
    var holds = false
    let sections = index.docs(ofReport: report)
    search: for number in checks[part].indices {
      var doc = sections.lowerBound - base
      while try checks[part][number].cursors[0].advance(to: doc) {
        doc = checks[part][number].cursors[0].doc
        guard base + doc < sections.upperBound else { break }
        if ranker.allowedDocs.contains(base + doc), try Self.occurrences(in: &checks[part][number], at: doc, positions: &positions) > 0 {
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
