import Foundation

/// A fresh database with CLM's roles and schemas, made by the same script `make up` uses,
/// and dropped when the test is done.
struct TestDatabase: Sendable {
    let name: String
    let environment: TestEnvironment

    static func create(_ environment: TestEnvironment) throws -> TestDatabase {
        let name = "clmtest_\(uniqueSuffix())"
        let script = environment.repoRoot.appendingPathComponent("scripts/db-provision.sh").path
        let result = try run("/bin/bash", [script, name], environment: ProcessInfo.processInfo.environment)
        guard result.status == 0 else {
            throw TestSetupError("db-provision.sh \(name) failed: \(result.stderr)\(result.stdout)")
        }
        let database = TestDatabase(name: name, environment: environment)
        // The cluster is durable (scripts/pg.sh); a throw-away test database need not wait for
        // the WAL to reach the disk at each commit.
        _ = try database.query("ALTER DATABASE \(name) SET synchronous_commit = off")
        return database
    }

    func drop() {
        let script = environment.repoRoot.appendingPathComponent("scripts/db-drop.sh").path
        _ = try? run("/bin/bash", [script, name], environment: ProcessInfo.processInfo.environment)
    }

    /// Runs SQL as the admin role and returns the rows, `|`-separated.
    func query(_ sql: String) throws -> [String] {
        var env = ProcessInfo.processInfo.environment
        env["PGPASSWORD"] = environment.pgAdminPassword
        let result = try run(
            "/usr/bin/psql",
            [
                "-h", environment.pgHost, "-p", "\(environment.pgPort)", "-U", environment.pgAdminUser, "-d", name,
                "-At", "-v", "ON_ERROR_STOP=1", "-c", sql,
            ], environment: env)
        guard result.status == 0 else { throw TestSetupError("psql failed: \(result.stderr)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    func scalar(_ sql: String) throws -> String { try query(sql).first ?? "" }

    /// Every row of every schema as `pg_dump --data-only` text (bytea as hex).
    func dump() throws -> String {
        var env = ProcessInfo.processInfo.environment
        env["PGPASSWORD"] = environment.pgAdminPassword
        let result = try run(
            "/usr/bin/pg_dump",
            [
                "-h", environment.pgHost, "-p", "\(environment.pgPort)", "-U", environment.pgAdminUser, "--data-only",
                name,
            ],
            environment: env)
        guard result.status == 0 else { throw TestSetupError("pg_dump failed: \(result.stderr)") }
        return result.stdout
    }
}
