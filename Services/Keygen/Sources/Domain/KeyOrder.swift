import CLMContracts

/// The life of a server-side key in keygen. Transitions are decided here, in one table, like
/// `RequestState`: the store's conditions (`destroyed_at IS NULL`, "no key row yet") and the
/// use cases follow it.
///
/// An order is recorded at submission; the key is generated and sealed after approval; it is
/// issued once its certificate arrives (only then can it be downloaded); it is destroyed when
/// downloaded, when its retention passes, when its request ends without a certificate, or when
/// its certificate is revoked before the download.
enum KeyOrder: Hashable, Sendable, CaseIterable, CustomStringConvertible, Lifecycle {
    /// A server-side request was submitted; no key exists yet.
    case ordered
    /// The key pair exists, sealed; its certificate has not arrived.
    case generated
    /// The certificate arrived: the key may be downloaded, once.
    case issued
    /// The sealed key is gone for good.
    case destroyed(KeyDestroyed.Cause)

    static let allCases: [KeyOrder] = [
        .ordered, .generated, .issued,
        .destroyed(.downloaded), .destroyed(.retentionExpired), .destroyed(.requestEnded),
        .destroyed(.certificateRevoked),
    ]

    /// A destroyed key never changes again.
    var isFinal: Bool {
        if case .destroyed = self { return true }
        return false
    }

    /// Whether a key may move from `self` to `next`.
    func canTransition(to next: KeyOrder) -> Bool {
        switch (self, next) {
        case (.ordered, .generated), (.generated, .issued):
            return true
        // Without a certificate there is nothing to download, but retention and the end of
        // the request still destroy the key.
        case (.generated, .destroyed(.retentionExpired)), (.generated, .destroyed(.requestEnded)):
            return true
        case (.issued, .destroyed):
            return true
        // The revocation is on the lifecycle topic, the certificate on the request events: the
        // revocation can arrive first, and the key must go all the same.
        case (.generated, .destroyed(.certificateRevoked)):
            return true
        default:
            return false
        }
    }

    var stateName: String { description }

    var description: String {
        switch self {
        case .ordered: "ordered"
        case .generated: "generated"
        case .issued: "issued"
        case .destroyed(let cause): "destroyed(\(cause.rawValue))"
        }
    }
}

extension KeyDestroyed.Cause {
    /// Why a key is gone, in words for the person who wanted to download it.
    var explanation: String {
        switch self {
        case .downloaded: "it was downloaded once already"
        case .retentionExpired: "its retention period passed without a download"
        case .requestEnded: "the request ended without a certificate"
        case .certificateRevoked: "its certificate was revoked"
        }
    }
}
