// swift-tools-version: 6.0
import PackageDescription

/// Settings every target of ours shares: Swift 6 language mode (strict concurrency) plus
/// upcoming features that keep existential and import use explicit.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

/// A service is a library (domain + adapters, testable in-process) and a thin executable.
func serviceTargets(_ name: String, executable: String, dependencies: [Target.Dependency]) -> [Target] {
    [
        .target(
            name: name,
            dependencies: dependencies + [
                "CLMContracts", "CLMServiceKit", "CLMStorage", "CLMMessaging", "CLMCrypto",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Services/\(name)/Sources",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: executable,
            dependencies: [.target(name: name), "CLMServiceKit"],
            path: "Services/\(name)/Main",
            swiftSettings: swiftSettings
        ),
    ]
}

/// The libFuzzer harnesses (decision 0022), one executable per parser that takes outside bytes.
/// Declared only when `CLM_FUZZ=1` (scripts/fuzz.sh sets it), so the normal build and the test
/// suite never see them; they depend on the Shared modules alone, which keeps the sanitizer
/// build small.
let fuzzHarnesses: [(name: String, folder: String, dependencies: [Target.Dependency])] = [
    ("clm-fuzz-csr", "FuzzCSR", ["CLMContracts", "CLMCrypto"]),
    ("clm-fuzz-pem", "FuzzPEM", ["CLMCrypto"]),
    ("clm-fuzz-ocsp", "FuzzOCSP", ["CLMCrypto"]),
    ("clm-fuzz-json", "FuzzJSON", ["CLMContracts"]),
    ("clm-fuzz-policy", "FuzzPolicy", ["CLMContracts"]),
    ("clm-fuzz-jws", "FuzzJWS", ["CLMContracts", "CLMCrypto", "CLMIdentity"]),
    ("clm-fuzz-jwks", "FuzzJWKS", ["CLMIdentity"]),
]
let fuzzing = Context.environment["CLM_FUZZ"] == "1"
let fuzzTargets: [Target] =
    fuzzing
    ? [.target(name: "CFuzzer", path: "Tests/Fuzz/CFuzzer")]
        + fuzzHarnesses.map {
            .executableTarget(
                name: $0.name, dependencies: $0.dependencies + ["CFuzzer"], path: "Tests/Fuzz/\($0.folder)",
                swiftSettings: swiftSettings)
        } : []
let fuzzProducts: [Product] =
    fuzzing ? fuzzHarnesses.map { .executable(name: $0.name, targets: [$0.name]) } : []

let package = Package(
    name: "clm",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "clm-registry", targets: ["clm-registry"]),
        .executable(name: "clm-intake", targets: ["clm-intake"]),
        .executable(name: "clm-approval", targets: ["clm-approval"]),
        .executable(name: "clm-keygen", targets: ["clm-keygen"]),
        .executable(name: "clm-ca-gateway", targets: ["clm-ca-gateway"]),
        .executable(name: "clm-console", targets: ["clm-console"]),
        .executable(name: "clm", targets: ["clm"]),
    ] + fuzzProducts,
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // C at the edge: librdkafka and OpenSSL, wrapped so no public Swift type exposes C.
        .systemLibrary(
            name: "CRdKafka",
            path: "Shared/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "COpenSSL",
            path: "Shared/COpenSSL",
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),

        // Shared modules.
        .target(
            name: "CLMContracts",
            path: "Shared/Contracts",
            resources: [.copy("Schemas")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CLMMessaging",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Messaging",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CLMStorage",
            dependencies: [
                "CLMContracts", "CLMMessaging",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Storage",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CLMCrypto",
            dependencies: ["COpenSSL"],
            path: "Shared/Crypto",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CLMIdentity",
            dependencies: ["CLMContracts", "CLMCrypto", "COpenSSL"],
            path: "Shared/Identity",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CLMServiceKit",
            dependencies: [
                "CLMContracts", "CLMMessaging", "CLMStorage", "CLMCrypto", "CLMIdentity",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/ServiceKit",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CLMClient",
            dependencies: ["CLMContracts"],
            path: "Shared/Client",
            swiftSettings: swiftSettings
        ),
    ]
        + serviceTargets("Registry", executable: "clm-registry", dependencies: [])
        + serviceTargets("Intake", executable: "clm-intake", dependencies: [])
        + serviceTargets(
            "Approval", executable: "clm-approval",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ])
        + serviceTargets("Keygen", executable: "clm-keygen", dependencies: [])
        + serviceTargets("CAGateway", executable: "clm-ca-gateway", dependencies: [])
        + [
            // The web console: pages, sign-in and a proxy to the public API; no database, no Kafka.
            .target(
                name: "Console",
                dependencies: [
                    "CLMContracts", "CLMCrypto", "CLMIdentity", "CLMServiceKit",
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "Metrics", package: "swift-metrics"),
                    .product(name: "Prometheus", package: "swift-prometheus"),
                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                ],
                path: "Services/Console",
                exclude: ["Main"],
                sources: ["Sources"],
                // The pages, served as files: plain HTML, CSS and JavaScript modules.
                resources: [.copy("Assets")],
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "clm-console",
                dependencies: ["Console"],
                path: "Services/Console/Main",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "clm",
                dependencies: [
                    "CLMClient", "CLMContracts", "CLMCrypto", "CLMIdentity",
                    .product(name: "ArgumentParser", package: "swift-argument-parser"),
                ],
                path: "Services/CLI",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "clm-bench",
                dependencies: ["CLMContracts", "CLMCrypto", "CLMIdentity"],
                path: "Services/Bench",
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "UnitTests",
                dependencies: [
                    "CLMContracts", "CLMCrypto", "CLMIdentity", "CLMMessaging", "CLMServiceKit", "CLMStorage",
                    "Registry", "Intake", "Approval", "Keygen", "CAGateway", "Console",
                    .product(name: "HummingbirdTesting", package: "hummingbird"),
                ],
                path: "Tests/UnitTests",
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "IntegrationTests",
                dependencies: [
                    "CLMContracts", "CLMCrypto", "CLMIdentity", "CLMMessaging", "CLMServiceKit", "CLMStorage",
                    "CLMClient", "Registry", "Intake", "Approval", "Keygen", "CAGateway",
                    .product(name: "PostgresNIO", package: "postgres-nio"),
                    .product(name: "HummingbirdTesting", package: "hummingbird"),
                ],
                path: "Tests/IntegrationTests",
                swiftSettings: swiftSettings
            ),
        ]
        + fuzzTargets
)
