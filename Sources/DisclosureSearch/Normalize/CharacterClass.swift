/// Which scalars of normalized text take part in exact-substring recall: CJK ideographs and
/// other letters, and digits. Everything else (spaces, punctuation, symbols) separates runs.
enum CharacterClass {
  static func isSearchable(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x80 {
      return (value >= 0x30 && value <= 0x39) || (value >= 0x61 && value <= 0x7A) || (value >= 0x41 && value <= 0x5A)
    }
    if value >= 0x4E00 && value <= 0x9FFF { return true }
    let properties = scalar.properties
    return properties.isAlphabetic || properties.numericType == .decimal
  }
}
