/// What the two official templates (2019 trial format, 2021 format) fix: section headings,
/// table captions, row labels with their parent groups, and column headers. The parser
/// matches what it reads against these, after folding (`ReportTemplate.key`), so that
/// "(一)予以公开", "（一）予以公开" and "（一）予以公開" are the same row.
enum ReportTemplate {
  struct RowPlace {
    let section: Int
    let table: String
    let label: String
    let group: [String]
  }

  static let applicationsTable = "收到和处理政府信息公开申请情况"
  static let reviewTable = "政府信息公开行政复议、行政诉讼情况"

  /// Keywords (folded) that a heading of section n must contain, index n - 1.
  static let headingKeywords: [[String]] = [
    ["总体情况", "概述"],
    ["主动公开"],
    ["收到和处理", "依申请"],
    ["复议", "诉讼"],
    ["问题", "改进"],
    ["其他需要报告", "其他事项"],
  ]

  static let activeDisclosureLabels = [
    "规章", "规范性文件", "行政规范性文件", "行政许可", "其他对外管理服务事项", "行政处罚", "行政强制",
    "行政事业性收费", "政府集中采购",
  ]

  static let activeDisclosureHeaders = [
    "本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "处理决定数量",
    "采购项目数量", "采购总金额", "本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量",
    "本年收费金额（单位：万元）",
  ]

  /// Headers that only the 2019 (trial) template uses, and only the 2021 template.
  static let headers2019 = ["本年新制作数量", "上一年项目数量", "处理决定数量", "采购项目数量"]
  static let headers2021 = ["本年制发件数", "本年处理决定数量", "本年收费金额（单位：万元）"]

  /// Every row label of both templates, in the templates' wording.
  static let allLabels: Set<String> = Set(activeDisclosureLabels + applicationRows.map(\.label))

  static let applicantColumns = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]

  static let reviewColumns: [String] = {
    let results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return results.map { "行政复议/\($0)" } + results.map { "行政诉讼/未经复议直接起诉/\($0)" }
      + results.map { "行政诉讼/复议后起诉/\($0)" }
  }()

  static let applicationRows: [RowPlace] = {
    let outcome = "三、本年度办理结果"
    var rows: [RowPlace] = []
    func add(_ label: String, _ group: [String]) {
      rows.append(RowPlace(section: 3, table: applicationsTable, label: label, group: group))
    }
    add("一、本年新收政府信息公开申请数量", [])
    add("二、上年结转政府信息公开申请数量", [])
    add("（一）予以公开", [outcome])
    add("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", [outcome])
    let subItems: [(String, [String])] = [
      ("（三）不予公开", [
        "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
        "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项",
      ]),
      ("（四）无法提供", ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]),
      ("（五）不予处理", [
        "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
        "5.要求行政机关确认或重新出具已获取信息",
      ]),
      ("（六）其他处理", [
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他",
      ]),
    ]
    for (category, items) in subItems {
      for item in items { add(item, [outcome, category]) }
    }
    add("（六）其他处理", [outcome])  // 2019: one row without sub-items
    add("（七）总计", [outcome])
    add("四、结转下年度继续办理", [])
    return rows
  }()
}
