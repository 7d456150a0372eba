import XCTest

@testable import DisclosureSearch

final class ReportParserTests: XCTestCase {
  let text = """
    某市某局2023年政府信息公开
    工作年度报告

    一、总体情况
    本年度本机关依法公开政府信息。
    二、主动公开政府信息情况
    第二十条第(六)项 ||||
    信息内容 | 本年处理决定数量 |||
    行政处罚 | 1,234 |||
    自定义统计项 | 7 |||
    三、收到和处理政府信息公开申请情况
    一、本年新收政府信息公开申请数量 ||| 1 | 0 | 0 | 0 | 0 | 0 | 1 |
    四、结转下年度继续办理 ||| 0 | 0 | 0 | 0 | 0 | 0 | 0 |
    四、政府信息公开行政复议、行政诉讼情况
    0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
    五、存在的主要问题及改进情况
    无。
    六、其他需要报告的事项
    无。
    """

  func testStructureTitleAndRows() {
    let report = ReportParser().parse(text)
    XCTAssertEqual(report.title, "某市某局2023年政府信息公开工作年度报告", "a title broken over two lines is joined")
    XCTAssertEqual(report.agency, "某市某局")
    XCTAssertEqual(report.region, "某市")
    XCTAssertEqual(report.year, 2023)
    XCTAssertEqual(report.template, "2021")
    XCTAssertEqual(report.sections.map(\.number), [0, 1, 2, 3, 4, 5, 6], "table 三's 一、… 四、 rows are not headings")
    XCTAssertEqual(report.sections.map(\.startLine), [1, 4, 6, 11, 14, 16, 18])
    let rows = report.sections.flatMap(\.rows)
    XCTAssertEqual(rows.map(\.label), ["行政处罚", "自定义统计项", "一、本年新收政府信息公开申请数量", "四、结转下年度继续办理", ""])
    XCTAssertEqual(rows.map(\.fitsTemplate), [true, false, true, true, true])
    XCTAssertEqual(rows[0].table, "第二十条第（六）项")
    XCTAssertEqual(rows[0].cells.map(\.text), ["1,234"])
    XCTAssertEqual(rows[0].cells.map(\.value), [1234])
    XCTAssertEqual(rows[4].cells.count, 15)
    XCTAssertEqual(rows[4].cells.last?.header, "行政诉讼/复议后起诉/总计")
  }

  func testPageChromeAfterTheLastSectionIsDropped() {
    let page = text + """

      本机关在网站地图栏目公开了年报。
      相关链接：
      網站地圖 | 聯繫我們 | 網站聲明
      版权所有 技术支持：信息中心 京ICP备12345号
      【打印本页】 【关闭窗口】

      """
    let last = ReportParser().parse(page).sections.last
    XCTAssertEqual(last?.number, 6)
    XCTAssertTrue(last?.text.contains("本机关在网站地图栏目公开了年报。") ?? false, "a sentence that names chrome is text")
    for chrome in ["相关链接", "網站地圖", "版权所有", "关闭窗口"] { XCTAssertFalse(last?.text.contains(chrome) ?? true, chrome) }
  }

  /// A label broken over lines is joined from the trailing fragments, and prose that ends a
  /// row in text ("2023 年度…") drops the fragments before it.
  func testLabelFragmentsJoinAndProseDropsThem() {
    var assembler = TableAssembler(section: 2, normalizer: Normalizer())
    let rows = assembler.rows(from: [
      ["行政"], ["2023", "年度报告"], ["行政许可", "1", "2", "3"],
      ["规范", "性"], ["文件", "4", "+1", "5"],
      ["其他对外管理服务事项"], ["行政事业性", "收费", "6"],
    ])
    XCTAssertEqual(rows.map(\.label), ["行政许可", "规范性文件", "行政事业性收费"])
    XCTAssertEqual(rows.map(\.labelAsWritten), ["行政许可", "规范性文件", "行政事业性收费"])
    XCTAssertEqual(rows.map { $0.cells.map(\.value) }, [[1, 2, 3], [4, 1, 5], [6]])
  }

