import Foundation

/// Where the certificate's key comes from.
public enum KeySource: String, Codable, Sendable { case csr, server }

/// A subject attribute of the certificate to issue, already mapped from end entities.
public struct SubjectAttribute: Codable, Sendable, Equatable {
    /// Short name: CN, O, OU, C, L, ST.
    public var type: String
    public var value: String
    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }
}

/// A subject alternative name of the certificate to issue.
public struct AlternativeName: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case dns, ip, email, uri }
    public var kind: Kind
    public var value: String
    public init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }
}

/// `clm.request.submitted.v1`: intake accepted a request. It carries everything later steps
/// need, bound to the policy version it was judged under, so no service looks anything up.
public struct RequestSubmitted: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    public var requester: String
    public var policy: String
    public var policyVersion: Int
    public var ca: String
    public var approval: PolicyDocument.Approval
    public var subject: [SubjectAttribute]
    public var alternativeNames: [AlternativeName]
    public var keySource: KeySource
    /// DER SubjectPublicKeyInfo, base64 — for `csr` requests; nil until keygen made one.
    public var publicKey: String?
    /// Requested server-side key, e.g. `ec:P-256` — for `server` requests.
    public var keySpec: String?
    public var validityDays: Int
    public var keyUsage: [String]
    public var extendedKeyUsage: [String]
    public var submittedAt: Date
    /// For e-mail verification: the end entities' addresses, each of which must confirm.
    public var verificationEmails: [String]?
    /// For `server` requests: how long keygen keeps the sealed key waiting for its download.
    public var keyRetentionSeconds: Int?
    /// For `server` requests: a PBKDF2 verifier of the password the requester chose at
    /// submission (`pbkdf2-sha256$…`); the download must present that password. Never the
    /// password itself.
    public var keyPasswordVerifier: String?
    /// The policy's certificate policy OIDs (dotted decimal), which the CA writes into the
    /// certificate's certificatePolicies extension; nil when the policy names none.
    public var certificatePolicies: [String]?
    /// The end entities' ids, in the order the request named them (for the certificate inventory).
    public var entities: [String]? = nil
    /// Set when the request renews an issued certificate.
    public var renewalOf: RenewalOf? = nil
    /// The policy's expiry warning thresholds in seconds before `notAfter`, longest first; nil or
    /// empty when the policy warns of nothing (the gateway still announces the expiry itself).
    public var expiryWarningSeconds: [Int]? = nil

    public init(
        request: UUID, realm: String, requester: String, policy: String, policyVersion: Int, ca: String,
        approval: PolicyDocument.Approval, subject: [SubjectAttribute], alternativeNames: [AlternativeName],
        keySource: KeySource, publicKey: String?, keySpec: String?, validityDays: Int, keyUsage: [String],
        extendedKeyUsage: [String], submittedAt: Date, verificationEmails: [String]? = nil,
        keyRetentionSeconds: Int? = nil, keyPasswordVerifier: String? = nil, certificatePolicies: [String]? = nil
    ) {
        self.keyPasswordVerifier = keyPasswordVerifier
        self.certificatePolicies = certificatePolicies
        self.verificationEmails = verificationEmails
        self.keyRetentionSeconds = keyRetentionSeconds
        self.request = request
        self.realm = realm
        self.requester = requester
        self.policy = policy
        self.policyVersion = policyVersion
        self.ca = ca
        self.approval = approval
        self.subject = subject
        self.alternativeNames = alternativeNames
        self.keySource = keySource
        self.publicKey = publicKey
        self.keySpec = keySpec
        self.validityDays = validityDays
        self.keyUsage = keyUsage
        self.extendedKeyUsage = extendedKeyUsage
        self.submittedAt = submittedAt
    }
}

/// `clm.request.approved.v1` — the workflow let the request through.
public struct RequestApproved: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    /// `system:automatic` or the approvers' subjects.
    public var approvedBy: [String]
    public var reason: String
    public init(request: UUID, realm: String, approvedBy: [String], reason: String) {
        self.request = request
        self.realm = realm
        self.approvedBy = approvedBy
        self.reason = reason
    }
}

/// `clm.request.declined.v1` — a person (or expiry) ended the request.
public struct RequestDeclined: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    public var declinedBy: String
    public var reason: String
    public init(request: UUID, realm: String, declinedBy: String, reason: String) {
        self.request = request
        self.realm = realm
        self.declinedBy = declinedBy
        self.reason = reason
    }
}

