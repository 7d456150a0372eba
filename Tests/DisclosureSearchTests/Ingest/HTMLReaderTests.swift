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
