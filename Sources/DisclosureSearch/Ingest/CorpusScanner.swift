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
    /// What `lstat` said of the file — size, inode, and modification and change times to the
    /// nanosecond — hashed: while it stays the same the bytes have not been written (writing
    /// moves the change time, which no program can set back). nil for a file changed in the
    /// `settling` seconds before the listing, when a later write in the same tick of the file
    /// system's clock could leave every field as it was.
    let fileKey: UInt64?
  }

  /// Seconds after its last change before a file's `fileKey` is trusted.
  static let settling = 2

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
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
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
        case S_IFREG:
          let key = Self.fileKey(status, settledBy: now.tv_sec - Self.settling)
          // Said to be a file: otherwise URL asks the file system once more whether it is a folder.
          let url = URL(fileURLWithPath: path, isDirectory: false)
          entries.append(Entry(path: relative, url: url, size: Int(status.st_size), fileKey: key))
        default: continue
        }
      }
    }
    return entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
  }

  /// FNV-1a of the fields that change when a file is written; nil when it changed at or after
  /// `settled` (seconds since 1970).
  static func fileKey(_ status: stat, settledBy settled: Int) -> UInt64? {
    guard status.st_ctim.tv_sec < settled, status.st_mtim.tv_sec < settled else { return nil }
    // Each field as 8 little-endian bytes (Index/FORMAT.md, "sources-*.v2.bin").
    let fields = [
      UInt64(bitPattern: Int64(status.st_size)), UInt64(status.st_ino), UInt64(bitPattern: Int64(status.st_mtim.tv_sec)),
      UInt64(bitPattern: Int64(status.st_mtim.tv_nsec)), UInt64(bitPattern: Int64(status.st_ctim.tv_sec)),
      UInt64(bitPattern: Int64(status.st_ctim.tv_nsec)),
    ].map(\.littleEndian)
    return max(fields.withUnsafeBytes(ContentKey.fnv64), 1)  // 0 stands for no key in the sources table
  }
}
