import CLMServiceKit
import CLMStorage
import Hummingbird

/// Server-side key generation and the encrypted key store.
///
/// This version runs the service foundation only (configuration with the key-encryption
/// key, its schema, health and metrics). Key generation and bundle download are not built
/// yet; intake refuses `keyGeneration` requests until they are.
public struct KeygenModule: ServiceModule {
    public static let definition = ServiceDefinition(
        name: "keygen", schema: "keygen", defaultPort: 8084, migrations: [], consumes: [],
        needsKeyEncryptionKey: true)

    public static func make(context: ServiceContext) async throws -> KeygenModule { KeygenModule() }

    public var eventHandler: (any EventHandler)? { nil }

    public func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("v1/realms/:realm/requests/:id/key-bundle") { _, _ -> Response in
            throw APIError(
                .notImplemented, code: "key-generation-unavailable",
                detail: "server-side key generation is not available in this version")
        }
    }
}
