/// A parsed query (see `QueryParser` for the syntax).
public struct Query: Sendable, Equatable, CustomStringConvertible {
  /// A contiguous string to find, matched exactly after normalization, in one field or all.
  public struct Part: Sendable, Equatable, Hashable {
    /// The part as the user wrote it.
    public var text: String
    /// Its normalized form (NFKC, case folded, 简体), what is matched.
    public var normalized: String
    /// The field it is scoped to, or nil for every field.
    public var field: Field?

    /// The fields the part is matched in: its own, or all.
    var fields: [Field] { field.map { [$0] } ?? Field.allCases }

    /// A part; `normalized` must be the normalized form of `text` (QueryParser makes both).
    public init(text: String, normalized: String, field: Field?) {
      self.text = text
      self.normalized = normalized
      self.field = field
    }
  }

  /// A node of the boolean query tree.
  public indirect enum Node: Sendable, Equatable {
    case part(Part)
    /// Reports about a year in the range (`year:2021`, `year:2019..2021`).
    case year(ClosedRange<Int>)
    /// Reports whose agency name contains the (normalized) text (`agency:交通运输局`).
    case agency(String)
    /// Reports whose region contains the (normalized) text (`region:淄博`).
    case region(String)
    /// Every node matches.
    case and([Node])
    /// Any node matches.
    case or([Node])
    /// The node does not match.
    case not(Node)
    /// A table number condition: `处理决定数量>100` (a column header) or
    /// `本年新收政府信息公开申请数量>=50` (a row label: its 总计, or its only number). Matches
    /// sections with a row that satisfies it; with `label:` parts in the query, only rows
    /// with those labels count.
    case condition(subject: String, comparison: Comparison, value: Double)
    /// A `section:` filter while parsing; `QueryParser` moves it to `Query.sections`, so it
    /// never appears in `Query.root`.
    case sections(Set<Int>)
  }

  /// How a condition compares a table value with its number.
  public enum Comparison: String, Sendable, Equatable {
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "="

    /// Whether `value` compares to `bound` this way.
    public func holds(_ value: Double, _ bound: Double) -> Bool {
      switch self {
      case .less: value < bound
      case .lessOrEqual: value <= bound
      case .greater: value > bound
      case .greaterOrEqual: value >= bound
      case .equal: abs(value - bound) < 1e-9
      }
    }
  }

  /// The boolean tree; nil when the query holds only `section:` filters.
  public var root: Node?
  /// Section numbers the hits are limited to (`section:二`); nil for all.
  public var sections: Set<Int>?

  /// A query of a boolean tree and an optional section filter.
  public init(root: Node?, sections: Set<Int>? = nil) {
    self.root = root
    self.sections = sections
  }

  /// A query of one part.
  public init(part: Part) { self.init(root: .part(part)) }

  /// Whether some node compares table numbers.
  var comparesNumbers: Bool {
    func visit(_ node: Node) -> Bool {
      switch node {
      case .condition: true
      case .and(let nodes), .or(let nodes): nodes.contains(where: visit)
      case .not(let inner): visit(inner)
      case .part, .year, .agency, .region, .sections: false
      }
    }
    return root.map(visit) ?? false
  }

  /// The parts that can produce hits (not under a NOT), in query order.
  var positiveParts: [Part] {
    var parts: [Part] = []
    func visit(_ node: Node, negated: Bool) {
      switch node {
      case .part(let part): if !negated && !parts.contains(part) { parts.append(part) }
      case .and(let nodes), .or(let nodes): nodes.forEach { visit($0, negated: negated) }
      case .not(let inner): visit(inner, negated: !negated)
      case .year, .agency, .region, .sections, .condition: break
      }
    }
    if let root { visit(root, negated: false) }
    return parts
  }

  /// Every part, negated or not.
  var allParts: [Part] {
    var parts: [Part] = []
    func visit(_ node: Node) {
      switch node {
      case .part(let part): if !parts.contains(part) { parts.append(part) }
      case .and(let nodes), .or(let nodes): nodes.forEach(visit)
      case .not(let inner): visit(inner)
      case .year, .agency, .region, .sections, .condition: break
      }
    }
    if let root { visit(root) }
    return parts
  }

  /// Canonical form: `(行政处罚 AND NOT 信息处理费)`, parts quoted, filters as written.
  public var description: String {
    func render(_ node: Node) -> String {
      switch node {
      case .part(let part): return (part.field.map { "\($0.name):" } ?? "") + "\"\(part.normalized)\""
      case .year(let range): return range.count == 1 ? "year:\(range.lowerBound)" : "year:\(range.lowerBound)..\(range.upperBound)"
      case .agency(let text): return "agency:\(text)"
      case .region(let text): return "region:\(text)"
      case .and(let nodes): return "(" + nodes.map(render).joined(separator: " AND ") + ")"
      case .or(let nodes): return "(" + nodes.map(render).joined(separator: " OR ") + ")"
      case .not(let inner): return "NOT " + render(inner)
      case .sections(let numbers): return "section:" + numbers.sorted().map { Section.numerals[$0] }.joined(separator: ",")
      case .condition(let subject, let comparison, let value):
        return subject + comparison.rawValue + (value == value.rounded() ? String(Int64(value)) : String(value))
      }
    }
    var pieces: [String] = []
    if let root { pieces.append(render(root)) }
    if let sections { pieces.append("section:" + sections.sorted().map { Section.numerals[$0] }.joined(separator: ",")) }
    return pieces.joined(separator: " ")
  }
}
