import CLMContracts
import Foundation

extension HostileInputTests {
    /// Policy documents the registry must refuse with the path of the problem.
    static func hostilePolicies() throws -> [(String, Data)] {
        var policies: [(String, Data)] = []
        func variant(_ name: String, _ change: (inout PolicyDocument) -> Void) throws {
            let policy = Workflow.policy(id: "fuzz-\(policies.count)", change)
            policies.append((name, try ContractCoding.encoder().encode(policy)))
        }
        // Deliberately not a PolicyDocument (unknown fields, wrong types): raw JSON members.
        func raw(_ name: String, _ change: (inout [String: JSONValue]) -> Void) throws {
            policies.append((name, try RawPolicy.body(Workflow.policy(id: "fuzz-\(policies.count)"), change)))
        }
        let json = RawPolicy.json
        try raw("unknown top-level field") { $0["isCA"] = .bool(true) }
        try raw("unknown profile field") {
            $0["profile"] = json(
                #"{"keyUsage":["digitalSignature"],"extendedKeyUsage":[],"basicConstraints":"CA:TRUE"}"#)
        }
        try variant("keyCertSign usage") { $0.profile = .init(keyUsage: ["keyCertSign"], extendedKeyUsage: []) }
        try variant("unknown key usage") { $0.profile = .init(keyUsage: ["everything"], extendedKeyUsage: []) }
        try variant("RSA 1024 allowed") { $0.keyTemplate = .init(rsaBits: [1024], ecCurves: [], eddsa: []) }
        try variant("unknown curve") { $0.keyTemplate = .init(rsaBits: [], ecCurves: ["P-192"], eddsa: []) }
        try variant("no key allowed at all") { $0.keyTemplate = .init(rsaBits: [], ecCurves: [], eddsa: []) }
        try variant("default above maximum") { $0.validity = .init(defaultDays: 500, maxDays: 90) }
        try variant("zero validity") { $0.validity = .init(defaultDays: 0, maxDays: 0) }
        try raw("validity as string") { $0["validity"] = json(#"{"defaultDays":"90","maxDays":397}"#) }
        try variant("bad id") { $0.id = "Bad Id!" }
        try raw("missing ca") { $0["ca"] = nil }
        try raw("unknown approval mode") { $0["approval"] = json(#"{"mode":"whenever"}"#) }
        try variant("manual with zero approvers") { $0.approval = .init(mode: .manual, approvers: 0) }
        try variant("manual with 1000 approvers") { $0.approval = .init(mode: .manual, approvers: 1000) }
        try variant("link lifetime nonsense") { $0.approval = .init(mode: .email, linkLifetime: "forever") }
        try variant("link lifetime 1s") { $0.approval = .init(mode: .email, linkLifetime: "1s") }
        try variant("retention 10 years") { $0.keyRetention = "3650d" }
        try variant("invalid regex") { $0.constraints = .init(attributes: ["commonName": .init(pattern: "(unclosed")]) }
        try variant("unknown attribute rule") {
            $0.constraints = .init(attributes: ["shoeSize": .init(presence: .required)])
        }
        try variant("bad CIDR") { $0.constraints = .init(allowedIPRanges: ["10.0.0.0/33"]) }
        try variant("min SANs above max") { $0.constraints = .init(minSANs: 5, maxSANs: 1) }
        try variant("negative SAN count") { $0.constraints = .init(maxSANs: -1) }
        try variant("fixed value and forbidden") {
            $0.constraints = .init(attributes: ["organization": .init(presence: .forbidden, value: "X")])
        }
        return policies
    }
}
