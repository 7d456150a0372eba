/// Parses query text into a `Query`.
///
///     query   := or
///     or      := and ("OR" and)*
///     and     := unary (["AND"] unary)*
///     unary   := ("NOT" | "-") unary | primary
///     primary := "(" or ")" | [field ":"] (word | "\"" phrase "\"") | filter
///     field   := title | heading | label | body
///     filter  := year:YYYY | year:YYYY..YYYY | agency:TEXT | region:TEXT | section:一…六 (or 0–6)
///              | LABEL-OR-HEADER (">" | ">=" | "<" | "<=" | "=") NUMBER
///
/// NOT binds tighter than AND, AND tighter than OR. Words and phrases are matched as exact
/// strings after normalization. `section:` filters limit the hits and must stand at the top
/// level. Errors name the column (1-based, in characters) where the problem is.
public enum QueryParser {
  /// Parses `text`; throws `SearchError.query` with the problem and its column.
  public static func parse(_ text: String) throws(SearchError) -> Query {
    try parse(text, normalizer: Normalizer())
  }

  /// Parses `text`, folding its parts with `normalizer` (a searcher's, whose folds are known
  /// already: a new one zeroes its 256 KB cache and asks ICU again for every character).
  static func parse(_ text: String, normalizer: Normalizer) throws(SearchError) -> Query {
    var parser = Parser(tokens: try tokenize(text), normalizer: normalizer)
    guard !parser.tokens.isEmpty else {
      throw .query("the query is empty; give a word to search for, e.g. dsearch search 行政处罚")
    }
    let root = try parser.parseOr()
    if let extra = parser.peek {
      throw .query("unexpected \(extra.text) at column \(extra.column): \(extra.text == ")" ? "no ( opens it" : "check the parentheses")")
    }
    let (tree, sections) = try extractSections(root)
    if tree == nil && sections == nil {
      throw .query("the query is empty; give a word to search for, e.g. dsearch search 行政处罚")
    }
    return Query(root: tree, sections: sections)
  }

  // MARK: Tokens

  struct Token {
    enum Kind { case word, phrase, open, close }
    let kind: Kind
    let text: String
    /// `field:` written before the word or phrase, if any.
    let prefix: String?
    let column: Int
  }

  static func tokenize(_ text: String) throws(SearchError) -> [Token] {
    let characters = Array(text)
    var tokens: [Token] = []
    var index = 0
    while index < characters.count {
      let character = characters[index]
      if character.isWhitespace {
        index += 1
        continue
      }
      let column = index + 1
      if character == "(" || character == ")" {
        tokens.append(Token(kind: character == "(" ? .open : .close, text: String(character), prefix: nil, column: column))
        index += 1
        continue
      }
      // An ASCII field or filter name before ':' ("title:", "year:").
      var prefix: String?
      var start = index
      var scan = index
      if characters[scan] == "-" { scan += 1 }
      let nameStart = scan
      while scan < characters.count, characters[scan].isASCII, characters[scan].isLetter { scan += 1 }
      if scan > nameStart, scan < characters.count, characters[scan] == ":" {
        prefix = String(characters[nameStart..<scan]).lowercased()
        if nameStart > index {
          tokens.append(Token(kind: .word, text: "-", prefix: nil, column: column))
        }
        start = scan + 1
      }
      if start < characters.count, characters[start] == "\"" || characters[start] == "“" {
        let closing: Character = characters[start] == "\"" ? "\"" : "”"
        guard let end = characters[(start + 1)...].firstIndex(of: closing) else {
          throw .query("unbalanced quote at column \(start + 1): close the phrase with \(closing)")
        }
        tokens.append(Token(kind: .phrase, text: String(characters[(start + 1)..<end]), prefix: prefix, column: column))
        index = end + 1
        continue
      }
      var end = start
      while end < characters.count, !characters[end].isWhitespace, characters[end] != "(", characters[end] != ")",
        characters[end] != "\""
      {
        end += 1
      }
      if end < characters.count, characters[end] == "\"", end == start {
        end += 1
      }
      let word = String(characters[start..<end])
      if prefix == nil, word.hasPrefix("-"), word.count > 1 {
        tokens.append(Token(kind: .word, text: "-", prefix: nil, column: column))
        tokens.append(Token(kind: .word, text: String(word.dropFirst()), prefix: nil, column: column + 1))
      } else {
        tokens.append(Token(kind: .word, text: word, prefix: prefix, column: column))
      }
      index = max(end, index + 1)
    }
    return tokens
  }

  // MARK: Grammar

  struct Parser {
    var tokens: [Token]
    var position = 0
    let normalizer: Normalizer

    var peek: Token? { position < tokens.count ? tokens[position] : nil }

    mutating func parseOr() throws(SearchError) -> Query.Node {
      var nodes = [try parseAnd()]
      while let token = peek, token.kind == .word, token.prefix == nil, token.text == "OR" {
        position += 1
        guard peek != nil, peek?.kind != .close else { throw .query("OR at column \(token.column) needs a part after it") }
        nodes.append(try parseAnd())
      }
      return nodes.count == 1 ? nodes[0] : .or(nodes)
    }

    mutating func parseAnd() throws(SearchError) -> Query.Node {
      var nodes = [try parseUnary()]
      while let token = peek, token.kind != .close, !(token.kind == .word && token.prefix == nil && token.text == "OR") {
        if token.kind == .word, token.prefix == nil, token.text == "AND" {
          position += 1
          guard peek != nil, peek?.kind != .close else { throw .query("AND at column \(token.column) needs a part after it") }
        }
        nodes.append(try parseUnary())
      }
      return nodes.count == 1 ? nodes[0] : .and(nodes)
    }

