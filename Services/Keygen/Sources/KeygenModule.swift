import CLMContracts
import CLMCrypto
import CLMServiceKit
import CLMStorage
import Hummingbird
import ServiceLifecycle

/// Server-side key generation, the sealed key store and the one-time key bundle download.
///
/// A key pair is generated only after the request is approved, sealed at once (AES-256-GCM
/// data key wrapped by the configured KEK, bound to the request id), and only its public key
/// is published. The private key leaves this service once: in the user's PKCS#12 or PEM
/// download, after which it is destroyed.
public struct KeygenModule: ServiceModule {
    /// Request events drive the keys, revocations on the lifecycle topic destroy them; the
    /// registry topic feeds the membership read model that authorises downloads.
    public static let definition = ServiceDefinition(
        name: "keygen", schema: "keygen", defaultPort: 8084, migrations: KeygenMigrations.all,
        consumes: [.requestEvents, .registry, .lifecycle], needsKeyEncryptionKey: true)

    let context: ServiceContext
    let keys: KeyRing
    let store: KeygenStore
    let handler: KeygenEventHandler

    public static func make(context: ServiceContext) async throws -> KeygenModule {
        KeygenModule(context: context, keys: try context.keyRing())
    }

    init(context: ServiceContext, keys: KeyRing) {
        self.context = context
        self.keys = keys
        self.store = KeygenStore(context: context)
        self.handler = KeygenEventHandler(
            audit: context.audit, generate: GenerateKey(keys: keys), members: context.members)
    }

    public var eventHandler: (any EventHandler)? { handler }

    public var services: [any Service] {
        [
            KeyRewrapper(store: store, keys: keys, logger: context.logger),
            KeyRetentionSweeper(store: store, logger: context.logger),
        ]
    }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        KeyBundleRoutes(download: DownloadKeyBundle(store: store, maker: KeyBundleMaker(keys: keys))).add(to: router)
    }
}
