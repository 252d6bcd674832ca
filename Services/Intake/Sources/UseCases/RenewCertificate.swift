import CLMContracts
import CLMCrypto
import CLMStorage
import Foundation
import Logging

/// `POST …/certificates/{serial}/renew`: a new request for the original's end entities under
/// its policy's latest version, with a new key, through `SubmitRequest` (so it is judged, and
/// goes through the policy's approval workflow, like any other).
struct RenewCertificate: Sendable {
    let submit: SubmitRequest
    let store: IntakeStore

    func callAsFunction(
        serialNumber text: String, realm: String, caller: String, isRealmAdmin: Bool, body: RenewBody,
        idempotencyKey: String?, database: some DatabaseAccess, logger: Logger
    ) async throws -> SubmitRequest.Outcome {
        guard text.count <= 64, let serial = try? SerialNumber(hex: text).hex else {
            throw Problem.invalid("invalid-serial", "serial number must be hexadecimal (at most 20 octets)")
        }
        let store = self.store
        guard
            let found = try await database.read({ connection in
                try await store.request(serialNumber: serial, realm: realm, on: connection, logger: logger)
            })
        else { throw Problem.notFound("certificate \(serial)") }
        let entities = try RenewalRules.check(
            found.submitted, state: found.state, serialNumber: serial, caller: caller, isRealmAdmin: isRealmAdmin)
        let request = SubmitRequestBody(
            policy: found.submitted.policy, entities: entities, csr: body.csr, keyGeneration: body.keyGeneration,
            validityDays: body.validityDays, keyPassword: body.keyPassword)
        return try await submit(
            .init(
                realm: realm, requester: caller, body: request, idempotencyKey: idempotencyKey,
                renewal: .init(
                    original: found.submitted, serialNumber: serial, revokeOnIssue: body.revokeOnIssue ?? false)),
            database: database, logger: logger)
    }
}
