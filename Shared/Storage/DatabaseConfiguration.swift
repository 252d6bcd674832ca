import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// How a service reaches PostgreSQL. Each service logs in as its own role, which can touch
/// only its own schema.
public struct DatabaseConfiguration: Sendable {
    /// Whether connections use TLS. Whenever TLS is used the server's certificate chain is
    /// verified (against `tlsCAFile`, else the system roots) and so is its name: a connection
    /// that is encrypted to an unverified peer protects against nothing but passive listeners.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP; fine on loopback.
        case disable
        /// TLS when the server offers it, plain TCP when it does not.
        case prefer
        /// TLS or no connection, server certificate and name verified.
        case require
        /// The same as `require`, under libpq's name: in libpq `require` only encrypts, so
        /// people used to it ask for verification by this name.
        case verifyFull = "verify-full"
    }

    /// Default `127.0.0.1`.
    public var host: String
    /// Default `55432`, the project-local cluster.
    public var port: Int
    /// Default `clm`.
    public var database: String
    public var username: String
    public var password: String
    /// Default `disable`.
    public var tls: TLSMode
    /// A PEM file of the CA certificates that may sign the server's certificate, for a server
    /// whose certificate comes from a private CA (the local cluster's: `.local/pg-ca.pem`).
    /// When set, only these roots are trusted; default nil: the system roots.
    public var tlsCAFile: String?
    /// Pool size. Default 10.
    public var maximumConnections: Int

    public init(
        host: String = "127.0.0.1", port: Int = 55432, database: String = "clm", username: String, password: String,
        tls: TLSMode = .disable, tlsCAFile: String? = nil, maximumConnections: Int = 10
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.tls = tls
        self.tlsCAFile = tlsCAFile
        self.maximumConnections = maximumConnections
    }

    /// The TLS settings of every connection: full verification (chain and host name, which
    /// is never switched off), trusting `tlsCAFile` instead of the system roots when set.
    public var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let tlsCAFile {
            configuration.trustRoots = .file(tlsCAFile)
        }
        return configuration
    }

    /// Why `path` cannot serve as `tlsCAFile` (a short phrase such as "cannot be read"), or
    /// nil when it holds at least one PEM certificate. Checked at start, so a wrong path is a
    /// configuration error instead of a TLS failure on every connection attempt.
    public static func problemWithCAFile(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else {
            return FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
        }
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(data)), !certificates.isEmpty else {
            return "holds no PEM certificate"
        }
        return nil
    }

    /// A pooled client; it connects once its `run()` is running.
    public func makeClient(logger: Logger) -> PostgresClient {
        let tlsSetting: PostgresClient.Configuration.TLS =
            switch tls {
            case .disable: .disable
            case .prefer: .prefer(tlsConfiguration)
            case .require, .verifyFull: .require(tlsConfiguration)
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Opens one connection, runs `SELECT 1` and closes it: unlike the pool, which retries
    /// quietly, this surfaces the server's own reason (wrong password, unknown database) or
    /// why its certificate was refused.
    public func probe(logger: Logger, timeout: Duration = .seconds(3)) async throws {
        let tlsSetting: PostgresConnection.Configuration.TLS =
            switch tls {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: tlsConfiguration))
            case .require, .verifyFull: .require(try NIOSSLContext(configuration: tlsConfiguration))
            }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
        configuration.options.connectTimeout = .init(timeout)
        let connection = try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.next(), configuration: configuration, id: 0, logger: logger)
        defer { Task { try? await connection.close() } }
        _ = try await connection.query("SELECT 1", logger: logger)
    }

    /// `user@host:port/database`, never the password.
    public var redactedDescription: String { "\(username)@\(host):\(port)/\(database)" }
}
