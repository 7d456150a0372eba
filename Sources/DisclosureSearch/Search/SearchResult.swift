/// The answer to one query, as printed by `dsearch search --json`.
public struct SearchResult: Sendable, Codable, Equatable {
  /// Version of this JSON shape.
  public var schema_version: Int = 1
  /// The query as given.
  public var query: String
  /// How many sections matched (before `limit`).
  public var total: Int
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
  public var title: String
  public var agency: String?
  public var year: Int?
  public var template: String?
  /// Section number 0–6 (0: text before section 一).
  public var section_number: Int
  /// The section heading text ("二、主动公开政府信息情况"); empty for section 0.
  public var section: String
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
  public var label: String
  public var cells: OrderedCells
}

/// Column header → cell text, keeping column order (encoded as a JSON object).
public struct OrderedCells: Sendable, Equatable, Codable {
  public var pairs: [(header: String, text: String)]

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
  public var term: String
  public var field: String
  public var tf: Double
  public var df: Int
  public var idf: Double
  public var field_length: Int
  public var average_field_length: Double
  public var weight: Double
  public var score: Double
}
