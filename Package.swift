// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "DisclosureSearch",
  products: [
    .library(name: "DisclosureSearch", targets: ["DisclosureSearch"]),
    .executable(name: "dsearch", targets: ["dsearch"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // C shim: the ICU and zlib calls, behind a header of plain C types
    // (importing ICU's own headers into Swift clashes with Foundation's bundled ICU).
    .target(
      name: "CICU",
      linkerSettings: [
        .linkedLibrary("icuuc"), .linkedLibrary("icui18n"), .linkedLibrary("icudata"),
        .linkedLibrary("z"),
      ]
    ),
    // Library
    .target(name: "DisclosureSearch", dependencies: ["CICU"]),
    // CLI
    .executableTarget(
      name: "dsearch",
      dependencies: [
        "DisclosureSearch",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Tests
    .testTarget(
      name: "DisclosureSearchTests",
      dependencies: ["DisclosureSearch", "CICU", "dsearch"],
      exclude: ["Fixtures"]
    ),
  ]
)
