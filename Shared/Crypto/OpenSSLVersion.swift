import COpenSSL

/// The OpenSSL library this process runs against, for start-up logs.
public enum OpenSSLVersion {
    /// The runtime library's version string, e.g. `"OpenSSL 3.0.19 27 Jan 2026"`.
    public static var current: String {
        guard let text = OpenSSL_version(OPENSSL_VERSION) else { return "unknown" }
        return String(cString: text)
    }
}
