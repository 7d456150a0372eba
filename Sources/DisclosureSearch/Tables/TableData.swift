import Foundation

/// One table row of one report, for `dsearch rows` and `dsearch stats`.
public struct ReportRow: Sendable, Codable, Equatable {
  /// The report file, relative to the corpus root.
  public var path: String
  /// The issuing agency.
  public var agency: String?
  /// The year the report covers.
  public var year: Int?
  /// The region, when known.
  public var region: String?
  /// The row label in the template's wording.
  public var label: String
  /// Cell text as written, in column order.
  public var cells: OrderedCells
  /// Parsed numbers in column order (nil for placeholders and text that is not a number).
  public var values: [(header: String, value: Double?)]

  /// Rows are equal when path, label and cells are.
  public static func == (lhs: ReportRow, rhs: ReportRow) -> Bool {
    lhs.path == rhs.path && lhs.label == rhs.label && lhs.cells == rhs.cells
  }

  enum CodingKeys: String, CodingKey { case path, agency, year, region, label, cells, values }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(path, forKey: .path)
    try container.encode(agency, forKey: .agency)
    try container.encode(year, forKey: .year)
    try container.encode(region, forKey: .region)
    try container.encode(label, forKey: .label)
    try container.encode(cells, forKey: .cells)
    try container.encode(NumberCells(values), forKey: .values)
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    path = try container.decode(String.self, forKey: .path)
    agency = try container.decodeIfPresent(String.self, forKey: .agency)
    year = try container.decodeIfPresent(Int.self, forKey: .year)
    region = try container.decodeIfPresent(String.self, forKey: .region)
    label = try container.decode(String.self, forKey: .label)
    cells = try container.decode(OrderedCells.self, forKey: .cells)
    values = try container.decode(NumberCells.self, forKey: .values).pairs
  }

  init(path: String, report: StoredReport, row: TableRow) {
    self.path = path
    agency = report.agency
    year = report.year
    region = report.region
    label = row.label
    cells = OrderedCells(row.cells.map { ($0.header, $0.text) })
    values = row.cells.map { ($0.header, $0.value) }
  }
}

/// Column header → number (or null), keeping column order.
public struct NumberCells: Sendable, Codable {
  /// (header, number) pairs in column order.
  public var pairs: [(header: String, value: Double?)]

  /// Numbers from (header, value) pairs in column order.
  public init(_ pairs: [(header: String, value: Double?)]) { self.pairs = pairs }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: OrderedCells.Key.self)
    for pair in pairs { try container.encode(pair.value, forKey: OrderedCells.Key(stringValue: pair.header)) }
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: OrderedCells.Key.self)
    pairs = try container.allKeys.map { ($0.stringValue, try container.decodeIfPresent(Double.self, forKey: $0)) }
  }
}

/// Sums of a row over groups of reports (`dsearch stats`).
public struct RowStatistics: Sendable, Codable {
  public struct Group: Sendable, Codable {
    /// The year, agency or region the group is about ("" when unknown).
    public var key: String
    /// Reports in the group.
    public var reports: Int
    /// Per column: the sum of the numbers (placeholders count as nothing).
    public var sums: NumberCells
  }

  /// The row label summed.
  public var label: String
  /// "year", "agency" or "region".
  public var by: String
  /// Groups sorted by key.
  public var groups: [Group]

  /// Groups `rows` by `key` ("year", "agency" or "region") and sums each column.
  public init(label: String, by key: String, rows: [ReportRow]) {
    self.label = label
    by = key
    var order: [String] = []
    var grouped: [String: (reports: Set<String>, headers: [String], sums: [String: Double])] = [:]
    for row in rows {
      let groupKey: String
      switch key {
      case "year": groupKey = row.year.map(String.init) ?? ""
      case "region": groupKey = row.region ?? ""
      default: groupKey = row.agency ?? ""
      }
      if grouped[groupKey] == nil {
        order.append(groupKey)
        grouped[groupKey] = ([], [], [:])
      }
      grouped[groupKey]?.reports.insert(row.path)
      for (header, value) in row.values {
        if grouped[groupKey]?.sums[header] == nil { grouped[groupKey]?.headers.append(header) }
        grouped[groupKey]?.sums[header, default: 0] += value ?? 0
      }
    }
    groups = order.sorted().compactMap { key in
      guard let group = grouped[key] else { return nil }
      return Group(key: key, reports: group.reports.count, sums: NumberCells(group.headers.map { ($0, group.sums[$0]) }))
    }
  }
}

/// A broken consistency rule of a report's tables (`dsearch audit`).
public struct AuditProblem: Sendable, Codable, Equatable {
  /// The report file, relative to the corpus root.
  public var path: String
  /// Which rule: "三: 一+二 = 三(七)+四", "三: (七)总计 = sum of outcomes", "三: row 总计 = sum of applicants",
  /// "四: 总计 = sum of results".
  public var rule: String
  /// The row or column and the numbers that disagree.
  public var detail: String
}

/// The result of `dsearch audit`.
public struct AuditResult: Sendable, Codable {
  /// Reports whose tables were checked.
  public var checked: Int
  /// Every broken rule, by report path.
  public var problems: [AuditProblem]
}
