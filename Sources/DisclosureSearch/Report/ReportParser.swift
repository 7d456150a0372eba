import Foundation

/// Turns decoded report text into a `Report`: title, agency, year, the sections 一 to 六
/// and the rows of their tables.
///
/// Text reports come in three layouts (see REPORT-FORMAT.md §7): Word exports with one table
/// cell per TAB-led line, scraped pages with cells joined by `|`, and PDF text with cells
/// separated by spaces. Headings are recognised by numeral *and* keyword, so table 三's rows
/// "一、本年新收…" … "四、结转下年度继续办理" never cut a section.
struct ReportParser {
  private let normalizer: Normalizer

  /// A parser; not thread-safe (it caches folded characters), so use one per thread.
  init() { normalizer = Normalizer() }

  init(normalizer: Normalizer) { self.normalizer = normalizer }

  /// Parses one report's text. Never fails: what cannot be recognised is kept as text and
  /// reported in `Report.warnings`.
  func parse(_ text: String) -> Report {
    let lines = text.lines
    let layout = Layout.detect(lines)
    let headings = findHeadings(lines)
    var warnings: [String] = []
    var sections: [Section] = []
    // Byte offset of each line start, to slice section text out of `text`.
    var lineStarts: [String.Index] = []
    lineStarts.reserveCapacity(lines.count + 1)
    for line in lines { lineStarts.append(line.startIndex) }
    lineStarts.append(text.endIndex)

    let firstHeading = headings.first?.line ?? lines.count
    if firstHeading > 0 {
      let preamble = text[lineStarts[0]..<lineStarts[firstHeading]]
      if !preamble.allSatisfy(\.isWhitespace) {
        sections.append(Section(number: 0, heading: "", text: String(preamble), startLine: 1, rows: []))
      }
    }
    // Page chrome that scraped text carries after the report (打印本页, 网站地图, 版权所有 …)
    // belongs to no section.
    var contentEnd = lines.count
    while contentEnd > (headings.last?.line ?? 0) + 1, isTrailingChrome(lines[contentEnd - 1]) { contentEnd -= 1 }
    for (index, heading) in headings.enumerated() {
      let end = index + 1 < headings.count ? headings[index + 1].line : contentEnd
      let body = lines[(heading.line + 1)..<end]
      var rows: [TableRow] = []
      if (2...4).contains(heading.number) {
        var assembler = TableAssembler(section: heading.number, normalizer: normalizer)
        rows = assembler.rows(from: layout.logicalRows(body))
      }
      sections.append(
        Section(
          number: heading.number, heading: heading.text,
          text: String(text[lineStarts[heading.line]..<lineStarts[end]]),
          startLine: heading.line + 1, rows: rows))
    }
    if headings.isEmpty {
      warnings.append("no numbered sections (一、总体情况 …) found: indexed as one untitled section")
    } else if headings.count < 6 {
      let found = Set(headings.map(\.number))
      let missing = (1...6).filter { !found.contains($0) }.map { Section.numerals[$0] }
      warnings.append("sections not found: \(missing.joined(separator: " "))")
    }
    let title = findTitle(lines[0..<firstHeading])
    if title.isEmpty { warnings.append("no title line found") }
    let folded = normalizer.normalize(title)
    let year = Self.year(inFoldedTitle: folded)
    let metadata = pageMetadata(lines[0..<firstHeading])
    let agency = Self.agency(inFoldedTitle: folded)
    return Report(
      title: title, agency: agency, region: (agency ?? metadata.publisher).flatMap(Self.region(inAgency:)), year: year,
      template: template(sections: sections, year: year), publisher: metadata.publisher, published: metadata.published,
      sections: sections, warnings: warnings)
  }

  // MARK: Headings

  struct Heading {
    let line: Int
    let number: Int
    let text: String
  }

  private func findHeadings(_ lines: [Substring]) -> [Heading] {
    var headings: [Heading] = []
    for (index, line) in lines.enumerated() {
      guard let number = headingNumber(line), number > (headings.last?.number ?? 0) else { continue }
      headings.append(Heading(line: index, number: number, text: line.trimmingCharacters()))
    }
    return headings
  }

