/// What a section contributes to each field (the unit of retrieval).
enum SectionDocument {
  static func fieldTexts(report: Report, section: Section) -> [Field: String] {
    var labels: [String] = []
    var seen = Set<String>()
    for row in section.rows {
      for text in row.group + [row.labelAsWritten] + row.cells.map(\.header) where !text.isEmpty {
        if seen.insert(text).inserted { labels.append(text) }
      }
    }
    let body: Substring
    if section.number == 0 {
      body = section.text[...]
    } else if let newline = section.text.firstIndex(of: "\n") {
      body = section.text[section.text.index(after: newline)...]
    } else {
      body = ""
    }
    return [.title: report.title, .heading: section.heading, .label: labels.joined(separator: "\n"), .body: String(body)]
  }
}
