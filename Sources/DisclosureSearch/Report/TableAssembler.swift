/// Assembles table rows from the logical rows of one section, whatever the layout.
///
/// A logical row is a list of cells: text cells first, then value cells (numbers or
/// placeholders). Text-only rows are captions ("第二十条第（六）项"), header rows
/// ("信息内容 | 上一年项目数量 | …") or fragments of a label broken over lines; they wait in
/// `pendingText`. A row ending in values takes as its label the shortest run of trailing
/// text fragments that is a template label, else its own text as written.
struct TableAssembler {
  let section: Int
  let normalizer: Normalizer
  private var caption: String
  private var headers: [String] = []
  /// Text cells waiting to be a label.
  private var pendingText: [FoldedCell] = []
  private var rows: [TableRow] = []
  private var pendingValues: [FoldedCell] = []
  /// `rows.count` before the last row with a label was emitted (to extend a wrapped row).
  private var lastRowCountBeforeWrap = -1
  private var expectedValueCount: Int { ReportTemplate.applicantColumns.count }

  init(section: Int, normalizer: Normalizer) {
    self.section = section
    self.normalizer = normalizer
    places = TemplateKeys.shared.places[section] ?? ByteStringMap()
    switch section {
    case 3: caption = ReportTemplate.applicationsTable
    case 4: caption = ReportTemplate.reviewTable
    default: caption = ""
    }
  }

  /// The template's labels of this section, and its table headers, by folded key.
  private let places: ByteStringMap<ReportTemplate.RowPlace>
  private let knownHeaders = TemplateKeys.shared.headers

  /// The template's labels and headers by folded key, computed once per process.
  struct TemplateKeys: Sendable {
    static let shared = TemplateKeys()
    let places: [Int: ByteStringMap<ReportTemplate.RowPlace>]
    let headers: [String: String]

    private init() {
      let normalizer = Normalizer()
      // By the bytes of the labels' keys (looked up for every row of every table: hashing
      // `String` keys cost more than folding them); a label the template has twice keeps its
      // first place.
      var places: [Int: ByteStringMap<ReportTemplate.RowPlace>] = [2: ByteStringMap(), 3: ByteStringMap()]
      func add(_ place: ReportTemplate.RowPlace, to section: Int) {
        var key = TableAssembler.key(place.label, normalizer)
        key.withUTF8 { bytes in
          let key = UnsafeRawBufferPointer(bytes)
          places[section]?.insert(key, hash: ByteStringTable.hash(key), value: place)
        }
      }
      for label in ReportTemplate.activeDisclosureLabels {
        add(ReportTemplate.RowPlace(section: 2, table: "", label: label, group: []), to: 2)
      }
      for place in ReportTemplate.applicationRows { add(place, to: 3) }
      self.places = places
      var headers: [String: String] = [:]
      for header in ReportTemplate.activeDisclosureHeaders { headers[TableAssembler.key(header, normalizer)] = header }
      self.headers = headers
    }
  }

  /// Folded form used to compare labels: NFKC, case folding, 简体, no spaces. 覆 becomes 复:
  /// labels write 反复 (ICU's character-level 繁→简 leaves 覆, also a simplified character).
  static func key(_ text: String, _ normalizer: Normalizer) -> String {
    // Most cells are numbers: ASCII without spaces is its own key.
    if text.utf8.allSatisfy({ $0 < 0x80 && !Layout.isSpace(Unicode.Scalar($0)) }) { return text }
    if normalizer.labelKeys.count >= Normalizer.labelKeyLimit { normalizer.labelKeys.removeAll() }
    var bytes = text
    return bytes.withUTF8 { bytes in
      normalizer.labelKeys.value(for: UnsafeRawBufferPointer(bytes)) { foldedKey(text, normalizer) }
    }
  }

