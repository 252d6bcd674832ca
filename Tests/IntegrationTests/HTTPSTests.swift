import Foundation
import Testing

/// A service serves HTTPS itself when `CLM_HTTP_TLS_CERT_FILE` and `CLM_HTTP_TLS_KEY_FILE` are
/// set: TLS 1.2 or later, with the configured certificate, and no plain HTTP on that port.
@Suite("HTTPS", .serialized, .timeLimit(.minutes(3)))
struct HTTPSTests {
    /// A CA (`ca.pem`) and a server certificate for 127.0.0.1 it signed (`server.pem`,
    /// `server.key`), made with openssl in `directory`.
    static func makeCertificates(in directory: URL) throws -> (ca: String, cert: String, key: String) {
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let extensions = path("server.ext")
        try "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n"
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/CN=CLM HTTPS test CA", "-keyout", path("ca.key"), "-out", path("ca.pem"),
            ],
            [
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=127.0.0.1", "-keyout", path("server.key"), "-out", path("server.csr"),
            ],
            [
                "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                "-CAcreateserial", "-days", "1", "-extfile", extensions, "-out", path("server.pem"),
            ],
        ]
        for arguments in steps {
            let result = try run(OpenSSL.path, arguments)
            guard result.status == 0 else { throw TestSetupError("openssl \(arguments[0]) failed: \(result.stderr)") }
        }
        return (path("ca.pem"), path("server.pem"), path("server.key"))
    }

    /// curl with a clean environment (no CURL_CA_BUNDLE or proxy from the caller).
    static func curl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try run("/usr/bin/curl", ["-sS", "--max-time", "5"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
    }

    @Test("with a certificate and key the registry serves HTTPS only, TLS 1.2 or later")
    func servesHTTPS() async throws {
        let environment = try TestEnvironment.require()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.makeCertificates(in: directory)
        try await TestStack.with(environment) { stack in
            let registry = stack["registry"]
            registry.setEnvironment("CLM_HTTP_TLS_CERT_FILE", files.cert)
            registry.setEnvironment("CLM_HTTP_TLS_KEY_FILE", files.key)
            registry.httpsCAFile = files.ca
            try await registry.start()
            #expect(registry.log.contains("scheme=https"), "\(registry.tail())")
            let https = "https://127.0.0.1:\(registry.port)/health/ready"

            let trusted = try Self.curl(["-f", "--cacert", files.ca, https])
            #expect(trusted.status == 0, "\(trusted.stderr)")

            // Plain HTTP on the same port gets no answer.
            let plain = try Self.curl(["-f", "http://127.0.0.1:\(registry.port)/health/ready"])
            #expect(plain.status != 0, "plain HTTP answered: \(plain.stdout)")

            // Without the CA the certificate does not verify (curl: 60).
            let untrusted = try Self.curl(["-f", https])
            #expect(untrusted.status == 60, "\(untrusted.stderr)")

            // TLS 1.1 is refused; TLS 1.2 is accepted. SECLEVEL=0 lets the local openssl offer
            // TLS 1.1 even where the distribution's default security level forbids it.
            let address = "127.0.0.1:\(registry.port)"
            let old = try run(
                OpenSSL.path, ["s_client", "-connect", address, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], input: "")
            if old.stderr.contains("no protocols available") {
                // This openssl cannot offer TLS 1.1 at all: nothing to check.
            } else {
                #expect(old.status != 0, "TLS 1.1 was accepted: \(old.stdout)")
                #expect(old.stderr.contains("protocol version"), "\(old.stderr)")
            }
            let current = try run(OpenSSL.path, ["s_client", "-connect", address, "-tls1_2"], input: "")
            #expect(current.status == 0, "\(current.stderr)")
            #expect(current.stdout.contains("Protocol  : TLSv1.2"), "\(current.stdout)")
        }
    }

    @Test("only CLM_HTTP_TLS_CERT_FILE set: one line naming both variables, exit 2")
    func certificateWithoutKey() throws {
        let environment = try TestEnvironment.require()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.makeCertificates(in: directory)
        // Refused before any connection, so no database is needed.
        let result = try PostgresTLSTests.runRegistry(
            environment, database: nil, ["CLM_HTTP_TLS_CERT_FILE": files.cert])
        #expect(result.status == 2, "stderr: \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(result.stderr)")
        #expect(
            lines.first.map(String.init)
                == "clm-registry: invalid configuration: CLM_HTTP_TLS_CERT_FILE and CLM_HTTP_TLS_KEY_FILE must be set together, only CLM_HTTP_TLS_CERT_FILE is set"
        )
    }

    @Test("a key that is not the certificate's: exit 2, and no key material in the message")
    func mismatchedKey() throws {
        let environment = try TestEnvironment.require()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.makeCertificates(in: directory)
        // The CA's key does not belong to the server certificate.
        let caKey = directory.appendingPathComponent("ca.key").path
        let result = try PostgresTLSTests.runRegistry(
            environment, database: nil, ["CLM_HTTP_TLS_CERT_FILE": files.cert, "CLM_HTTP_TLS_KEY_FILE": caKey])
        #expect(result.status == 2, "stderr: \(result.stderr)")
        let line = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!line.contains("\n"), "expected one line, got: \(line)")
        #expect(line.contains("CLM_HTTP_TLS_KEY_FILE"), "\(line)")
        #expect(!line.contains("PRIVATE KEY"), "\(line)")
    }
}
