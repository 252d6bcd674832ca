import CLMContracts
import Foundation

/// A search of a realm's inventory (`GET /v1/realms/{realm}/certificates?…`), parsed and checked
/// without I/O. Every filter is optional; together they narrow (AND).
struct CertificateQuery: Sendable, Equatable {
    enum Sort: String, Sendable, CaseIterable {
        /// Soonest expiry first: what an operator looks at.
        case notAfter
        case notAfterDescending = "-notAfter"
        /// Newest first (the default).
        case issuedDescending = "-issuedAt"
        case issued = "issuedAt"

        var isDescending: Bool { rawValue.hasPrefix("-") }
    }

    /// Where the previous page stopped: the sort key (microseconds since 1970) and the serial.
    struct Cursor: Sendable, Equatable {
        var key: Int64
        var serialNumber: String

        var encoded: String {
            Data("\(key):\(serialNumber)".utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }

        init(key: Int64, serialNumber: String) {
            self.key = key
            self.serialNumber = serialNumber
        }

        init(encoded: String) throws {
            var text = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            text += String(repeating: "=", count: (4 - text.count % 4) % 4)
            guard encoded.count <= 128, let data = Data(base64Encoded: text),
                let plain = String(data: data, encoding: .utf8)
            else { throw Problem.invalid("invalid-cursor", "cursor: not one this API handed out") }
            let parts = plain.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let key = Int64(parts[0]),
                let serial = try? CertificateLocator.serial(parsing: parts[1]),
                case .serial(let normalized) = serial, normalized == parts[1]
            else { throw Problem.invalid("invalid-cursor", "cursor: not one this API handed out") }
            self.init(key: key, serialNumber: normalized)
        }
    }

    static let defaultLimit = 100
    static let maximumLimit = 1000

    var state: CertificateState?
    /// Valid certificates whose `notAfter` is before this.
    var expiringBefore: Date?
    var serialNumber: String?
    /// Case-insensitive substring of the subject or a subject alternative name.
    var text: String?
    var policy: String?
    var entity: String?
    var requester: String?
    var sort: Sort = .issuedDescending
    var limit: Int = Self.defaultLimit
    var cursor: Cursor?

    /// Parses the query parameters: `state`, `expiringWithinDays`, `serial`, `q`, `policy`,
    /// `entity`, `requester`, `sort`, `limit`, `cursor`. Unknown values are `invalid-query`.
    static func parse(_ parameters: [String: String], now: Date) throws -> CertificateQuery {
        var query = CertificateQuery()
        func bad(_ name: String, _ expected: String) -> Problem {
            Problem.invalid("invalid-query", "\(name): \(expected)")
        }
        if let state = parameters["state"] {
            guard let value = CertificateState(rawValue: state) else {
                throw bad("state", CertificateState.allCases.map(\.rawValue).joined(separator: ", "))
            }
            query.state = value
        }
        if let days = parameters["expiringWithinDays"] {
            guard let value = Int(days), (0...3650).contains(value) else { throw bad("expiringWithinDays", "0...3650") }
            query.expiringBefore = now.addingTimeInterval(Double(value) * 86400)
        }
        if let serial = parameters["serial"] {
            guard case .serial(let normalized) = try CertificateLocator.serial(parsing: serial) else {
                throw bad("serial", "hex")
            }
            query.serialNumber = normalized
        }
        if let text = parameters["q"], !text.isEmpty {
            guard text.count <= 256 else { throw bad("q", "at most 256 characters") }
            query.text = text
        }
        for (name, path) in [("policy", \CertificateQuery.policy), ("entity", \.entity)] {
            guard let value = parameters[name] else { continue }
            guard Identifier.isValid(value) else { throw bad(name, "an identifier (lower-case letters, digits, '-')") }
            query[keyPath: path] = value
        }
        if let requester = parameters["requester"] {
            guard !requester.isEmpty, requester.count <= 256 else { throw bad("requester", "1...256 characters") }
            query.requester = requester
        }
        if let sort = parameters["sort"] {
            guard let value = Sort(rawValue: sort) else {
                throw bad("sort", Sort.allCases.map(\.rawValue).joined(separator: ", "))
            }
            query.sort = value
        }
        if let limit = parameters["limit"] {
            guard let value = Int(limit), (1...maximumLimit).contains(value) else {
                throw bad("limit", "1...\(maximumLimit)")
            }
            query.limit = value
        }
        if let cursor = parameters["cursor"] { query.cursor = try Cursor(encoded: cursor) }
        return query
    }

    /// The sort key a page's last row gives its cursor.
    func cursor(after certificate: CertificateView) -> Cursor {
        let date: Date
        switch sort {
        case .notAfter, .notAfterDescending: date = certificate.notAfter
        case .issued, .issuedDescending: date = certificate.issuedAt
        }
        return Cursor(
            key: Int64((date.timeIntervalSince1970 * 1_000_000).rounded()), serialNumber: certificate.serialNumber)
    }
}
