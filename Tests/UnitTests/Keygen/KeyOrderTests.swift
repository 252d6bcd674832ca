import CLMContracts
import Testing

@testable import Keygen

@Suite("Keygen: KeyOrder")
struct KeygenKeyOrderTests {
    /// The whole table a key may follow: every pair not listed is refused.
    static let allowed: Set<String> = [
        "ordered→generated", "generated→issued",
        "generated→destroyed(retention-expired)", "generated→destroyed(request-ended)",
        "issued→destroyed(downloaded)", "issued→destroyed(retention-expired)", "issued→destroyed(request-ended)",
        "generated→destroyed(certificate-revoked)", "issued→destroyed(certificate-revoked)",
    ]

    @Test("every pair of states follows the table", arguments: Transition<KeyOrder>.all)
    func transitionTable(_ pair: Transition<KeyOrder>) {
        pair.expect(in: Self.allowed)
    }

    @Test("the table covers all 49 pairs and names only real states")
    func tableIsWellFormed() {
        Transition<KeyOrder>.expectWellFormed(Self.allowed, count: 49)
        Transition<KeyOrder>.expectFinalStatesStay()
    }

    @Test("destroyed is final, and only an issued key can be downloaded", arguments: KeyOrder.allCases)
    func finality(_ state: KeyOrder) {
        if case .destroyed = state {
            #expect(state.isFinal)
            #expect(KeyOrder.allCases.allSatisfy { !state.canTransition(to: $0) })
        } else {
            #expect(!state.isFinal)
        }
        #expect(state.canTransition(to: .destroyed(.downloaded)) == (state == .issued))
        #expect(!state.canTransition(to: state))
        #expect(!state.canTransition(to: .ordered))
    }

    @Test("a stored key's state follows from its row")
    func storedState() {
        let sealed: [UInt8] = [1, 2, 3]
        #expect(StoredKey(sealedKey: sealed).state == .generated)
        #expect(StoredKey(sealedKey: sealed, certificate: "c").state == .generated)
        #expect(StoredKey(sealedKey: sealed, certificate: "c", chain: "ch").state == .issued)
        let gone = StoredKey(destroyedAt: .now, destroyCause: "retention-expired")
        #expect(gone.state == .destroyed(.retentionExpired))
        // Keys destroyed before causes were recorded were downloaded.
        #expect(StoredKey(destroyedAt: .now).state == .destroyed(.downloaded))
    }
}

@Suite("Keygen: bundle rules")
struct KeygenBundleRulesTests {
    @Test("PKCS#12 needs a password; PEM may go without")
    func missingPassword() throws {
        #expect(throws: Problem.invalid("missing-password", "")) {
            try BundlePassword.check(nil, for: .pkcs12)
        }
        try BundlePassword.check(nil, for: .pem)
    }

    @Test("passwords of 12 to 1024 characters", arguments: [11, 12, 1024, 1025])
    func length(_ count: Int) throws {
        let password = String(repeating: "p", count: count)
        for format in BundleFormat.allCases {
            if (12...1024).contains(count) {
                try BundlePassword.check(password, for: format)
            } else {
                #expect(throws: Problem.invalid("weak-password", "")) {
                    try BundlePassword.check(password, for: format)
                }
            }
        }
    }

    @Test("the formats' content types, file names and names")
    func formats() {
        #expect(BundleFormat(rawValue: "pkcs12")?.contentType == "application/x-pkcs12")
        #expect(BundleFormat(rawValue: "pem")?.contentType == "application/x-pem-file")
        #expect(BundleFormat.pkcs12.fileExtension == "p12" && BundleFormat.pem.fileExtension == "pem")
        #expect(BundleFormat.pkcs12.displayName == "PKCS#12" && BundleFormat.pem.displayName == "PEM")
        #expect(BundleFormat(rawValue: "der") == nil)
    }

    @Test("the lock after five wrong passwords is a 429-kind problem with an hour's Retry-After")
    func lock() {
        #expect(DownloadAttempts.limit == 5)
        #expect(DownloadAttempts.locked.kind == .rateLimited && DownloadAttempts.locked.retryAfter == 3600)
        #expect(DownloadAttempts.locked.detail.hasPrefix("5 wrong passwords"))
        #expect(DownloadAttempts.wrongPassword.kind == .forbidden)
        #expect(DownloadAttempts.wrongPassword.code == "wrong-password")
        #expect(DownloadAttempts.refusalDetail(attempt: 3) == "wrong password (attempt 3 of 5)")
    }
}