  func testCellNumbersAndYears() {
    let normalizer = Normalizer()
    func number(_ cell: String) -> Double? { TableAssembler.number(key: TableAssembler.key(cell, normalizer)) }
    let numbers: [String: Double] = ["550": 550, "+374": 374, "-2": -2, "1,234": 1234, "76.786078": 76.786078, "２０": 20, " 0 ": 0, "1,234.5": 1234.5, "12345678901234567": 12_345_678_901_234_567]
    for (cell, value) in numbers { XCTAssertEqual(number(cell), value, cell) }
    for cell in ["", "+", "-", ".5", "5.", "1.2.3", "12a", "1-2", "—", "无", "2021年"] {
      XCTAssertNil(number(cell), cell)
    }
    let years = ["张店区交通运输局2020年政府信息公开工作年度报告": "2020年", "二〇二一年度XX局报告": "二〇二一年度", "第12021年": "2021年", "无年份": nil]
    for (title, year) in years { XCTAssertEqual(ReportParser.yearRange(in: title).map { String(title[$0]) }, year, title) }
  }

  func testTextWithoutSectionsIsOneUntitledSection() {
    let report = ReportParser().parse("会议通知：请各单位参加培训。\n")
    XCTAssertEqual(report.sections.map(\.number), [0])
    XCTAssertTrue(report.warnings.contains { $0.contains("indexed as one untitled section") })
  }

  /// Label keys are remembered per normalizer, up to a bound, and a remembered key is the
  /// one folding gives.
  func testLabelKeysAreRememberedWithinABound() {
    let normalizer = Normalizer()
    XCTAssertEqual(TableAssembler.key("（一）予以 公開", normalizer), "(一)予以公开")
    XCTAssertEqual(TableAssembler.key("（一）予以 公開", normalizer), "(一)予以公开")
    XCTAssertEqual(TableAssembler.key("反覆", normalizer), "反复")
    XCTAssertEqual(TableAssembler.key("12 345", normalizer), "12345")
    for number in 0..<(Normalizer.labelKeyLimit + 10) {
      XCTAssertEqual(TableAssembler.key("标签\(number)", normalizer), "标签\(number)")
      XCTAssertLessThanOrEqual(normalizer.labelKeys.count, Normalizer.labelKeyLimit)
    }
  }

  func testYearInFoldedTitle() {
    let years: [String: Int?] = [
      "张店区交通运输局2020年政府信息公开工作年度报告": 2020, "二〇二一年度xx局报告": 2021, "2019年报告": 2019, "第12021年": nil,
      "十2020年": nil, "1989年": nil, "２０２２年": nil, "无年份": nil, "2023": nil,
    ]
    for (title, year) in years { XCTAssertEqual(ReportParser.year(inFoldedTitle: title), year, title) }
  }

  /// Lines are cut and trimmed in their bytes as they would be scalar by scalar.
  func testByteSplittingMatchesScalarSplitting() {
    let pieces = ["行政处罚", "1,234", "a", "𠀀", "（一）", "|", "||", " ", "\t", "\u{3000}", "\u{A0}", "\u{2028}", "\u{85}", "\u{200A}", "é", ""]
    var generator = SeededGenerator(seed: 7)
    func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }
    func trimmed(_ text: Substring) -> String {
      let scalars = text.unicodeScalars
      guard let start = scalars.firstIndex(where: { !isSpace($0) }), let end = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
      return String(scalars[start...end])
    }
    for _ in 0..<3000 {
      let line = Substring((0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
      XCTAssertEqual(line.trimmingCharacters(), trimmed(line), line.debugDescription)
      XCTAssertEqual(Layout.spaceCells(line), line.unicodeScalars.split(whereSeparator: isSpace).map { String($0) }, line.debugDescription)
      var bytes = line
      let pipeCells = bytes.withUTF8 { Layout.cells(of: $0, separatedBy: UInt8(ascii: "|")) }
      XCTAssertEqual(pipeCells, line.split(separator: "|", omittingEmptySubsequences: false).map(trimmed).filter { !$0.isEmpty }, line.debugDescription)
      let scalars = line.unicodeScalars
      let expected = scalars.firstIndex { !isSpace($0) }.flatMap { lead in
        scalars.index(after: lead) < scalars.endIndex ? (scalars[lead], scalars[scalars.index(after: lead)]) : nil
      }
      let found = bytes.withUTF8(Layout.firstTwoScalars)
      XCTAssertTrue(found?.0 == expected?.0 && found?.1 == expected?.1, line.debugDescription)
    }
  }

  /// The listed White_Space scalars are exactly Unicode's.
  func testSpacesAreUnicodeWhiteSpace() {
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      XCTAssertEqual(Layout.isSpace(scalar), scalar.properties.isWhitespace, "U+\(String(value, radix: 16))")
    }
  }
}
