// swift-tools-version:6.0
// A separate package that uses DisclosureSearch as a library, exactly as README.md's
// "Embedding" section shows; EmbeddingTests copies it next to a link named DisclosureSearch
// to this repository, then builds and runs it, so the example cannot rot.
import PackageDescription

let package = Package(
  name: "ExampleClient",
  dependencies: [.package(path: "../DisclosureSearch")],
  targets: [
    .executableTarget(name: "ExampleClient", dependencies: [.product(name: "DisclosureSearch", package: "DisclosureSearch")])
  ]
)
