import Foundation
import Testing

@testable import CLMCrypto

@Suite("Crypto: OCSP requests and responses")
struct CryptoOCSPTests {
    typealias Builder = CryptoCertificateBuilderTests
    static let now = Builder.now

    struct Setup {
        let chain: Builder.Hierarchy
        let leaf: Certificate
        let scratch: CryptoScratch
    }

    static func setup() throws -> Setup {
        let chain = try Builder.hierarchy()
        let key = try PrivateKey.generate(.ec(curve: .p256))
        let leaf = try Builder.leafBuilder(for: key.publicKey).issue(issuer: chain.issuing, issuerKey: chain.issuingKey)
        let scratch = try CryptoScratch()
        try scratch.write("chain.pem", chain.root.pem + chain.issuing.pem)
        try scratch.write("issuing.pem", chain.issuing.pem)
        try scratch.write("leaf.pem", leaf.pem)
        return Setup(chain: chain, leaf: leaf, scratch: scratch)
    }

    /// A request written by `openssl ocsp` with `options` (e.g. `-no_nonce`, `-sha256`, `-serial 0x…`).
    static func request(_ setup: Setup, _ options: [String] = ["-cert", "leaf.pem"]) throws -> OCSPRequest {
        try setup.scratch.opensslOK(["ocsp", "-issuer", "issuing.pem"] + options + ["-reqout", "req.der"])
        return try OCSPRequest(der: setup.scratch.read("req.der"))
    }

    /// `openssl ocsp` verifying `response` against the request in req.der; returns its output.
    static func verify(_ setup: Setup, _ response: [UInt8]) throws -> String {
        try setup.scratch.write("resp.der", bytes: response)
        return try setup.scratch.opensslOK([
            "ocsp", "-reqin", "req.der", "-respin", "resp.der", "-issuer", "issuing.pem", "-CAfile", "chain.pem",
            "-resp_text",
        ])
    }

    static func answer(_ request: OCSPRequest, _ status: OCSPCertificateStatus) -> OCSPResponseBuilder {
        OCSPResponseBuilder(
            thisUpdate: now - 60, nextUpdate: now + 3600,
            answers: request.certIDs.map { OCSPResponseBuilder.Answer(certID: $0, status: status) },
            nonce: request.nonce)
    }

    @Test("requests from openssl ocsp parse into CertIDs of the right issuer, with and without a nonce")
    func parsing() throws {
        let setup = try Self.setup()
        let request = try Self.request(setup)
        let certID = try #require(request.certIDs.first)
        #expect(request.certIDs.count == 1)
        #expect(certID.hashAlgorithm == .sha1)
        #expect(certID.serialNumber.hex == setup.leaf.serialNumberHex)
        #expect(certID.isIssued(by: setup.chain.issuing) && !certID.isIssued(by: setup.chain.root))
        let hashes = try OCSPCertID.issuerHashes(of: setup.chain.issuing, .sha1)
        #expect(certID.issuerNameHash == hashes.name && certID.issuerKeyHash == hashes.key)
        let nonce = try #require(request.nonce)
        #expect(nonce.count == 18 && nonce[0] == 0x04 && nonce[1] == 16)  // OCTET STRING of 16 random bytes

        #expect(try Self.request(setup, ["-no_nonce", "-cert", "leaf.pem"]).nonce == nil)
        let sha256 = try Self.request(setup, ["-sha256", "-cert", "leaf.pem", "-serial", "0x1234"])
        #expect(sha256.certIDs.map(\.hashAlgorithm) == [.sha256, .sha256])
        #expect(sha256.certIDs.map(\.serialNumber.hex) == [setup.leaf.serialNumberHex, "1234"])
        #expect(sha256.certIDs.allSatisfy { $0.isIssued(by: setup.chain.issuing) })
        #expect(!sha256.certIDs[0].isIssued(by: setup.chain.root))
    }

