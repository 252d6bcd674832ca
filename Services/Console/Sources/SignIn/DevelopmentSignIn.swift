import CLMContracts
import CLMIdentity
import CLMServiceKit
import Foundation

/// Sign-in for local runs: the console mints a token with the development identity provider's
/// key (the one `make up` creates and the services trust) for whoever the person says they
/// are. Only exists when `CLM_CONSOLE_DEV_SIGN_IN=true`; the sign-in page says so.
struct DevelopmentSignIn: Sendable {
    /// A demo user offered on the sign-in page.
    struct User: Codable, Sendable, Equatable {
        var subject: String
        var description: String?
        var platformAdmin: Bool?
        var realms: [String: [String]]?
    }

    let settings: ConsoleSettings.Development
    let provider: DevelopmentIdentityProvider
    let users: [User]
    let lifetime: Duration

    init(settings: ConsoleSettings.Development, lifetime: Duration) throws {
        self.settings = settings
        self.lifetime = lifetime
        do {
            self.provider = try DevelopmentIdentityProvider.load(directory: settings.directory)
        } catch {
            throw SignInError.provider(
                "CLM_CONSOLE_DEV_IDP_DIR: no development identity provider in \(settings.directory.path) (run `clm dev init-idp`): \(error)"
            )
        }
        if let file = settings.usersFile {
            do {
                self.users = try JSONDecoder().decode([User].self, from: Data(contentsOf: file))
            } catch {
                throw SignInError.provider(
                    "CLM_CONSOLE_DEV_USERS_FILE: \(file.path) is not a JSON list of users: \(error)")
            }
        } else {
            self.users = []
        }
    }

    /// The token and principal for `user`, after checking what it asks for.
    func signIn(_ user: User, now: Date = Date()) throws -> (token: String, principal: Principal) {
        let subject = user.subject.trimmingCharacters(in: .whitespaces)
        guard (1...200).contains(subject.count),
            !subject.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw APIError.badRequest("invalid-field", "subject: 1...200 printable characters")
        }
        var realmRoles: [String: Set<String>] = [:]
        for (realm, roles) in user.realms ?? [:] {
            guard Identifier.isValid(realm) else {
                throw APIError.badRequest("invalid-field", "realms: '\(realm)' is not a realm id")
            }
            let unknown = roles.filter { !Role.realmRoleNames.contains($0) }
            guard unknown.isEmpty else {
                throw APIError.badRequest(
                    "invalid-field",
                    "realms.\(realm): unknown role \(unknown.sorted().joined(separator: ", ")); roles are \(Role.realmRoleNames.sorted().joined(separator: ", "))"
                )
            }
            if !roles.isEmpty { realmRoles[realm] = Set(roles) }
        }
        let platformRoles: Set<String> = user.platformAdmin == true ? [Role.platformAdmin] : []
        let token = try provider.mint(
            subject: subject, issuer: settings.issuer, audience: settings.audience, platformRoles: platformRoles,
            realmRoles: realmRoles, lifetime: lifetime, now: now)
        let expiry = Date(
            timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down) + Double(lifetime.components.seconds))
        let principal = Principal(
            subject: subject, issuer: settings.issuer, platformRoles: platformRoles, realmRoles: realmRoles,
            expiresAt: expiry)
        return (token, principal)
    }
}
