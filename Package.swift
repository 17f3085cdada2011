// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "medallion-cdc",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "medallion", targets: ["MedallionCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // C libraries, each behind a thin system-library target.
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", pkgConfig: "snappy",
                       providers: [.apt(["libsnappy-dev"])]),

        // Parquet writer/reader: knows nothing of PostgreSQL or the lake.
        .target(name: "Parquet", dependencies: ["CZstd", "CSnappy"], swiftSettings: swiftSettings),
        // Lake storage: one protocol, local-directory and in-memory drivers.
        .target(
            name: "Lake",
            dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Silver and gold: launching the Spark jobs after each committed batch.
        .target(
            name: "Stages",
            dependencies: ["Lake", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Capture: libpq, COPY BINARY decoding, batching, bronze commit protocol, daemon.
        .target(
            name: "CDC",
            dependencies: [
                "CLibPQ", "Parquet", "Lake",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The retail app's simulator (`medallion simulate`).
        .target(name: "Retail", dependencies: ["CDC"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "MedallionCLI",
            dependencies: [
                "CDC", "Lake", "Parquet", "Retail", "Stages",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks' Swift side (the bench/ scripts drive it and the baselines).
        .executableTarget(
            name: "MedallionBench",
            dependencies: ["Parquet", "CDC", "Lake"],
            path: "bench/MedallionBench",
            swiftSettings: swiftSettings
        ),

        // Test helpers: throwaway PostgreSQL, the Python virtualenv, child processes.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "ParquetTests", dependencies: ["Parquet", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LakeTests", dependencies: ["Lake", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "StagesTests", dependencies: ["Stages", "Lake", "CDC", "Retail", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CDCTests",
            dependencies: [
                "CDC", "Lake", "Parquet", "Retail", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
