/// Checks a report's tables against the rules the templates themselves state
/// (REPORT-FORMAT.md §5, rules 1–4). Habits that are not rules (上一年项目数量 + 本年增/减 =
/// 处理决定数量) are not checked. A rule is checked only when every number it needs is present.
enum TableAudit {
  static let applicants = Array(ReportTemplate.applicantColumns.dropLast())
  static let total = "总计"

  static func problems(path: String, rows: [TableRow]) -> [AuditProblem] {
    var problems: [AuditProblem] = []
    let application = rows.filter { $0.table == ReportTemplate.applicationsTable }
    func row(_ label: String) -> TableRow? { application.first { $0.label == label } }
    func value(_ row: TableRow?, _ column: String) -> Double? {
      row?.cells.first { $0.header == column }?.value
    }
    func same(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-6 }
    func format(_ value: Double) -> String {
      value == value.rounded() ? String(Int64(value)) : String(value)
    }
    /// Rules 2–4: when every part and the total are present, the parts must add up to it.
    func checkSum(_ parts: [Double?], _ total: Double?, rule: String, detail: (Double, Double) -> String) {
      guard let total, parts.allSatisfy({ $0 != nil }) else { return }
      let sum = parts.reduce(0) { $0 + ($1 ?? 0) }
      if !same(sum, total) { problems.append(AuditProblem(path: path, rule: rule, detail: detail(sum, total))) }
    }

    // Rule 1: 一 + 二 = 三（七）总计 + 四, every column.
    let newRequests = row("一、本年新收政府信息公开申请数量")
    let carriedIn = row("二、上年结转政府信息公开申请数量")
    let grandTotal = row("（七）总计")
    let carriedOut = row("四、结转下年度继续办理")
    for column in ReportTemplate.applicantColumns {
      guard let a = value(newRequests, column), let b = value(carriedIn, column), let c = value(grandTotal, column),
        let d = value(carriedOut, column)
      else { continue }
      if !same(a + b, c + d) {
        problems.append(
          AuditProblem(
            path: path, rule: "三: 一+二 = 三(七)+四",
            detail: "\(column): \(format(a)) + \(format(b)) = \(format(a + b)) but \(format(c)) + \(format(d)) = \(format(c + d))"))
      }
    }

    // Rule 2: （七）总计 = the sum of the outcome rows (2019: （六）其他处理 is one row; 2021: its
    // three sub-items), every column.
    let outcomes = application.filter { $0.group.first == "三、本年度办理结果" && $0.label != "（七）总计" }
    if grandTotal != nil, !outcomes.isEmpty {
      for column in ReportTemplate.applicantColumns {
        checkSum(outcomes.map { value($0, column) }, value(grandTotal, column), rule: "三: (七)总计 = sum of outcomes") {
          "\(column): outcomes add up to \(format($0)) but （七）总计 is \(format($1))"
        }
      }
    }

    // Rule 3: each row's 总计 = the sum of its applicant columns.
    for row in application {
      checkSum(applicants.map { value(row, $0) }, value(row, total), rule: "三: row 总计 = sum of applicants") {
        "\(row.label): applicants add up to \(format($0)) but 总计 is \(format($1))"
      }
    }

    // Rule 4: table 四, each 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结.
    for review in rows where review.table == ReportTemplate.reviewTable {
      for group in ["行政复议", "行政诉讼/未经复议直接起诉", "行政诉讼/复议后起诉"] {
        let parts = ["结果维持", "结果纠正", "其他结果", "尚未审结"].map { value(review, "\(group)/\($0)") }
        checkSum(parts, value(review, "\(group)/总计"), rule: "四: 总计 = sum of results") {
          "\(group): results add up to \(format($0)) but 总计 is \(format($1))"
        }
      }
    }
    return problems
  }
}
