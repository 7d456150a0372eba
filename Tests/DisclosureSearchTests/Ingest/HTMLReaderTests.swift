import XCTest

@testable import DisclosureSearch

final class HTMLReaderTests: XCTestCase {
  func testChromeScriptsAndStylesAreDroppedAndTablesBecomeRows() {
    let page = """
      <html><head><meta charset="utf-8"><title>标题_网站</title><style>.a{} /* 样式里的中文 */</style></head>
      <body><div class="nav">首页 政务公开</div><script>var x = "脚本里的中文";</script>
      <!-- 注释里的中文 -->
      <h1>某局2023年政府信息公开工作年度报告</h1>
      <p><strong>二、主动公开政府信息情况</strong></p>
      <table><tr><td colspan="4">第二十条第（六）项</td></tr>
      <tr><td>信息内容</td><td>本年处理决定数量</td></tr>
      <tr><td>行政处罚</td><td>&#49;&#50;</td></tr></table>
      <p>&ldquo;政府开放日&rdquo;<p>未闭合的段落
      <div class="footer">网站地图</div></body></html>
      """
    let text = HTMLReader.decode(Array(page.utf8)).text
    for hidden in ["样式里的中文", "脚本里的中文", "注释里的中文", "首页", "网站地图", "标题_网站"] {
      XCTAssertFalse(text.contains(hidden), "\(hidden) leaked into:\n\(text)")
    }
    XCTAssertTrue(text.contains("某局2023年政府信息公开工作年度报告\n"), text)
    XCTAssertTrue(text.contains("\n行政处罚 | 12\n"), text)
    XCTAssertTrue(text.contains("“政府开放日”"), text)
    XCTAssertTrue(text.contains("未闭合的段落"), text)
  }

  /// An element is chrome when a whole word of its class or id is a chrome word, in any case
  /// ("main-nav", "Top-Bar"), not when a word only holds one ("canvas", "navigation", "footnote").
  func testChromeClassesMatchWholeWords() {
    let chrome = ["nav", "main-nav", "a nav", "x_nav", "Top-Bar", "page-footer", "FOOT", "menu\tmain"]
    let content = ["canvas", "navigation", "footnote", "topbarx", "top", "tool", "xnav", "", "menus"]
    for (classes, isChrome) in chrome.map({ ($0, true) }) + content.map({ ($0, false) }) {
      let page = "<html><head></head><body><div id=\"\(classes)\">外框</div><p>正文</p></body></html>"
      let text = HTMLReader.decode(Array(page.utf8)).text
      XCTAssertEqual(!text.contains("外框"), isChrome, classes)
      XCTAssertTrue(text.contains("正文"), classes)
    }
  }