  /// The section number if `line` is a section heading ("二、主动公开政府信息情况").
  func headingNumber(_ line: Substring) -> Int? {
    // Most lines fail on their first letter or the one after it (table values start with
    // digits): check those, read from the bytes, before anything that walks the line.
    var bytes = line
    guard line.utf8.first != 0x09, let (lead, next) = bytes.withUTF8(Layout.firstTwoScalars) else { return nil }
    switch lead {
    case "一", "二", "三", "四", "五", "六", "1"..."6": break
    default: return nil
    }
    switch next {
    case "、", "．", ".", "，": break
    default: return nil
    }
    guard line.utf8.count <= 160, !line.containsBytes("|") else { return nil }
    let trimmed = line.trimmingCharacters()
    let length = trimmed.count
    guard length >= 3, length <= 40, let first = trimmed.first else { return nil }
    let numerals: [Character] = ["一", "二", "三", "四", "五", "六"]
    let number: Int
    if let index = numerals.firstIndex(of: first) {
      number = index + 1
    } else if let digit = first.wholeNumberValue, (1...6).contains(digit) {
      number = digit
    } else {
      return nil
    }
    let separator = trimmed[trimmed.index(after: trimmed.startIndex)]
    guard "、．.，".contains(separator) else { return nil }
    let rest = normalizer.normalize(String(trimmed.dropFirst(2)))
    guard ReportTemplate.headingKeywords[number - 1].contains(where: { rest.containsBytes($0) }) else { return nil }
    return number
  }

  /// Words of the links and notices that portals print under every page.
  static let chromeWords = [
    "打印本页", "关闭窗口", "扫一扫", "网站地图", "联系我们", "网站声明", "相关链接", "版权所有", "技术支持", "网站标识码",
    "主办单位", "隐私声明", "关于我们", "ICP备", "公网安备", "【打印】", "【关闭】",
  ]
  /// The same, as they are found in folded text.
  private static let foldedChromeWords = chromeWords.map { $0.lowercased() }

  /// A blank line, or a short line without a sentence that names page chrome (in 简体 or 繁體).
  func isTrailingChrome(_ line: Substring) -> Bool {
    let trimmed = line.trimmingCharacters()
    if trimmed.isEmpty { return true }
    guard trimmed.utf8.count <= 120 else { return false }
    let folded = normalizer.normalize(trimmed)
    return !folded.containsBytes("。") && Self.foldedChromeWords.contains { folded.containsBytes($0) }
  }

  // MARK: Title and metadata

  private func findTitle(_ lines: ArraySlice<Substring>) -> String {
    let candidates = lines.map { $0.trimmingCharacters() }.filter { !$0.isEmpty && !$0.containsBytes("|") }
    for (index, line) in candidates.enumerated() {
      let folded = normalizer.normalize(line)
      guard folded.count <= 60, folded.containsBytes("报告") || folded.containsBytes("年报") || folded.hasSuffix("政府信息公开"),
        !folded.hasPrefix("本报告"), !folded.hasPrefix("现将"), !folded.hasPrefix("根据"), !folded.contains("。")
      else { continue }
      var title = line
      let ends = folded.hasSuffix("报告") || folded.hasSuffix("年报")
      if !ends, index + 1 < candidates.count {
        let next = normalizer.normalize(candidates[index + 1])
        if next.count <= 20, next.hasSuffix("报告") || next.hasSuffix("年报") {
          title += candidates[index + 1]
        }
      }
      // PDF text breaks "agency / 2023年…报告": a short line before one that starts with the year.
      if folded.first?.isNumber == true, index > 0 {
        let previous = candidates[index - 1]
        if previous.count <= 30, !previous.contains(where: { "，。：:,".contains($0) }) {
          title = previous + title
        }
      }
      return title
    }
    return ""
  }

  /// A Chinese numeral as the digit it stands for; any other scalar as itself.
  private static func digit(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    switch scalar {
    case "〇", "零": "0"
    case "一": "1"
    case "二": "2"
    case "三": "3"
    case "四": "4"
    case "五": "5"
    case "六": "6"
    case "七": "7"
    case "八": "8"
    case "九": "9"
    default: scalar
    }
  }

  /// The year in a folded title: "…2020年…" or "二〇二〇年".
  static func year(inFoldedTitle title: String) -> Int? {
    let scalars = title.unicodeScalars.map(digit)
    var index = 0
    while index + 4 < scalars.count {
      let window = scalars[index..<index + 4]
      if window.allSatisfy({ ("0"..."9").contains($0) }), scalars[index + 4] == "年",
        index == 0 || scalars[index - 1].properties.numericType == nil,
        let year = Int(String(String.UnicodeScalarView(window))), (1990...2100).contains(year)
      {
        return year
      }
      index += 1
    }
    return nil
  }