    @Test("openssl accepts CA-signed answers: good, revoked with reason and time, unknown; the nonce is echoed")
    func answers() throws {
        let setup = try Self.setup()
        let request = try Self.request(setup)
        let nonceHex = try #require(request.nonce).dropFirst(2).map { String(format: "%02X", $0) }.joined()
        let sign = { (status: OCSPCertificateStatus) in
            try Self.answer(request, status).sign(issuer: setup.chain.issuing, issuerKey: setup.chain.issuingKey)
        }

        let good = try Self.verify(setup, sign(.good))
        #expect(good.contains("Response verify OK"))
        #expect(good.contains("Cert Status: good"))
        let keyHash = try OCSPCertID.issuerHashes(of: setup.chain.issuing, .sha1).key
        #expect(good.contains("Responder Id: " + keyHash.map { String(format: "%02X", $0) }.joined()))
        #expect(
            good.replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "\n", with: "").contains(nonceHex))
        #expect(!good.contains("WARNING: no nonce"))

        let revoked = try Self.verify(setup, sign(.revoked(time: Self.now - 120, reason: .keyCompromise)))
        #expect(revoked.contains("Response verify OK"))
        #expect(revoked.contains("Cert Status: revoked"))
        #expect(revoked.contains("Revocation Reason: keyCompromise (0x1)"))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy"
        let when = formatter.string(from: Self.now - 120).replacingOccurrences(of: " ", with: "")
        #expect(revoked.replacingOccurrences(of: " ", with: "").contains("RevocationTime:\(when)GMT"), "\(when)")

        let unspecified = try Self.verify(setup, sign(.revoked(time: Self.now - 120, reason: .unspecified)))
        #expect(unspecified.contains("Cert Status: revoked") && !unspecified.contains("Revocation Reason"))

        let other = try Self.request(setup, ["-serial", "0x" + SerialNumber.random().hex])
        let unknown = try Self.answer(other, .unknown).sign(
            issuer: setup.chain.issuing, issuerKey: setup.chain.issuingKey)
        let unknownText = try Self.verify(setup, unknown)
        #expect(unknownText.contains("Response verify OK") && unknownText.contains("Cert Status: unknown"))

        let noNonce = try Self.request(setup, ["-no_nonce", "-cert", "leaf.pem"])
        let plain = try Self.verify(
            setup,
            Self.answer(noNonce, .good).sign(issuer: setup.chain.issuing, issuerKey: setup.chain.issuingKey))
        #expect(plain.contains("Response verify OK") && !plain.contains("OCSP Nonce"))
    }
}

@Suite("Crypto: OCSP responders, errors and hostile requests")
struct CryptoOCSPResponderTests {
    typealias OCSP = CryptoOCSPTests
    static let now = OCSP.now

