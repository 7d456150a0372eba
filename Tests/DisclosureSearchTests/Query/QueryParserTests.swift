import XCTest

@testable import DisclosureSearch

final class QueryParserTests: XCTestCase {
  func parsed(_ text: String) throws -> String { try QueryParser.parse(text).description }

  func testCanonicalForms() throws {
    XCTAssertEqual(try parsed("行政处罚"), #""行政处罚""#)
    XCTAssertEqual(try parsed("行政复议 信息处理费"), #"("行政复议" AND "信息处理费")"#)
    XCTAssertEqual(try parsed("行政复议 AND 信息处理费"), #"("行政复议" AND "信息处理费")"#)
    XCTAssertEqual(try parsed("A OR B C"), #"("a" OR ("b" AND "c"))"#)
    XCTAssertEqual(try parsed("(A OR B) C"), #"(("a" OR "b") AND "c")"#)
    XCTAssertEqual(try parsed("依申请公开 NOT 信息处理费"), #"("依申请公开" AND NOT "信息处理费")"#)
    XCTAssertEqual(try parsed("依申请公开 -信息处理费"), #"("依申请公开" AND NOT "信息处理费")"#)
    XCTAssertEqual(try parsed("NOT A OR B"), #"(NOT "a" OR "b")"#)
    XCTAssertEqual(try parsed(#""政府信息 公开""#), #""政府信息 公开""#)
    XCTAssertEqual(try parsed("label:行政處罰 title:ＡＢ"), #"(label:"行政处罚" AND title:"ab")"#)
    XCTAssertEqual(try parsed("行政处罚 year:2019..2021 agency:交通运输局 section:二"), #"("行政处罚" AND year:2019..2021 AND agency:交通运输局) section:二"#)
    XCTAssertEqual(try parsed("year:2021"), "year:2021")
    XCTAssertEqual(try parsed("label:行政处罚 处理决定数量>100"), #"(label:"行政处罚" AND 处理决定数量>100)"#)
    XCTAssertEqual(try parsed("本年新收政府信息公开申请数量>=1,000"), "本年新收政府信息公开申请数量>=1000")
  }

  func testMalformedQueriesSayWhatAndWhere() {
    let cases: [(String, String)] = [
      ("", "the query is empty; give a word to search for, e.g. dsearch search 行政处罚"),
      (#"行政 "处罚"#, "unbalanced quote at column 4: close the phrase with \""),
      ("(行政 处罚", "unbalanced parenthesis at column 1: close it with )"),
      ("行政 处罚)", "unexpected ) at column 6: no ( opens it"),
      ("foo:行政", "unknown field foo: at column 1; fields are title: heading: label: body:, filters year: agency: region: section:"),
      ("year:2021..2019", "bad year 2021..2019 at column 1; write year:2021 or year:2019..2021"),
      ("year:abc", "bad year abc at column 1; write year:2021 or year:2019..2021"),
      ("行政 OR", "OR at column 4 needs a part after it"),
      ("！！", "\"！！\" at column 1 has no letters or digits to search for; search for words, numbers or names"),
      ("(A OR section:二)", "section: is a filter on the hits; put it at the top level of the query, not inside OR, NOT or parentheses"),
      ("()", "empty parentheses at column 1"),
      ("行政 label:", "label: at column 4 needs a word after it, e.g. label:行政处罚"),
    ]
    for (query, message) in cases {
      XCTAssertThrowsError(try QueryParser.parse(query), query) { error in
        XCTAssertEqual((error as? SearchError)?.description, message, query)
      }
    }
  }
}
