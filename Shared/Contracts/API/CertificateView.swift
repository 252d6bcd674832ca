import Foundation

/// Where a certificate stands: a revoked certificate stays `revoked` after it expires.
public enum CertificateState: String, Codable, Sendable, CaseIterable {
    case valid
    case revoked
    case expired
}

/// An issued certificate in a realm's inventory (`GET /v1/realms/{realm}/certificates`).
public struct CertificateView: Codable, Sendable, Equatable {
    public var ca: String
    public var serialNumber: String
    public var request: UUID
    public var subject: String
    /// Subject alternative names as `dns:…`, `ip:…`, `email:…`, `uri:…`.
    public var alternativeNames: [String]
    public var notBefore: Date
    public var notAfter: Date
    public var issuedAt: Date
    public var state: CertificateState
    public var requester: String?
    public var policy: String?
    public var policyVersion: Int?
    public var entities: [String]
    public var revocation: RevocationView?

    public init(
        ca: String, serialNumber: String, request: UUID, subject: String, alternativeNames: [String] = [],
        notBefore: Date, notAfter: Date, issuedAt: Date, state: CertificateState = .valid, requester: String? = nil,
        policy: String? = nil, policyVersion: Int? = nil, entities: [String] = [], revocation: RevocationView? = nil
    ) {
        self.ca = ca
        self.serialNumber = serialNumber
        self.request = request
        self.subject = subject
        self.alternativeNames = alternativeNames
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.issuedAt = issuedAt
        self.state = state
        self.requester = requester
        self.policy = policy
        self.policyVersion = policyVersion
        self.entities = entities
        self.revocation = revocation
    }
}

/// One page of the inventory; `nextCursor`, when set, fetches the next (`?cursor=`).
public struct CertificatePage: Codable, Sendable, Equatable {
    public var certificates: [CertificateView]
    public var nextCursor: String?

    public init(certificates: [CertificateView], nextCursor: String?) {
        self.certificates = certificates
        self.nextCursor = nextCursor
    }
}

/// `GET /v1/realms/{realm}/certificates/{serial}`: the inventory entry, the certificate itself
/// and what happened to it.
public struct CertificateDetail: Codable, Sendable, Equatable {
    /// One step in a certificate's life.
    public struct Event: Codable, Sendable, Equatable {
        /// `issued`, `revoked`, …
        public var event: String
        public var at: Date
        public var by: String
        public var detail: String?

        public init(event: String, at: Date, by: String, detail: String? = nil) {
            self.event = event
            self.at = at
            self.by = by
            self.detail = detail
        }
    }

    public var certificate: CertificateView
    /// The leaf, PEM.
    public var pem: String
    public var history: [Event]

    public init(certificate: CertificateView, pem: String, history: [Event]) {
        self.certificate = certificate
        self.pem = pem
        self.history = history
    }
}
