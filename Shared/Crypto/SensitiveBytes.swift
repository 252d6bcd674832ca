import COpenSSL

/// Secret bytes (private keys, data keys, plaintext) that are wiped when released.
///
/// The storage is allocated once, never copied by this type, and overwritten with
/// `OPENSSL_cleanse` on deinit. `description` never shows the content, so an accidental
/// log line prints `<redacted N bytes>`. Immutable after creation, hence `Sendable`.
public final class SensitiveBytes: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private let storage: UnsafeMutableRawBufferPointer

    /// The number of secret bytes.
    public let count: Int

    /// Copies `bytes` into wiped-on-release storage. The caller should drop its own copy soon.
    public convenience init(_ bytes: [UInt8]) {
        self.init(count: bytes.count) { buffer in
            buffer.copyBytes(from: bytes)
        }
    }

    /// Allocates `count` bytes and lets `initializer` fill all of them; storage is wiped if it throws.
    public init(count: Int, initializingWith initializer: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        precondition(count >= 0)
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        do {
            try initializer(UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]))
        } catch {
            OPENSSL_cleanse(storage.baseAddress, storage.count)
            storage.deallocate()
            throw error
        }
        self.storage = storage
        self.count = count
    }

    deinit {
        OPENSSL_cleanse(storage.baseAddress, storage.count)
        storage.deallocate()
    }

    /// Gives scoped read access to the secret bytes; do not let the pointer escape.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Copies the secret out into an ordinary array, which is NOT wiped. Use only where an API
    /// demands `[UInt8]` (e.g. an HTTP response body) and keep the copy short-lived.
    public func copyBytes() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// Constant-time comparison, so comparing secrets leaks no timing.
    public func constantTimeEquals(_ other: SensitiveBytes) -> Bool {
        guard count == other.count else { return false }
        guard count > 0 else { return true }
        return withUnsafeBytes { lhs in
            other.withUnsafeBytes { rhs in CRYPTO_memcmp(lhs.baseAddress, rhs.baseAddress, count) == 0 }
        }
    }

    public var description: String { "<redacted \(count) bytes>" }
    public var debugDescription: String { description }
}