  /// The first "2021年", "2021年度" or "二〇二一年" in `title`: four decimal digits or four
  /// Chinese numerals, then 年 and an optional 度.
  static func yearRange(in title: String) -> Range<String.Index>? {
    let scalars = title.unicodeScalars
    let numerals: Set<Unicode.Scalar> = ["〇", "零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
    var window: [(index: String.Index, scalar: Unicode.Scalar)] = []
    for index in scalars.indices {
      let scalar = scalars[index]
      if scalar == "年", window.count == 4,
        window.allSatisfy({ $0.scalar.properties.numericType == .decimal }) || window.allSatisfy({ numerals.contains($0.scalar) })
      {
        var end = scalars.index(after: index)
        if end < scalars.endIndex && scalars[end] == "度" { end = scalars.index(after: end) }
        return window[0].index..<end
      }
      window.append((index, scalar))
      if window.count > 4 { window.removeFirst() }
    }
    return nil
  }

  /// The agency in a folded title: the text before the year, or after it when the title
  /// starts with the year ("2023年XX局政府信息公开…").
  static func agency(inFoldedTitle title: String) -> String? {
    guard let yearRange = yearRange(in: title) else { return nil }
    var agency = title[..<yearRange.lowerBound]
    if agency.isEmpty {
      let rest = title[yearRange.upperBound...]
      agency = rest.firstByteRange(of: "政府信息公开").map { rest[..<$0.lowerBound] } ?? ""
    }
    let trimmed = agency.trimmingCharacters()
    return trimmed.isEmpty ? nil : trimmed
  }

  /// 发布机构 and 发文日期 (or 成文日期, 发布日期) from a page's metadata block, flattened to
  /// `label | value | label | value` lines before section 一.
  private func pageMetadata(_ lines: ArraySlice<Substring>) -> (publisher: String?, published: String?) {
    var publisher: String?
    var published: String?
    for line in lines where line.containsBytes("|") {
      let cells = line.cells(separatedBy: 0x7C).map { $0.trimmingCharacters() }
      for (index, cell) in cells.enumerated() where index + 1 < cells.count {
        let label = cell.trimmingCharacters(in: "：:")
        let value = cells[index + 1]
        guard !value.isEmpty else { continue }
        if label == "发布机构" || label == "發布機構" { publisher = publisher ?? value }
        if ["发文日期", "成文日期", "发布日期", "發文日期"].contains(label) { published = published ?? value }
      }
    }
    return (publisher, published)
  }

  /// Words that start the department part of an agency name (what follows the place names).
  static let departmentWords = [
    "人民政府", "办事处", "市场监督", "城市管理", "发展和改革", "教育", "财政", "应急管理", "司法", "统计", "生态环境",
    "文化和旅游", "文化广电", "农业农村", "住房和城乡", "自然资源", "交通运输", "公安", "审计", "水利", "水务", "民政", "商务",
    "卫生健康", "医疗保障", "人力资源", "林业", "税务", "退役军人", "信访", "体育", "科学技术", "工业和信息化", "残疾人",
    "档案", "供销", "气象", "地震", "行政审批", "政务服务", "综合执法", "机关事务", "国有资产", "粮食", "委员会", "办公室",
    "管理局",
  ]

  /// The place names at the start of an agency name ("淄博市张店区交通运输局" → "淄博市张店区"):
  /// the text before the first department word, up to its last 省 市 县 区 州 盟 旗 镇 乡 or
  /// 街道. Nil when there is none (not guessed).
  static func region(inAgency agency: String) -> String? {
    var cut = agency.endIndex
    for word in departmentWords {
      if let range = agency.firstByteRange(of: word), range.lowerBound < cut { cut = range.lowerBound }
    }
    let prefix = agency[..<cut]
    if prefix.hasSuffix("街道") { return String(prefix) }
    guard let last = prefix.lastIndex(where: { "省市县区州盟旗镇乡".contains($0) }) else { return nil }
    let region = prefix[...last]
    return region.isEmpty ? nil : String(region)
  }

  private func template(sections: [Section], year: Int?) -> String? {
    // Rows of one table share their headers: look at each run of them once.
    var has2019Header = false
    var previous: [Cell] = []
    for row in sections.lazy.flatMap(\.rows) where !row.cells.elementsEqual(previous, by: { $0.header == $1.header }) {
      previous = row.cells
      for cell in row.cells {
        if ReportTemplate.headers2021.contains(cell.header) { return "2021" }
        if ReportTemplate.headers2019.contains(cell.header) { has2019Header = true }
      }
    }
    if has2019Header { return "2019" }
    guard let year else { return nil }
    return year >= 2021 ? "2021" : "2019"
  }
}

extension Substring {
  /// Trims spaces of every kind (ASCII, U+3000, U+00A0, tabs) from both ends.
  func trimmingCharacters() -> String {
    var text = self
    return text.withUTF8 { bytes in
      String(decoding: UnsafeBufferPointer(rebasing: bytes[Layout.trimmedRange(bytes)]), as: UTF8.self)
    }
  }
}

extension String {
  /// Trims spaces of every kind (ASCII, U+3000, U+00A0, tabs) from both ends.
  func trimmingCharacters() -> String { self[...].trimmingCharacters() }
}