/// `clm.request.failed.v1` — a step could not complete (e.g. CA unavailable past retries).
public struct RequestFailed: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    /// Stable machine-readable code, e.g. `ca-unavailable`.
    public var code: String
    public var reason: String
    public var failedBy: String
    public init(request: UUID, realm: String, code: String, reason: String, failedBy: String) {
        self.request = request
        self.realm = realm
        self.code = code
        self.reason = reason
        self.failedBy = failedBy
    }
}

/// `clm.key.generated.v1` — keygen made the key pair of a server-side request. Only the
/// public key leaves keygen; the private key stays there, sealed, until the user downloads it.
public struct KeyGenerated: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    /// e.g. `ec:P-256`.
    public var keySpec: String
    /// DER SubjectPublicKeyInfo, base64.
    public var publicKey: String
    public init(request: UUID, realm: String, keySpec: String, publicKey: String) {
        self.request = request
        self.realm = realm
        self.keySpec = keySpec
        self.publicKey = publicKey
    }
}

/// `clm.certificate.issued.v1` — the CA signed the certificate.
public struct CertificateIssued: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    public var ca: String
    /// Hex, upper case, no separators.
    public var serialNumber: String
    /// The leaf certificate, PEM.
    public var certificate: String
    /// The issuing chain up to and including the root, PEM, leaf excluded.
    public var chain: String
    public var notBefore: Date
    public var notAfter: Date
    public init(
        request: UUID, realm: String, ca: String, serialNumber: String, certificate: String, chain: String,
        notBefore: Date, notAfter: Date
    ) {
        self.request = request
        self.realm = realm
        self.ca = ca
        self.serialNumber = serialNumber
        self.certificate = certificate
        self.chain = chain
        self.notBefore = notBefore
        self.notAfter = notAfter
    }
}

/// `clm.request.awaiting.v1` — the workflow waits for people: e-mail confirmations or
/// approvers. Published when the wait starts and again whenever an approval is recorded.
public struct RequestAwaiting: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    /// `awaiting_verification` or `awaiting_approval`.
    public var state: RequestState
    /// Confirmations or approvals needed in all.
    public var required: Int
    /// Who has approved (subjects) or confirmed (masked addresses) so far.
    public var received: [String]
    public var expiresAt: Date
    public var reason: String
    public init(
        request: UUID, realm: String, state: RequestState, required: Int, received: [String], expiresAt: Date,
        reason: String
    ) {
        self.request = request
        self.realm = realm
        self.state = state
        self.required = required
        self.received = received
        self.expiresAt = expiresAt
        self.reason = reason
    }
}

/// `clm.request.expired.v1` — nobody answered in time.
public struct RequestExpired: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    public var reason: String
    public init(request: UUID, realm: String, reason: String) {
        self.request = request
        self.realm = realm
        self.reason = reason
    }
}

/// `clm.key.destroyed.v1` — keygen destroyed a server-generated private key.
public struct KeyDestroyed: Codable, Sendable, Equatable {
    public enum Cause: String, Codable, Sendable {
        /// The user downloaded the bundle (one download only).
        case downloaded
        /// The policy's retention period passed without a download.
        case retentionExpired = "retention-expired"
        /// The request ended without a certificate.
        case requestEnded = "request-ended"
        /// The certificate was revoked before its key was downloaded.
        case certificateRevoked = "certificate-revoked"
    }
    public var request: UUID
    public var realm: String
    public var cause: Cause
    public var reason: String
    public init(request: UUID, realm: String, cause: Cause, reason: String) {
        self.request = request
        self.realm = realm
        self.cause = cause
        self.reason = reason
    }
}

/// `clm.request.delayed.v1` — a step is being retried (e.g. the CA is unavailable); the
/// request keeps its state and will continue or fail by itself.
public struct RequestDelayed: Codable, Sendable, Equatable {
    public var request: UUID
    public var realm: String
    /// Stable machine-readable code, e.g. `ca-unavailable`.
    public var code: String
    public var reason: String
    /// Attempts made so far.
    public var attempt: Int
    public var retryAt: Date
    public init(request: UUID, realm: String, code: String, reason: String, attempt: Int, retryAt: Date) {
        self.request = request
        self.realm = realm
        self.code = code
        self.reason = reason
        self.attempt = attempt
        self.retryAt = retryAt
    }
}

/// What a renewal renews: the certificate, its request, and whether the CA gateway revokes it
/// (`superseded`) once the new certificate is issued.
public struct RenewalOf: Codable, Sendable, Equatable {
    public var request: UUID
    public var ca: String
    public var serialNumber: String
    public var revokeOnIssue: Bool

    public init(request: UUID, ca: String, serialNumber: String, revokeOnIssue: Bool) {
        self.request = request
        self.ca = ca
        self.serialNumber = serialNumber
        self.revokeOnIssue = revokeOnIssue
    }
}
