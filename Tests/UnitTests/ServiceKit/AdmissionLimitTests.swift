import CLMServiceKit
import Testing

@Suite("Refusing work beyond the in-flight limit")
struct AdmissionLimitTests {
    @Test("admits up to the limit, refuses the next, admits again after a release")
    func limit() {
        let limit = AdmissionLimit(2)
        #expect(limit.tryAcquire())
        #expect(limit.tryAcquire())
        #expect(!limit.tryAcquire())
        #expect(limit.current == 2)
        limit.release()
        #expect(limit.tryAcquire())
        limit.release()
        limit.release()
        #expect(limit.current == 0)
        // A stray release never lets more in than the limit.
        limit.release()
        #expect(limit.tryAcquire() && limit.tryAcquire() && !limit.tryAcquire())
    }

    @Test("the refusal is a 503 problem the client may retry")
    func refusal() {
        let error = APIError.overloaded("busy")
        #expect(error.status.code == 503)
        #expect(error.code == "overloaded")
        #expect(error.headers[.retryAfter] == "1")
    }
}
