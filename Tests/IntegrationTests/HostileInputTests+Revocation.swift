import CLMClient
import Foundation

extension HostileInputTests {
    /// Revoke bodies that must each get a 4xx with a reason.
    static func hostileRevokeBodies() -> [(String, String)] {
        [
            ("empty", ""), ("not JSON", "reason=keyCompromise"), ("array", "[]"), ("no reason", "{}"),
            ("certificateHold", #"{"reason":"certificateHold"}"#), ("removeFromCRL", #"{"reason":"removeFromCRL"}"#),
            ("reason number", #"{"reason":1}"#), ("reason null", #"{"reason":null}"#),
            ("comment number", #"{"reason":"superseded","comment":5}"#),
            ("10 KiB comment", #"{"reason":"superseded","comment":"\#(String(repeating: "x", count: 10_240))"}"#),
            ("truncated", #"{"reason":"supersed"#),
        ]
    }

    /// The sizes of random OCSP request bodies (0…64 bytes, then up to 200 kB) that did not get
    /// the unsigned `malformedRequest` response.
    static func sizesWithoutMalformedRequest(_ responder: CLMClient) async throws -> [Int] {
        var failed: [Int] = []
        for size in Array(0...64) + [100, 1000, 4096, 65_535, 65_536, 65_537, 200_000] {
            let body = Data((0..<size).map { _ in UInt8.random(in: 0...255) })
            let answer = try await responder.send(
                "POST", "/v1/cas/default/ocsp", body: body, headers: ["Content-Type": "application/ocsp-request"])
            if answer.status != 200 || Array(answer.body) != [0x30, 0x03, 0x0A, 0x01, 0x01] { failed.append(size) }
        }
        return failed
    }
}
