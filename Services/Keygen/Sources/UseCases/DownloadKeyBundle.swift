import CLMContracts
import CLMCrypto
import Foundation
import Logging

/// The one download of a server-side key: the requester gets certificate, chain and private
/// key as PKCS#12 or PEM, after which the key is destroyed.
///
/// When the requester chose a password at submission, the download must present it: a stolen
/// token alone does not get the key. Each guess first claims one of `DownloadAttempts.limit`
/// attempts atomically and only then is judged (PBKDF2, ~0.1 s, outside any transaction), so
/// guesses in parallel cannot get past the limit; the right password gives its attempt back.
struct DownloadKeyBundle: Sendable {
    struct Input: Sendable {
        var request: UUID
        var realm: String
        var requester: String
        var format: BundleFormat
        var password: String?
    }

    let store: any KeygenStoring
    let maker: any KeyBundleMaking
    /// How long to wait for a certificate that is issued but not yet seen here.
    var certificateWait: Duration = .seconds(30)
    var pollInterval: Duration = .milliseconds(100)

    func execute(_ input: Input, logger: Logger) async throws -> [UInt8] {
        try BundlePassword.check(input.password, for: input.format)
        try await waitForCertificate(input, logger: logger)
        let claimed = try await judgePassword(input, logger: logger)
        let outcome = try await store.transaction(logger: logger) { tx in
            try await take(input, givingBackAttempt: claimed, in: tx)
        }
        let bundle = try outcome.get()
        logger.notice("key bundle downloaded; private key destroyed", metadata: ["format": "\(input.format.rawValue)"])
        return bundle
    }

    /// Intake may report `issued` before this service has consumed the same certificate
    /// event — this consumer can be busy generating RSA keys for other requests of its
    /// partition: wait for it rather than sending the user away.
    private func waitForCertificate(_ input: Input, logger: Logger) async throws {
        let deadline = ContinuousClock.now + certificateWait
        while ContinuousClock.now < deadline {
            guard try await store.isAwaitingCertificate(request: input.request, realm: input.realm, logger: logger)
            else { return }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// Whether an attempt was claimed (and the password was right). A wrong guess keeps its
    /// attempt, is audited in its own transaction and refused.
    private func judgePassword(_ input: Input, logger: Logger) async throws -> Bool {
        let claim = try await store.claimDownloadAttempt(
            request: input.request, realm: input.realm, requester: input.requester, limit: DownloadAttempts.limit,
            logger: logger)
        switch claim {
        case .notRequired:
            return false
        case .locked:
            throw DownloadAttempts.locked
        case .claimed(let attempt, let text):
            guard let verifier = PasswordVerifier(text) else {
                throw Problem.internal("the stored password verifier is unreadable")
            }
            if let password = input.password, try verifier.matches(password) { return true }
            try await store.transaction(logger: logger) { tx in
                try await tx.audit(
                    realm: input.realm, actor: input.requester, action: "key.download-refused",
                    target: input.request.lowercasedString, details: DownloadAttempts.refusalDetail(attempt: attempt))
            }
            throw DownloadAttempts.wrongPassword
        }
    }

    /// Builds the bundle and destroys the key, in `tx`. A refusal is returned, not thrown, so
    /// that the attempt given back by the right password commits with it.
    private func take(_ input: Input, givingBackAttempt: Bool, in tx: any KeygenTransaction) async throws
        -> Result<[UInt8], Problem>
    {
        let id = input.request
        if givingBackAttempt { try await tx.returnDownloadAttempt(request: id) }
        // Only the requester downloads; anyone else learns nothing, not even that it exists.
        guard let key = try await tx.lockKeyForDownload(request: id, realm: input.realm, requester: input.requester)
        else { return .failure(.notFound("key of request \(id)")) }
        if let problem = Self.refusal(of: key, request: id) { return .failure(problem) }
        guard key.state.canTransition(to: .destroyed(.downloaded)), let sealed = key.sealedKey,
            let certificate = key.certificate, let chain = key.chain
        else { return .failure(.internal("key of request \(id) is in an impossible state")) }
        let bundle = try maker.bundle(
            of: IssuedKey(sealedKey: sealed, certificatePEM: certificate, chainPEM: chain), request: id,
            format: input.format, password: input.password)
        try await tx.markDownloaded(request: id)
        try await tx.publish(
            KeyDestroyed(
                request: id, realm: input.realm, cause: .downloaded,
                reason: "private key downloaded as \(input.format.displayName) by \(input.requester) and destroyed"),
            about: id, realm: input.realm)
        try await tx.audit(
            realm: input.realm, actor: input.requester, action: "key.downloaded", target: id.lowercasedString,
            details: "format \(input.format.rawValue), password-protected \(input.password != nil)")
        return .success(bundle)
    }

    /// Why a key cannot be downloaded (yet), if it cannot.
    static func refusal(of key: StoredKey, request: UUID) -> Problem? {
        if let destroyed = key.destroyedAt {
            let why = KeyDestroyed.Cause(rawValue: key.destroyCause ?? "")?.explanation ?? "it was destroyed"
            return .gone(
                "key-destroyed",
                "the private key no longer exists: \(why) (\(ContractCoding.formatTimestamp(destroyed)))")
        }
        if key.state == .generated {
            return .conflict(
                "not-issued", "request \(request) has no certificate yet; download after issuance", retryAfter: 2)
        }
        return nil
    }
}
