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
    var output = ""
    Self.write(encoder.storage.node, to: &output)
    return output
  }

  static func write(_ node: Node, to output: inout String) {
    switch node {
    case .object(let pairs):
      output += "{"
      for (index, (key, value)) in pairs.enumerated() {
        if index > 0 { output += "," }
        writeString(key, to: &output)
        output += ":"
        write(value, to: &output)
      }
      output += "}"
    case .array(let items):
      output += "["
      for (index, item) in items.enumerated() {
        if index > 0 { output += "," }
        write(item, to: &output)
      }
      output += "]"
    case .string(let string): writeString(string, to: &output)
    case .number(let number): output += number
    case .bool(let bool): output += bool ? "true" : "false"
    case .null: output += "null"
    }
  }

  static func writeString(_ string: String, to output: inout String) {
    output += "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": output += "\\\""
      case "\\": output += "\\\\"
      case "\n": output += "\\n"
      case "\r": output += "\\r"
      case "\t": output += "\\t"
      default:
        if scalar.value < 0x20 {
          output += String(format: "\\u%04x", scalar.value)
        } else {
          output.unicodeScalars.append(scalar)
        }
      }
    }
    output += "\""
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
