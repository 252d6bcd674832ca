import Logging
import NIOSSL
import PostgresNIO

/// How a service reaches PostgreSQL. Each service logs in as its own role, which can touch
/// only its own schema.
public struct DatabaseConfiguration: Sendable {
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP; fine on loopback.
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or no connection; the server certificate is verified against system roots.
        case require
    }

    /// Default `127.0.0.1`.
    public var host: String
    /// Default `55432`, the project-local cluster.
    public var port: Int
    /// Default `clm`.
    public var database: String
    public var username: String
    public var password: String
    public var tls: TLSMode
    /// Pool size. Default 10.
    public var maximumConnections: Int

    public init(
        host: String = "127.0.0.1", port: Int = 55432, database: String = "clm", username: String, password: String,
        tls: TLSMode = .disable, maximumConnections: Int = 10
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.tls = tls
        self.maximumConnections = maximumConnections
    }

    /// A pooled client; it connects once its `run()` is running.
    public func makeClient(logger: Logger) -> PostgresClient {
        let tlsSetting: PostgresClient.Configuration.TLS =
            switch tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Opens one connection, runs `SELECT 1` and closes it: unlike the pool, which retries
    /// quietly, this surfaces the server's own reason (wrong password, unknown database).
    public func probe(logger: Logger, timeout: Duration = .seconds(3)) async throws {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: tls == .disable ? .disable : tls == .prefer ? .prefer(try .init(configuration: .makeClientConfiguration()))
                : .require(try .init(configuration: .makeClientConfiguration())))
        configuration.options.connectTimeout = .init(timeout)
        let connection = try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.next(), configuration: configuration, id: 0, logger: logger)
        defer { Task { try? await connection.close() } }
        _ = try await connection.query("SELECT 1", logger: logger)
    }

    /// `user@host:port/database`, never the password.
    public var redactedDescription: String { "\(username)@\(host):\(port)/\(database)" }
}
