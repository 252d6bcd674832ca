import CLMContracts
import Hummingbird

extension RequestContext {
    /// The `:realm` path parameter. Anything that is not a valid identifier cannot name a realm,
    /// so it is a 404 like any unknown realm — never a hint about what exists.
    public func realm() throws -> String {
        let realm = try parameters.require("realm")
        guard Identifier.isValid(realm) else { throw APIError.notFound("realm '\(realm)'") }
        return realm
    }
}
