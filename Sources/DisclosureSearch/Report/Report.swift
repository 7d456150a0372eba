/// One annual report on government information disclosure, as parsed from its file.
public struct Report: Sendable, Codable, Equatable {
  /// The title line(s), joined ("张店区交通运输局2020年政府信息公开工作年度报告"); empty if none found.
  public var title: String
  /// The issuing agency as written in the title ("张店区交通运输局"), or nil.
  public var agency: String?
  /// The place names that open the agency name ("淄博市张店区"), when there are any.
  public var region: String?
  /// The year the report covers (the title year), or nil.
  public var year: Int?
  /// The official template: "2019" (trial format) or "2021", or nil when unknown.
  public var template: String?
  /// 发布机构 from a web page's metadata block, when there is one.
  public var publisher: String?
  /// 发文日期 (or 成文日期, 发布日期) from a web page's metadata block, as written.
  public var published: String?
  /// Sections in document order. Number 0 is the text before section 一 (title, preamble).
  public var sections: [Section]
  /// Problems met while parsing, for the user (`dsearch show`).
  public var warnings: [String]
}

/// A numbered section (一 … 六) of a report, the unit of retrieval.
public struct Section: Sendable, Codable, Equatable {
  /// 1…6 for 一…六; 0 for the text before section 一 (or a file that is not a report).
  public var number: Int
  /// The heading line as written ("二、主动公开政府信息情况"); empty for number 0.
  public var heading: String
  /// The section's source text, heading line included.
  public var text: String
  /// The 1-based line of the source file where `text` starts.
  public var startLine: Int
  /// Table rows found in the section.
  public var rows: [TableRow]
  /// For a section read from a web page: the page's line number of each line of `text`.
  /// Empty when the lines of `text` are the file's lines from `startLine` on.
  public var sourceLines: [Int] = []

  /// The Chinese numeral of `number` ("二"), or "" for 0.
  public var numeral: String { Section.numerals[safe: number] ?? "" }
  static let numerals = ["", "一", "二", "三", "四", "五", "六"]
}

/// One table row: a label with its cells keyed by column header.
public struct TableRow: Sendable, Codable, Equatable {
  /// The table's caption ("第二十条第（六）项", "收到和处理政府信息公开申请情况").
  public var table: String
  /// The row label in the template's wording ("行政处罚", "（一）予以公开"), or the label as
  /// written when it matches no template row. Empty for the single row of table 四.
  public var label: String
  /// The label as written in the file (before folding to the template's wording).
  public var labelAsWritten: String
  /// The merged parent cells ("三、本年度办理结果", "（三）不予公开").
  public var group: [String]
  /// Cells in column order.
  public var cells: [Cell]

  /// Whether the row has a place in the official templates (a template label, or the single
  /// row of table 四); other rows are kept as written.
  public var fitsTemplate: Bool {
    label.isEmpty ? table == ReportTemplate.reviewTable : ReportTemplate.allLabels.contains(label)
  }
}

/// A table cell: its column header, its text as written and the number it holds.
public struct Cell: Sendable, Codable, Equatable {
  /// The column header ("处理决定数量"; "行政诉讼/复议后起诉/总计" for nested headers).
  public var header: String
  /// The cell text as written, trimmed ("+374", "1,234", "—").
  public var text: String
  /// The number, or nil for placeholders ("—", "/") and unparseable text.
  public var value: Double?
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
