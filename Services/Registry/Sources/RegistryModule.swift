import CLMContracts
import CLMServiceKit
import CLMStorage
import Hummingbird

/// Realms, their CAs and members, versioned policies and end entities. Every change is
/// published as a snapshot on the compacted registry topic, from which the other services
/// build their read models; the registry owns the memberships, so it consumes nothing.
public struct RegistryModule: ServiceModule {
    public static let definition = ServiceDefinition(
        name: "registry", schema: "registry", defaultPort: 8081, migrations: RegistryMigrations.all, consumes: [],
        keepsPublishedEvents: true)

    let registry: RegistryRoutes
    let access: AccessRoutes

    public static func make(context: ServiceContext) async throws -> RegistryModule {
        let store = RegistryStore()
        let registry = RegistryRoutes(
            context: context, store: store,
            changes: RegistryChanges(store: store, members: context.members, audit: context.audit))
        let access = AccessRoutes(
            registry: registry, members: context.members,
            changes: RealmAccessChanges(store: store, members: context.members, audit: context.audit))
        return RegistryModule(registry: registry, access: access)
    }

    public var eventHandler: (any EventHandler)? { nil }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        registry.add(to: router)
        access.add(to: router.group("v1/realms"))
    }
}
