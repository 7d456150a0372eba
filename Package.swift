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
    // C shim: the ICU, libxml2, zlib and zstd calls, behind a header of plain C types
    // (importing ICU's own headers into Swift clashes with Foundation's bundled ICU).
    .target(
      name: "CICU",
      dependencies: ["CLibXML2"],
      linkerSettings: [
        .linkedLibrary("icuuc"), .linkedLibrary("icui18n"), .linkedLibrary("icudata"),
        .linkedLibrary("z"), .linkedLibrary("zstd"),
      ]
    ),
    .systemLibrary(
      name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
      providers: [.apt(["libxml2-dev"])]),
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
