/// The answer to one query, as printed by `dsearch search --json`.
public struct SearchResult: Sendable, Codable, Equatable {
  /// Version of this JSON shape (also of `dsearch search --queries`' error lines).
  public static let schemaVersion = 2
  public var schema_version: Int = SearchResult.schemaVersion
  /// The query as given.
  public var query: String
  /// How many sections matched (before `limit`); with `total_exact` false, how many were
  /// found before the search stopped looking (sections that could not reach the hits shown
  /// are skipped), so at least this many match.
  public var total: Int
  /// Whether `total` counts every match (always, with `SearchOptions.countAll`).
  public var total_exact: Bool
  /// Search time in microseconds (parse, match, rank, snippets).
  public var took_us: Int
  /// The best sections, best first.
  public var hits: [Hit]
}

/// One matching section.
public struct Hit: Sendable, Codable, Equatable {
  /// The report file, relative to the corpus root.
  public var path: String
  /// Other files with the same text (duplicates), relative to the corpus root.
  public var other_paths: [String]
  /// The 1-based line of the file where the snippet starts.
  public var line: Int
  /// The report title.
  public var title: String
  /// The issuing agency, when the title names it.
  public var agency: String?
  /// The year the report covers.
  public var year: Int?
  /// "2019" (trial format) or "2021".
  public var template: String?
  /// Section number 0–6 (0: text before section 一).
  public var section_number: Int
  /// The section heading text ("二、主动公开政府信息情况"); empty for section 0.
  public var section: String
  /// BM25F score (higher is better).
  public var score: Double
  /// Text around the best match, whitespace collapsed.
  public var snippet: String
  /// Matched ranges in `snippet`, as [start, end) offsets in Unicode scalars.
  public var highlights: [[Int]]
  /// Table rows of this section whose label matched the query.
  public var rows: [HitRow]
  /// Per-term, per-field score contributions (with `explain`).
  public var explanation: [ScoreContribution]?
}

/// A table row of a hit, with its cells in column order.
public struct HitRow: Sendable, Equatable, Codable {
  /// The row label in the template's wording.
  public var label: String
  /// Cell text by column header, in column order.
  public var cells: OrderedCells
}

/// Column header → cell text, keeping column order (encoded as a JSON object).
public struct OrderedCells: Sendable, Equatable, Codable {
  /// (header, text) pairs in column order.
  public var pairs: [(header: String, text: String)]

  /// Cells from (header, text) pairs in column order.
  public init(_ pairs: [(header: String, text: String)]) { self.pairs = pairs }

  public static func == (lhs: OrderedCells, rhs: OrderedCells) -> Bool {
    lhs.pairs.map(\.header) == rhs.pairs.map(\.header) && lhs.pairs.map(\.text) == rhs.pairs.map(\.text)
  }

  struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Key.self)
    for pair in pairs { try container.encode(pair.text, forKey: Key(stringValue: pair.header)) }
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: Key.self)
    pairs = try container.allKeys.map { ($0.stringValue, try container.decode(String.self, forKey: $0)) }
  }
}

/// One term's share of a hit's score in one field.
public struct ScoreContribution: Sendable, Codable, Equatable {
  /// "phrase" (the exact string) or "word" (an ICU word of it).
  public var kind: String
  /// The exact string or the word.
  public var term: String
  /// title, heading, label or body.
  public var field: String
  /// Occurrences in the field.
  public var tf: Double
  /// Sections holding the term.
  public var df: Int
  /// ln(1 + (N − df + 0.5)/(df + 0.5)).
  public var idf: Double
  /// The field's length in ICU words.
  public var field_length: Int
  /// The average length of the field.
  public var average_field_length: Double
  /// The field's weight (times 0.5 for words).
  public var weight: Double
  /// weight × idf × tf / (tf + k1 × (1 − b + b × length / average)).
  public var score: Double
}
