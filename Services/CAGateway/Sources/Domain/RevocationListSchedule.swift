import Foundation

/// When a CA's CRL is signed again. Every revocation signs one at once; besides, a CRL is
/// replaced `resignBefore` ahead of its `nextUpdate`, so relying parties never hold a stale one.
struct RevocationListSchedule: Sendable, Equatable {
    /// `nextUpdate` − `thisUpdate`.
    var validity: TimeInterval
    /// How long before `nextUpdate` the next CRL is signed; less than `validity`.
    var resignBefore: TimeInterval

    func nextUpdate(after thisUpdate: Date) -> Date { thisUpdate.addingTimeInterval(validity) }

    /// Whether a CA whose current CRL runs until `nextUpdate` (nil: it has none) needs a new one.
    func isDue(nextUpdate: Date?, now: Date) -> Bool {
        guard let nextUpdate else { return true }
        return nextUpdate.timeIntervalSince(now) <= resignBefore
    }

    /// Certificates that expired before this stay off the CRL signed at `now`. An entry stays
    /// for one whole validity period after its certificate expired, so at least one CRL issued
    /// after the expiry still lists it (RFC 5280 §3.3).
    func oldestListedExpiry(now: Date) -> Date { now.addingTimeInterval(-validity) }
}

/// A CA's current CRL as the signer needs it: its number, and until when it is valid.
struct RevocationListState: Sendable, Equatable {
    var number: UInt64
    var nextUpdate: Date
}