    @Test("a delegated responder with id-kp-OCSPSigning signs answers openssl accepts; others may not")
    func delegated() throws {
        let setup = try OCSP.setup()
        let request = try OCSP.request(setup)
        let responderKey = try PrivateKey.generate(.ed25519)
        let responder = try CertificateBuilder(
            subject: DistinguishedName([(.commonName, "CLM OCSP responder")]), publicKey: responderKey.publicKey,
            notBefore: Self.now - 60, notAfter: Self.now + 86_400,
            profile: CertificateProfile(keyUsage: [.digitalSignature], extendedKeyUsage: [.ocspSigning])
        ).issue(issuer: setup.chain.issuing, issuerKey: setup.chain.issuingKey)
        let response = try OCSP.answer(request, .good).sign(
            issuer: setup.chain.issuing, responder: responder, responderKey: responderKey)
        let text = try OCSP.verify(setup, response)
        #expect(text.contains("Response verify OK") && text.contains("Cert Status: good"))
        #expect(text.contains("Signature Algorithm: ED25519"))
        #expect(text.contains("Subject: CN=CLM OCSP responder"))  // the responder certificate travels along

        // A TLS leaf of the same CA, and a wrong key, are refused.
        let leafKey = try PrivateKey.generate(.ec(curve: .p256))
        let tlsLeaf = try CryptoCertificateBuilderTests.leafBuilder(for: leafKey.publicKey).issue(
            issuer: setup.chain.issuing, issuerKey: setup.chain.issuingKey)
        #expect(throws: CryptoError(.malformedInput, "")) {
            try OCSP.answer(request, .good).sign(issuer: setup.chain.issuing, responder: tlsLeaf, responderKey: leafKey)
        }
        #expect(throws: CryptoError(.keyMismatch, "")) {
            try OCSP.answer(request, .good).sign(issuer: setup.chain.issuing, issuerKey: setup.chain.rootKey)
        }
    }

    @Test("the builder refuses empty, mistimed and foreign answers")
    func refusals() throws {
        let setup = try OCSP.setup()
        let request = try OCSP.request(setup)
        let sign = { (builder: OCSPResponseBuilder) in
            try builder.sign(issuer: setup.chain.issuing, issuerKey: setup.chain.issuingKey)
        }
        var builder = OCSP.answer(request, .good)
        builder.answers = []
        #expect(throws: CryptoError(.malformedInput, "")) { try sign(builder) }
        builder = OCSP.answer(request, .good)
        builder.nextUpdate = builder.thisUpdate
        #expect(throws: CryptoError(.malformedInput, "")) { try sign(builder) }
        // A CertID naming the root as issuer: the issuing CA may say "unknown", never "good" or "revoked".
        try setup.scratch.write("root.pem", setup.chain.root.pem)
        try setup.scratch.opensslOK(["ocsp", "-issuer", "root.pem", "-serial", "0x42", "-reqout", "foreign.der"])
        let foreign = try OCSPRequest(der: setup.scratch.read("foreign.der"))
        #expect(throws: CryptoError(.malformedInput, "")) { try sign(OCSP.answer(foreign, .good)) }
        #expect(throws: CryptoError(.malformedInput, "")) {
            try sign(OCSP.answer(foreign, .revoked(time: Self.now, reason: .superseded)))
        }
        #expect(try !sign(OCSP.answer(foreign, .unknown)).isEmpty)
    }

    @Test("error responses are the bare RFC 6960 OCSPResponse with the status")
    func failures() throws {
        let scratch = try CryptoScratch()
        let expected: [(OCSPResponseBuilder.Failure, UInt8, String)] = [
            (.malformedRequest, 1, "malformedrequest"), (.internalError, 2, "internalerror"),
            (.tryLater, 3, "trylater"), (.unauthorized, 6, "unauthorized"),
        ]
        for (failure, code, name) in expected {
            let der = try OCSPResponseBuilder.failure(failure)
            #expect(der == [0x30, 0x03, 0x0A, 0x01, code])
            try scratch.write("resp.der", bytes: der)
            let output = try scratch.openssl(["ocsp", "-respin", "resp.der", "-resp_text", "-noverify"])
            #expect(output.output.contains("Responder Error: \(name) (\(code))"), "\(output.output)")
        }
    }

    @Test("garbage, truncated and bit-flipped requests fail with a CryptoError and never crash")
    func hostileRequests() throws {
        let setup = try OCSP.setup()
        _ = try OCSP.request(setup, ["-sha256", "-cert", "leaf.pem", "-serial", "0x99"])
        let valid = try setup.scratch.read("req.der")
        func parse(_ bytes: [UInt8]) -> Bool {
            do {
                _ = try OCSPRequest(der: bytes)
                return true
            } catch is CryptoError {
                return false
            } catch {
                Issue.record("unexpected error \(error)")
                return false
            }
        }
        #expect(parse(valid))
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 2, 3, 5, 8, 16, 64, 100, 255, 256, 1000, 4096, 65_536, 65_537] {
            for _ in 0..<20 {
                #expect(!parse((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }))
            }
        }
        for length in 0..<valid.count {
            #expect(!parse(Array(valid.prefix(length))), "prefix \(length)")
        }
        #expect(!parse(valid + [0x00]))
        for bit in 0..<(valid.count * 8) {
            var flipped = valid
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            _ = parse(flipped)  // may still parse (a hash bit); must not crash or throw anything else
        }
        // Random structure with a valid outer SEQUENCE header.
        for size in [2, 10, 50, 200] {
            let body = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = parse([0x30, UInt8(size)] + body)
        }
    }

    /// Found by the `ocsp` fuzz harness (decision 0022): OpenSSL parsed a CertID whose hash
    /// parameters are a constructed [UNIVERSAL 0], wrote them back as an end-of-contents pair it
    /// then refused, and signing the answer failed — an anonymous request got `internalError`
    /// and an error in the log instead of `malformedRequest`.
    @Test("a CertID whose hash parameters OpenSSL cannot write back is refused as malformed")
    func unreadableHashParameters() throws {
        let found = try #require(
            Data(
                base64Encoded:
                    "MGgwZjA/MD0wOzAJBgUrDgMCGiAABBQm5w3q+9l+O3bO6rP9lSescWyboAQUg01SYIbCLWBp/oDUWa31x0bygbACAhI0"
                    + "oiMwITAfBgk0BgEFBQcwAQIEEgQQ1kuCNEhhpXbE6rHBrWMfzA=="))
        #expect(throws: CryptoError(.malformedInput, "")) { try OCSPRequest(der: [UInt8](found)) }

        // The same defect in a request from openssl ocsp: its SHA-1 parameters NULL (05 00)
        // parse and are answered; as 20 00 they are refused before any answer is built.
        let setup = try OCSP.setup()
        let request = try OCSP.request(setup)
        _ = try OCSP.answer(request, .good).sign(issuer: setup.chain.issuing, issuerKey: setup.chain.issuingKey)
        let valid = try setup.scratch.read("req.der")
        let sha1 = [UInt8]([0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A])
        let start = try #require(valid.firstRange(of: sha1 + [0x05, 0x00]))
        var mutated = valid
        mutated[start.upperBound - 2] = 0x20
        #expect(throws: CryptoError(.malformedInput, "")) { try OCSPRequest(der: mutated) }
    }
}