  /// `key` of a text with more than ASCII.
  private static func foldedKey(_ text: String, _ normalizer: Normalizer) -> String {
    var key: [UInt8] = []
    key.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      if scalar.value < 0x80 {
        if !Layout.isSpace(scalar) { key.append(UInt8(scalar.value)) }
        continue
      }
      normalizer.foldEach(scalar) { folded in
        if !Layout.isSpace(folded) { UTF8.encode(folded == "覆" ? "复" : folded) { key.append($0) } }
      }
    }
    return String(decoding: key, as: UTF8.self)
  }


  mutating func rows(from logicalRows: [[String]]) -> [TableRow] {
    for cells in logicalRows { add(cells) }
    return rows
  }

  /// A cell folded once: its key decides whether it is a value, names its number and matches
  /// labels (a key is folded scalar by scalar, so fragments' keys join as they do).
  struct FoldedCell {
    let text: String
    let key: String
    /// The number, for a value cell.
    let value: Double?
    let isValue: Bool

    init(_ text: String, key: String) {
      (self.text, self.key) = (text, key)
      value = TableAssembler.number(key: key)
      // Labels are long and start with a letter; values are short.
      isValue = text.utf8.count <= 40 && (value != nil || (key.utf8.count <= 6 && TableAssembler.placeholders.contains(key)))
    }
  }

  private mutating func add(_ cells: [String]) {
    let folded = cells.map { FoldedCell($0, key: TableAssembler.key($0, normalizer)) }
    let firstValue = folded.firstIndex(where: \.isValue) ?? folded.endIndex
    // Values must end the row; text after a number is prose ("2023 年度…").
    guard folded[firstValue...].allSatisfy(\.isValue) else {
      pendingText = []
      return
    }
    let textCells = folded[..<firstValue]
    let values = folded[firstValue...]
    if values.isEmpty {
      addTextRow(textCells)
      return
    }
    if textCells.isEmpty, section == 3, let last = rows.last, rows.count == lastRowCountBeforeWrap + 1,
      last.cells.count < expectedValueCount, last.cells.count + values.count <= expectedValueCount + 1
    {
      // PDF text wraps a long row: its remaining values continue on the next line, and
      // when there is one value too many, the wrap split a number ("2" / "37" is 237).
      var joined = last.cells.map { FoldedCell($0.text, key: TableAssembler.key($0.text, normalizer)) }
      var continued = Array(values)
      if joined.count + continued.count > expectedValueCount, let tail = joined.last, let head = continued.first,
        (tail.text + head.text).allSatisfy(\.isNumber)
      {
        joined[joined.count - 1] = FoldedCell(tail.text + head.text, key: tail.key + head.key)
        continued.removeFirst()
      }
      guard joined.count + continued.count <= expectedValueCount else { return }
      rows.removeLast()
      emit(label: last.label, asWritten: last.labelAsWritten, group: last.group, table: last.table,
           values: joined + continued)
      lastRowCountBeforeWrap = rows.count - 1
      return
    }
    if textCells.isEmpty && section == 4 {
      // Table 四's single row has no label, and PDF text may wrap its 15 values.
      pendingValues += values
      if pendingValues.count >= ReportTemplate.reviewColumns.count {
        emit(label: "", asWritten: "", group: [], table: caption, values: pendingValues)
        pendingValues = []
      }
      return
    }
    lastRowCountBeforeWrap = rows.count
    if let label = pendingText.isEmpty ? matchLabel(textCells) : matchLabel(pendingText + textCells) {
      emit(label: label.label, asWritten: label.asWritten, group: label.group, table: label.table, values: values)
    } else if !textCells.isEmpty {
      let written = textCells.map(\.text).joined()
      emit(label: written, asWritten: written, group: [], table: caption, values: values)
    }
    pendingText = []
  }

  private mutating func addTextRow(_ textCells: ArraySlice<FoldedCell>) {
    guard let firstKey = textCells.first?.key else { return }
    // Keys are folded: their bytes compare as their text.
    if section == 2, firstKey.utf8.starts(with: "第二十条第".utf8), firstKey.hasSuffix("项") {
      caption = TableAssembler.canonicalCaption(firstKey)
      pendingText = []
    } else if firstKey == "信息内容" {
      headers = textCells.dropFirst().map { knownHeaders[$0.key] ?? $0.text }
      pendingText = []
    } else {
      pendingText.append(contentsOf: textCells)
      if pendingText.count > 8 { pendingText.removeFirst(pendingText.count - 8) }
    }
  }

  struct MatchedLabel {
    let label: String
    let asWritten: String
    let group: [String]
    let table: String
  }

  /// The shortest run of trailing fragments that folds to a template label: their keys end
  /// to end, looked up from each fragment's start.
  private func matchLabel(_ fragments: some RandomAccessCollection<FoldedCell>) -> MatchedLabel? {
    // Most rows hold their label in one cell: its key is looked up as it is.
    if fragments.count == 1, let only = fragments.first {
      var key = only.key
      return key.withUTF8 { bytes in place(of: UnsafeRawBufferPointer(bytes)).map { matched($0, asWritten: only.text) } }
    }
    var joined: [UInt8] = []
    var starts: [Int] = []
    for fragment in fragments {
      starts.append(joined.count)
      joined += fragment.key.utf8
    }
    return joined.withUnsafeBytes { bytes in
      for (index, start) in starts.enumerated().reversed() {
        guard let place = place(of: UnsafeRawBufferPointer(rebasing: bytes[start...])) else { continue }
        return matched(place, asWritten: fragments.dropFirst(index).map(\.text).joined())
      }
      return nil
    }
  }

  /// The template row whose folded label is `key`.
  private func place(of key: UnsafeRawBufferPointer) -> ReportTemplate.RowPlace? {
    places.value(for: key, hash: ByteStringTable.hash(key))
  }

  private func matched(_ place: ReportTemplate.RowPlace, asWritten: String) -> MatchedLabel {
    MatchedLabel(label: place.label, asWritten: asWritten, group: place.group, table: section == 2 ? caption : place.table)
  }

  private mutating func emit(
    label: String, asWritten: String, group: [String], table: String, values: some Collection<FoldedCell>
  ) {
    let columns: [String]
    switch section {
    case 3 where values.count == ReportTemplate.applicantColumns.count: columns = ReportTemplate.applicantColumns
    case 4 where values.count == ReportTemplate.reviewColumns.count: columns = ReportTemplate.reviewColumns
    case 2: columns = headers
    default: columns = []
    }
    let cells = values.enumerated().map { index, value in
      Cell(header: index < columns.count ? columns[index] : "列\(index + 1)", text: value.text, value: value.value)
    }
    rows.append(TableRow(table: table, label: label, labelAsWritten: asWritten, group: group, cells: cells))
  }

  /// "第二十条第(六)项" in any bracket style → "第二十条第（六）项".
  static func canonicalCaption(_ folded: String) -> String {
    var item = String.UnicodeScalarView()
    for scalar in folded.unicodeScalars.dropFirst("第二十条第".unicodeScalars.count).dropLast() where !"()（）".unicodeScalars.contains(scalar) {
      item.append(scalar)
    }
    return "第二十条第（\(String(item))）项"
  }

  static let placeholders: Set<String> = ["—", "——", "-", "--", "–", "/", "无", "─"]

  /// The number in a folded cell (`key`): an optional sign, digits with thousands commas,
  /// at most one decimal point between digits ("550", "+374", "-2", "1,234", "76.786078",
  /// and "２０" once folded); nil otherwise.
  static func number(key: String) -> Double? {
    var digits = 0
    var dots = 0
    var integer: Int64 = 0
    var last: UInt8 = 0  // the last byte other than a comma
    for byte in key.utf8 where byte != UInt8(ascii: ",") {
      switch byte {
      case UInt8(ascii: "+"), UInt8(ascii: "-"): guard last == 0 else { return nil }
      case UInt8(ascii: "."):
        guard digits > 0 else { return nil }
        dots += 1
      case UInt8(ascii: "0")...UInt8(ascii: "9"):
        digits += 1
        if digits <= 15 { integer = integer * 10 + Int64(byte - UInt8(ascii: "0")) }
      default: return nil
      }
      last = byte
    }
    guard digits > 0, dots <= 1, last != UInt8(ascii: ".") else { return nil }
    // Whole numbers of up to 15 digits are exact as Double; the rest go through the parser.
    if dots == 0 && digits <= 15 { return key.utf8.contains(UInt8(ascii: "-")) ? -Double(integer) : Double(integer) }
    return Double(String(decoding: key.utf8.filter { $0 != UInt8(ascii: ",") }, as: UTF8.self))
  }
}