    mutating func parseUnary() throws(SearchError) -> Query.Node {
      guard let token = peek else { throw .query("the query ends where a part was expected") }
      if token.kind == .word, token.prefix == nil, token.text == "NOT" || token.text == "-" {
        position += 1
        guard peek != nil, peek?.kind != .close else { throw .query("\(token.text) at column \(token.column) needs a part after it") }
        return .not(try parseUnary())
      }
      return try parsePrimary()
    }

    mutating func parsePrimary() throws(SearchError) -> Query.Node {
      guard let token = peek else { throw .query("the query ends where a part was expected") }
      position += 1
      switch token.kind {
      case .open:
        guard peek != nil, peek?.kind != .close else { throw .query("empty parentheses at column \(token.column)") }
        let inner = try parseOr()
        guard let close = peek, close.kind == .close else {
          throw .query("unbalanced parenthesis at column \(token.column): close it with )")
        }
        _ = close
        position += 1
        return inner
      case .close:
        throw .query("unexpected ) at column \(token.column): no ( opens it")
      case .word, .phrase:
        if token.kind == .word && (token.text == "AND" || token.text == "OR") && token.prefix == nil {
          throw .query("\(token.text) at column \(token.column) needs a part before it")
        }
        return try leaf(token)
      }
    }

    func leaf(_ token: Token) throws(SearchError) -> Query.Node {
      let field: Field?
      switch token.prefix {
      case nil: field = nil
      case "year": return .year(try yearRange(token))
      case "agency", "region":
        let normalized = normalizer.normalize(token.text)
        guard !normalized.isEmpty else { throw .query("\(token.prefix ?? ""): at column \(token.column) needs a name") }
        return token.prefix == "agency" ? .agency(normalized) : .region(normalized)
      case "section":
        var numbers = Set<Int>()
        for value in token.text.split(separator: ",").map(String.init) {
          guard let number = Section.numerals.firstIndex(of: value) ?? Int(value), (0...6).contains(number), !value.isEmpty
          else { throw .query("bad section \(value) at column \(token.column); write section:二 (一 to 六) or section:2") }
          numbers.insert(number)
        }
        guard !numbers.isEmpty else { throw .query("section: at column \(token.column) needs a number, e.g. section:二") }
        return .sections(numbers)
      case let name?:
        guard let known = Field.allCases.first(where: { $0.name == name }) else {
          throw .query(
            "unknown field \(name): at column \(token.column); fields are title: heading: label: body:, filters year: agency: region: section:")
        }
        field = known
        guard !token.text.isEmpty else { throw .query("\(name): at column \(token.column) needs a word after it, e.g. \(name):行政处罚") }
      }
      let normalized = normalizer.normalize(token.text)
      if token.kind == .word, field == nil, let condition = condition(normalized) { return condition }
      guard normalized.unicodeScalars.contains(where: CharacterClass.isSearchable) else {
        throw .query("\"\(token.text)\" at column \(token.column) has no letters or digits to search for; search for words, numbers or names")
      }
      return .part(Query.Part(text: token.text, normalized: normalized, field: field))
    }

    /// `处理决定数量>100`, `本年新收政府信息公开申请数量>=50`: a label or header, an operator, a number.
    func condition(_ normalized: String) -> Query.Node? {
      for comparison in [Query.Comparison.greaterOrEqual, .lessOrEqual, .greater, .less, .equal] {
        guard let range = normalized.range(of: comparison.rawValue) else { continue }
        let subject = String(normalized[..<range.lowerBound])
        let number = normalized[range.upperBound...].replacingOccurrences(of: ",", with: "")
        guard subject.unicodeScalars.contains(where: CharacterClass.isSearchable), let value = Double(number) else { return nil }
        return .condition(subject: subject, comparison: comparison, value: value)
      }
      return nil
    }

    func yearRange(_ token: Token) throws(SearchError) -> ClosedRange<Int> {
      let bounds = token.text.components(separatedBy: "..")
      let years = bounds.compactMap { Int($0) }
      guard (1...2).contains(bounds.count), years.count == bounds.count, years.allSatisfy({ (1900...2200).contains($0) }),
        years[0] <= years[years.count - 1]
      else {
        throw .query("bad year \(token.text) at column \(token.column); write year:2021 or year:2019..2021")
      }
      return years[0]...years[years.count - 1]
    }
  }

  /// Moves `section:` filters out of the tree; they must be top-level conjuncts.
  static func extractSections(_ root: Query.Node) throws(SearchError) -> (Query.Node?, Set<Int>?) {
    func containsSections(_ node: Query.Node) -> Bool {
      switch node {
      case .sections: return true
      case .and(let nodes), .or(let nodes): return nodes.contains(where: containsSections)
      case .not(let inner): return containsSections(inner)
      default: return false
      }
    }
    var conjuncts: [Query.Node] = [root]
    if case .and(let nodes) = root { conjuncts = nodes }
    var sections: Set<Int>?
    var rest: [Query.Node] = []
    for node in conjuncts {
      if case .sections(let numbers) = node {
        sections = (sections ?? []).union(numbers)
      } else if containsSections(node) {
        throw .query("section: is a filter on the hits; put it at the top level of the query, not inside OR, NOT or parentheses")
      } else {
        rest.append(node)
      }
    }
    let tree: Query.Node? = rest.isEmpty ? nil : (rest.count == 1 ? rest[0] : .and(rest))
    return (tree, sections)
  }
}
