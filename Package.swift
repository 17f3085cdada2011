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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
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

        // Blocking work (libpq is blocking) as a swift-service-lifecycle Service on a thread of its own.
        .target(
            name: "ServiceThreads",
            dependencies: [.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: swiftSettings
        ),
        // posix_spawn as every child process is started: exact environment, no inherited descriptors.
        .target(name: "ProcessSpawn", swiftSettings: swiftSettings),
        // The PostgreSQL client: one libpq connection, its errors, rows, COPY and LISTEN.
        .target(name: "Postgres", dependencies: ["CLibPQ"], swiftSettings: swiftSettings),
        // Parquet writer/reader: knows nothing of PostgreSQL or the lake.
        .target(name: "Parquet", dependencies: ["CZstd", "CSnappy"], swiftSettings: swiftSettings),
        // Lake storage: one protocol, local-directory and in-memory drivers.
        .target(
            name: "Lake",
            dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The lake's shared names and formats: paths, bronze file names, timestamps, the
        // gold marker (spark-jobs/contract.py holds the same for the Spark jobs).
        .target(name: "LakeContract", swiftSettings: swiftSettings),
        // Silver and gold: launching the Spark jobs after each committed batch.
        .target(
            name: "Stages",
            dependencies: [
                "Lake", "LakeContract", "ProcessSpawn",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Capture: COPY BINARY decoding, batching, bronze commit protocol, daemon.
        .target(
            name: "CDC",
            dependencies: [
                "Postgres", "Parquet", "Lake", "LakeContract", "ServiceThreads",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The retail app's simulator (`medallion simulate`).
        .target(name: "Retail", dependencies: ["Postgres"], swiftSettings: swiftSettings),
        // The daemon's HTTP endpoints: Prometheus /metrics, /healthz, /readyz.
        .target(
            name: "Observability",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // The live dashboard: reads gold through the lake, serves HTML/SVG, JSON and SSE.
        .target(
            name: "Dashboard",
            dependencies: [
                "Lake", "LakeContract",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MedallionCLI",
            dependencies: [
                "CDC", "Dashboard", "Lake", "Observability", "Parquet", "Postgres", "Retail", "ServiceThreads", "Stages",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks' Swift side (the bench/ scripts drive it and the baselines).
        .executableTarget(
            name: "MedallionBench",
            dependencies: ["Parquet", "CDC", "Lake", "LakeContract"],
            path: "bench/MedallionBench",
            swiftSettings: swiftSettings
        ),

        // Test helpers shared by every test target: throwaway PostgreSQL and retail
        // databases, the Python virtualenv, child processes, the WebHDFS protocol double,
        // gold as the jobs publish it.
        .target(
            name: "TestSupport",
            dependencies: [
                "CDC", "Lake", "LakeContract", "Parquet", "Postgres", "ProcessSpawn", "Retail", "Stages",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        // Unit tests: no database, no Spark, no child processes.
        .testTarget(name: "ParquetTests", dependencies: ["Parquet", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LakeTests", dependencies: ["Lake", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LakeContractTests", dependencies: ["LakeContract", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DashboardTests",
            dependencies: [
                "Dashboard", "Lake", "LakeContract", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StagesTests",
            dependencies: [
                "Stages", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CDCTests",
            dependencies: ["CDC", "Lake", "LakeContract", "Parquet", "Postgres", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        // Integration tests: real PostgreSQL, Spark, pyarrow/DuckDB, the WebHDFS double, the
        // dashboard on a real socket and in headless Chromium, and the `medallion` executable
        // the test command built.
        .testTarget(name: "ParquetIntegrationTests", dependencies: ["Parquet", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LakeIntegrationTests",
            dependencies: ["Lake", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StagesIntegrationTests",
            dependencies: [
                "Stages", "Lake", "LakeContract", "CDC", "Retail", "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CDCIntegrationTests",
            dependencies: [
                "CDC", "Lake", "LakeContract", "Parquet", "Postgres", "Retail", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DashboardIntegrationTests",
            dependencies: [
                "Dashboard", "Lake", "LakeContract", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
