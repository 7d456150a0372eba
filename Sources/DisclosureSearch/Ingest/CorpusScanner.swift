import Foundation

/// Lists the report files under a corpus folder, in a stable order.
enum CorpusScanner {
  /// File name extensions read as text reports (lower case).
  static let textExtensions: Set<String> = ["txt", "text"]

  struct Entry: Sendable {
    /// Path relative to the corpus root, with `/`.
    let path: String
    let url: URL
    /// Its size when listed, in bytes.
    let size: Int
  }

  /// Every regular file under `root` (hidden files and folders skipped, symbolic links not
  /// followed), sorted by path. Walks the folders with `lstat`: URL resource values cost
  /// more than the rest of an `update` that finds little to do.
  static func scan(_ root: URL) throws(SearchError) -> [Entry] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
      throw .corpusMissing(root.path)
    }
    guard isDirectory.boolValue else { throw .corpusNotAFolder(root.path) }
    var entries: [Entry] = []
    var folders: [(path: String, relative: String)] = [(root.path, "")]
    while let folder = folders.popLast() {
      guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
      for name in names where !name.hasPrefix(".") {
        let path = folder.path + "/" + name
        let relative = folder.relative.isEmpty ? name : folder.relative + "/" + name
        var status = stat()
        guard lstat(path, &status) == 0 else { continue }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: folders.append((path, relative))
        case S_IFREG: entries.append(Entry(path: relative, url: URL(fileURLWithPath: path), size: Int(status.st_size)))
        default: continue
        }
      }
    }
    return entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
  }
}
