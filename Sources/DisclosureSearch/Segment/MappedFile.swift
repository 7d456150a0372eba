import Foundation

/// A file mapped read-only into memory for as long as the instance lives: its bytes stay at
/// one address, so a reader may keep pointers into them (the docs block's columns) rather
/// than copy them at open.
final class MappedFile: @unchecked Sendable {  // the mapping is read-only and unmapped only in deinit
  let bytes: UnsafeRawBufferPointer

  init(path: String) throws {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    let size = Int(status.st_size)
    guard size > 0 else {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
      throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ENOMEM)
    }
    bytes = UnsafeRawBufferPointer(start: address, count: size)
  }

  deinit {
    if let address = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: address), bytes.count) }
  }

  /// The bytes as `Data`, without copying them (valid while this instance lives).
  var data: Data {
    guard let address = bytes.baseAddress else { return Data() }
    return Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: address), count: bytes.count, deallocator: .none)
  }
}
