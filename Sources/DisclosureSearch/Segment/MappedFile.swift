import Foundation

/// A file's bytes at one address for as long as the instance lives — mapped read-only into
/// memory, or read into memory where the file system cannot map it — so that a reader may
/// keep pointers into them (the docs block's columns) rather than copy them at open.
final class MappedFile: @unchecked Sendable {  // the bytes are never written after init; freed only in deinit
  let bytes: UnsafeRawBufferPointer
  /// Whether `bytes` is a mapping (else memory this instance allocated).
  private let isMapped: Bool

  /// The file at `path`; with `mapping` false (for tests), read as if it could not be mapped.
  init(path: String, mapping: Bool = true) throws {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    let size = Int(status.st_size)
    if size == 0 {
      (bytes, isMapped) = (UnsafeRawBufferPointer(start: nil, count: 0), false)
    } else if mapping, let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED {
      (bytes, isMapped) = (UnsafeRawBufferPointer(start: address, count: size), true)
    } else {
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
      var done = 0
      while done < size {
        let count = pread(descriptor, buffer.baseAddress! + done, size - done, off_t(done))
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else {
          let code = count == 0 ? EIO : errno  // the file shrank while it was read
          buffer.deallocate()
          throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        done += count
      }
      (bytes, isMapped) = (UnsafeRawBufferPointer(buffer), false)
    }
  }

  deinit {
    guard let address = bytes.baseAddress else { return }
    if isMapped {
      munmap(UnsafeMutableRawPointer(mutating: address), bytes.count)
    } else {
      UnsafeMutableRawPointer(mutating: address).deallocate()
    }
  }

  /// The bytes as `Data`, without copying them (valid while this instance lives).
  var data: Data {
    guard let address = bytes.baseAddress else { return Data() }
    return Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: address), count: bytes.count, deallocator: .none)
  }
}