  /// The scanner that reads regular pages makes libxml2's text and source lines, and takes
  /// most of the corpus's pages; pages it does not take go to libxml2. Set
  /// DSEARCH_HTML_CORPUS to a folder (a generated corpus) to compare its pages too.
  func testScannerReadsPagesAsLibxml2Does() throws {
    var folders = [Fixtures.corpus]
    if let extra = ProcessInfo.processInfo.environment["DSEARCH_HTML_CORPUS"] { folders.append(URL(fileURLWithPath: extra)) }
    for folder in folders {
      var (pages, scanned) = (0, 0)
      for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
      where HTMLReader.extensions.contains((name as NSString).pathExtension.lowercased()) {
        let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(name)))
        pages += 1
        let scanner = HTMLReader.decode(bytes, parser: .scannerOnly)
        guard scanner.warnings.isEmpty else { continue }
        scanned += 1
        let libxml2 = HTMLReader.decode(bytes, parser: .libxml2)
        XCTAssertEqual(scanner.text, libxml2.text, name)
        XCTAssertEqual(scanner.sourceLines, libxml2.sourceLines, name)
        if scanner.text != libxml2.text || scanner.sourceLines != libxml2.sourceLines { return }
      }
      XCTAssertGreaterThan(scanned * 10, pages * 9, "\(scanned) of \(pages) pages of \(folder.path) scanned")
    }
  }

  /// Pages cut short or with stray markup, made from a corpus page: whenever the scanner takes
  /// one, it reads it as libxml2 does, and it never fails to end.
  func testDamagedPagesReadAsLibxml2Does() throws {
    let name = try FileManager.default.contentsOfDirectory(atPath: Fixtures.corpus.path).sorted().first { $0.hasSuffix(".html") }!
    let original = Array(try Data(contentsOf: Fixtures.corpus.appendingPathComponent(name)))
    var generator = SeededGenerator(seed: 20_261_127)
    let stray: [[UInt8]] = ["<", ">", "&", "\"", "'", "</p>", "<p>", "<td>", "</tr>", "<!--", "-->", "&amp;", "&#", "/>", "=", " ", "\n", "<br>", "<div class=\"nav\">"].map { Array($0.utf8) }
    var (damaged, scanned) = (0, 0)
    while damaged < 300 {
      var bytes = original
      for _ in 0..<Int.random(in: 1...3, using: &generator) {
        let at = Int.random(in: 0...bytes.count, using: &generator)
        switch Int.random(in: 0..<3, using: &generator) {
        case 0: bytes.removeSubrange(at...)
        case 1: bytes.insert(contentsOf: stray.randomElement(using: &generator)!, at: at)
        default: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...40, using: &generator)))
        }
      }
      damaged += 1
      guard HTMLReader.decode(bytes, parser: .scannerOnly).warnings.isEmpty else { continue }
      scanned += 1
      let (read, libxml2) = (HTMLReader.decode(bytes, parser: .scannerOnly), HTMLReader.decode(bytes, parser: .libxml2))
      XCTAssertEqual(read.text, libxml2.text, "damage \(damaged)")
      XCTAssertEqual(read.sourceLines, libxml2.sourceLines, "damage \(damaged)")
      if read.text != libxml2.text || read.sourceLines != libxml2.sourceLines { return }
    }
    XCTAssertGreaterThan(scanned, 30, "some damaged pages are still regular")
  }

  /// Pages the scanner leaves to libxml2: each reads as libxml2 reads it.
  func testIrregularPagesGoToLibxml2() {
    let body = "<p>一、总体情况</p><table><tr><td>行政处罚</td><td>3</td></tr></table>"
    let pages = [
      "<html><head></head><body>\(body)<p>未闭合的段落</body></html>",  // an element left open
      "<html><head></head><body><p>段落<div>块</div></p>\(body)</body></html>",  // a block closes the paragraph
      "<html><head></head><body><table><tr><td>甲<td>乙</tr></table>\(body)</body></html>",  // a cell closes the cell
      "<html><head></head><body><div class=nav>首页</div>\(body)</body></html>",  // an unquoted value
      "<html><head></head><body><div class=\"a\" class=\"nav\">首页</div>\(body)</body></html>",  // a repeated class
      "<html><head></head><body>\(body)&copy 2024 &unknown; &#0;</body></html>",  // references libxml2 keeps as text
      "<html><head></head><body>\(body)<section>节</section></body></html>",  // an element the scanner does not know
      "<html><head><title>标题</title></head>正文<body>\(body)</body></html>",  // text outside the body
      "<html><head></head><body>\(body)<!-- 注释\n两行 --></body></html>",  // a comment over two lines
      "<html><head></head><body>\(body)<p\nclass=\"a\">两行的标签</p></body></html>",  // a tag over two lines
      "<body>\(body)</body>",  // no html element
    ]
    for page in pages {
      let bytes = Array(page.utf8)
      XCTAssertFalse(HTMLReader.decode(bytes, parser: .scannerOnly).warnings.isEmpty, page)
      let read = HTMLReader.decode(bytes)
      let libxml2 = HTMLReader.decode(bytes, parser: .libxml2)
      XCTAssertEqual(read.text, libxml2.text, page)
      XCTAssertEqual(read.sourceLines, libxml2.sourceLines, page)
      XCTAssertTrue(read.text.contains("行政处罚 | 3"), read.text)
    }
  }

  func testDeclaredCharsetsMapToICUConverters() {
    XCTAssertEqual(HTMLReader.declaredCharset(Array(#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#.utf8)), "GB18030")
    XCTAssertEqual(HTMLReader.declaredCharset(Array(#"<meta charset="GBK">"#.utf8)), "GB18030")
    XCTAssertEqual(HTMLReader.declaredCharset(Array(#"<meta charset='big5'>"#.utf8)), "Big5")
    XCTAssertNil(HTMLReader.declaredCharset(Array("<p>无声明</p>".utf8)))
  }

  func testGBKPageDeclaredAsGB2312Decodes() {
    let head = Array(#"<html><head><meta charset="gb2312"></head><body><p>"#.utf8)
    let page = head + TextDecoderTests.gbSample + Array("</p></body></html>".utf8)
    let decoded = HTMLReader.decode(page)
    XCTAssertTrue(decoded.text.contains("行政处罚 176 +374 550"), decoded.text)
    XCTAssertTrue(decoded.warnings.isEmpty)
  }
}
