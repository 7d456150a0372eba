import Foundation

/// Lists the report files under a corpus folder, in a stable order.
enum CorpusScanner {
  /// File name extensions read as text reports (lower case).
  static let textExtensions: Set<String> = ["txt", "text"]

  struct Entry: Sendable {
    /// Path relative to the corpus root, with `/`.
    let path: String
    let url: URL
  }

  /// Every regular file under `root` (hidden files and folders skipped), sorted by path.
  static func scan(_ root: URL) throws(SearchError) -> [Entry] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
      throw .corpusMissing(root.path)
    }
    guard isDirectory.boolValue else { throw .corpusNotAFolder(root.path) }
    guard let enumerator = FileManager.default.enumerator(
      at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
    else { throw .corpusMissing(root.path) }
    let rootComponents = root.standardizedFileURL.resolvingSymlinksInPath().pathComponents
    var entries: [Entry] = []
    for case let url as URL in enumerator {
      guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
      let components = url.standardizedFileURL.resolvingSymlinksInPath().pathComponents
      let relative = components.dropFirst(rootComponents.count).joined(separator: "/")
      entries.append(Entry(path: relative, url: url))
    }
    return entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
  }
}
