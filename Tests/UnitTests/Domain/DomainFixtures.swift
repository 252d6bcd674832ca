import CLMContracts

/// Small, valid building blocks for the domain tests; each test changes only what it judges.
enum DomainFixtures {
    static let keyTemplate = PolicyDocument.KeyTemplate(
        rsaBits: [2048, 3072, 4096], ecCurves: ["P-256", "P-384"], eddsa: ["Ed25519"])

    static func policy(
        keyTemplate: PolicyDocument.KeyTemplate = keyTemplate,
        validity: PolicyDocument.Validity = .init(defaultDays: 90, maxDays: 397),
        profile: PolicyDocument.Profile = .init(
            keyUsage: ["digitalSignature", "keyEncipherment"], extendedKeyUsage: ["serverAuth"]),
        approval: PolicyDocument.Approval = .init(mode: .automatic),
        keyRetention: String? = nil
    ) -> PolicyDocument {
        PolicyDocument(
            id: "web-server", displayName: "Web servers", ca: "acme-issuing-ca", keyTemplate: keyTemplate,
            validity: validity, profile: profile, approval: approval, keyRetention: keyRetention)
    }

    static func entity(_ attributes: EndEntity.Attributes, id: String = "www") -> EndEntity {
        EndEntity(id: id, kind: .device, attributes: attributes)
    }

    static let webServer = EndEntity.Attributes(
        commonName: "www.acme.example", email: "webmaster@acme.example", organization: "ACME Corp",
        organizationalUnit: "Web", country: "DE", locality: "Berlin", state: "Berlin",
        dnsNames: ["www.acme.example", "acme.example"], ipAddresses: ["192.0.2.10", "2001:db8::10"],
        uris: ["https://acme.example/"])
}
