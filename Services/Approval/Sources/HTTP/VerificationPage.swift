import CLMContracts
import Hummingbird
import NIOCore

/// A verification link's answer: JSON for programs (`Accept: application/json`), a small page
/// for people.
enum VerificationPage {
    static func respond(_ view: LinkView, request: Request, confirmedNow: Bool) throws -> Response {
        if request.headers[.accept]?.contains("application/json") == true {
            let body = try ContractCoding.encoder().encode(view)
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'none'; form-action 'self'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: page(view, confirmedNow: confirmedNow))))
    }

    static func page(_ view: LinkView, confirmedNow: Bool) -> String {
        let rows = [
            ("Realm", view.realm), ("Policy", view.policy), ("Requested by", view.requester),
            ("Subject", view.subject.map { "\($0.type)=\($0.value)" }.joined(separator: ", ")),
            ("Names", view.alternativeNames.map { "\($0.kind.rawValue):\($0.value)" }.joined(separator: ", ")),
            ("Address", view.email),
        ].map { "<tr><th>\(html($0.0))</th><td>\(html($0.1))</td></tr>" }.joined()
        let action =
            confirmedNow
            ? "<p><strong>Confirmed.</strong> Thank you; the request continues.</p>"
            : "<form method=\"post\"><button type=\"submit\">Confirm this request</button></form>"
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>CLM: confirm a certificate request</title>
            </head><body><h1>Certificate request</h1><table>\(rows)</table>\(action)</body></html>
            """
    }

    static func html(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
