import CLMContracts
import CLMStorage
import Foundation
import Logging
import PostgresNIO

extension IntakeStore {
    /// The request whose certificate is `serialNumber` in `realm`: what was submitted, and where it stands.
    func request(serialNumber: String, realm: String, on connection: PostgresConnection, logger: Logger) async throws
        -> (submitted: RequestSubmitted, state: RequestState)?
    {
        let rows = try await connection.query(
            """
            SELECT submitted::text, state FROM intake.requests
            WHERE realm = \(realm) AND serial_number = \(serialNumber) ORDER BY created_at DESC LIMIT 1
            """, logger: logger
        ).decode((String, String).self).collectAll()
        return try rows.first.map {
            (try JSONColumn.decode(RequestSubmitted.self, from: $0.0), RequestState(rawValue: $0.1) ?? .failed)
        }
    }
}
