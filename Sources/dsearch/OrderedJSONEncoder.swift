import Foundation

/// Encodes `Encodable` values as JSON keeping keys in the order they are encoded, so table
/// cells print in column order (Foundation's JSONEncoder does not promise any key order).
struct OrderedJSONEncoder {
  indirect enum Node {
    case object([(String, Node)])
    case array([Node])
    case string(String)
    case number(String)
    case bool(Bool)
    case null
  }

  func encode<T: Encodable>(_ value: T) throws -> String {
    let encoder = NodeEncoder()
    try value.encode(to: encoder)
    var output: [UInt8] = []
    Self.write(encoder.storage.node, to: &output)
    return String(decoding: output, as: UTF8.self)
  }

  /// Writes `node` as UTF-8 (appending a scalar at a time to a String took more time than
  /// the search whose hits it printed).
  static func write(_ node: Node, to output: inout [UInt8]) {
    switch node {
    case .object(let pairs):
      output.append(UInt8(ascii: "{"))
      for (index, (key, value)) in pairs.enumerated() {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        writeString(key, to: &output)
        output.append(UInt8(ascii: ":"))
        write(value, to: &output)
      }
      output.append(UInt8(ascii: "}"))
    case .array(let items):
      output.append(UInt8(ascii: "["))
      for (index, item) in items.enumerated() {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        write(item, to: &output)
      }
      output.append(UInt8(ascii: "]"))
    case .string(let string): writeString(string, to: &output)
    case .number(let number): output += number.utf8
    case .bool(let bool): output += (bool ? "true" : "false").utf8
    case .null: output += "null".utf8
    }
  }

  /// A JSON string: quotes, backslashes and control characters escaped, every other byte of
  /// the UTF-8 as it is.
  static func writeString(_ string: String, to output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
      switch byte {
      case UInt8(ascii: "\""): output += #"\""#.utf8
      case UInt8(ascii: "\\"): output += #"\\"#.utf8
      case UInt8(ascii: "\n"): output += #"\n"#.utf8
      case UInt8(ascii: "\r"): output += #"\r"#.utf8
      case UInt8(ascii: "\t"): output += #"\t"#.utf8
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        output += #"\u00"#.utf8
        output += [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
      default: output.append(byte)
      }
    }
    output.append(UInt8(ascii: "\""))
  }

  static func number(_ value: Double) -> Node {
    guard value.isFinite else { return .null }
    if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
    return .number("\(value)")
  }
}

/// A reference cell so nested containers can fill in their parent's node.
private final class NodeBox {
  var node: OrderedJSONEncoder.Node = .null
}

private final class NodeEncoder: Encoder {
  let storage = NodeBox()
  var codingPath: [any CodingKey] = []
  var userInfo: [CodingUserInfoKey: Any] = [:]

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    storage.node = .object([])
    return KeyedEncodingContainer(KeyedContainer<Key>(box: storage))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    storage.node = .array([])
    return UnkeyedContainer(box: storage)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(box: storage) }

  static func node<T: Encodable>(for value: T) throws -> OrderedJSONEncoder.Node {
    switch value {
    case let string as String: return .string(string)
    case let double as Double: return OrderedJSONEncoder.number(double)
    case let int as Int: return .number(String(int))
    case let bool as Bool: return .bool(bool)
    default:
      let encoder = NodeEncoder()
      try value.encode(to: encoder)
      return encoder.storage.node
    }
  }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let box: NodeBox
  var codingPath: [any CodingKey] = []

  private func append(_ key: Key, _ node: OrderedJSONEncoder.Node) {
    guard case .object(var pairs) = box.node else { return }
    box.node = .null  // so that `pairs` is the array's only reference: appended in place
    pairs.append((key.stringValue, node))
    box.node = .object(pairs)
  }

  mutating func encodeNil(forKey key: Key) throws { append(key, .null) }
  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { append(key, try NodeEncoder.node(for: value)) }
  mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
    append(key, try value.map { try NodeEncoder.node(for: $0) } ?? .null)
  }
  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
    fatalError("nested containers are not used by dsearch's output types")
  }
  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    fatalError("nested containers are not used by dsearch's output types")
  }
  mutating func superEncoder() -> any Encoder { NodeEncoder() }
  mutating func superEncoder(forKey key: Key) -> any Encoder { NodeEncoder() }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
  let box: NodeBox
  var codingPath: [any CodingKey] = []
  var count: Int {
    if case .array(let items) = box.node { return items.count }
    return 0
  }

  private func append(_ node: OrderedJSONEncoder.Node) {
    guard case .array(var items) = box.node else { return }
    box.node = .null  // so that `items` is the array's only reference: appended in place
    items.append(node)
    box.node = .array(items)
  }

  mutating func encodeNil() throws { append(.null) }
  mutating func encode<T: Encodable>(_ value: T) throws { append(try NodeEncoder.node(for: value)) }
  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
    fatalError("nested containers are not used by dsearch's output types")
  }
  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    fatalError("nested containers are not used by dsearch's output types")
  }
  mutating func superEncoder() -> any Encoder { NodeEncoder() }
}

private struct SingleContainer: SingleValueEncodingContainer {
  let box: NodeBox
  var codingPath: [any CodingKey] = []

  mutating func encodeNil() throws { box.node = .null }
  mutating func encode<T: Encodable>(_ value: T) throws { box.node = try NodeEncoder.node(for: value) }
}
