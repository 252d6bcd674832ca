import CLMCrypto
import CLMIdentity
import Foundation

/// The console's sessions and pending sign-ins, in memory. Ids are 256 random bits; a lookup
/// of an expired session removes it and says so, so the page can tell "expired" from "signed
/// out". Bounded: the oldest session makes room when `capacity` is reached.
actor SessionStore {
    enum Lookup: Sendable {
        case active(ConsoleSession)
        case expired
        case none
    }

    private var sessions: [String: ConsoleSession] = [:]
    private var pending: [String: PendingSignIn] = [:]
    private let capacity: Int
    private let lifetime: Duration
    /// A sign-in must come back from the identity provider within this time.
    static let pendingLifetime: TimeInterval = 600
    static let maxPending = 10_000

    init(capacity: Int, lifetime: Duration) {
        self.capacity = capacity
        self.lifetime = lifetime
    }

    static func newID() -> String { JOSEBase64URL.encode(SecureRandom.bytes(32)) }

    /// Records a session for `principal`; its end is the token's expiry or the lifetime, whichever is first.
    func open(
        principal: Principal, bearer: String, idToken: String?, method: ConsoleSession.Method, now: Date = Date()
    ) -> ConsoleSession {
        if sessions.count >= capacity, let oldest = sessions.values.min(by: { $0.createdAt < $1.createdAt }) {
            sessions[oldest.id] = nil
        }
        let end = min(principal.expiresAt, now.addingTimeInterval(TimeInterval(lifetime.components.seconds)))
        let session = ConsoleSession(
            id: Self.newID(), principal: principal, bearer: bearer, idToken: idToken, method: method, createdAt: now,
            expiresAt: end)
        sessions[session.id] = session
        return session
    }

    func lookUp(_ id: String?, now: Date = Date()) -> Lookup {
        guard let id, let session = sessions[id] else { return .none }
        guard !session.isExpired(at: now) else {
            sessions[id] = nil
            return .expired
        }
        return .active(session)
    }

    func close(_ id: String?) -> ConsoleSession? {
        guard let id else { return nil }
        return sessions.removeValue(forKey: id)
    }

    func remember(_ signIn: PendingSignIn) {
        let cutoff = signIn.createdAt.addingTimeInterval(-Self.pendingLifetime)
        pending = pending.filter { $0.value.createdAt > cutoff }
        if pending.count >= Self.maxPending, let oldest = pending.values.min(by: { $0.createdAt < $1.createdAt }) {
            pending[oldest.state] = nil
        }
        pending[signIn.state] = signIn
    }

    /// The pending sign-in for `state`, once: a replayed callback finds nothing.
    func takePending(state: String, now: Date = Date()) -> PendingSignIn? {
        guard let signIn = pending.removeValue(forKey: state) else { return nil }
        return now.timeIntervalSince(signIn.createdAt) <= Self.pendingLifetime ? signIn : nil
    }

    var count: Int { sessions.count }
}
