/// Where a value sits in a JSON document, written as the API's refusals name fields:
/// `displayName`, `attributes.commonName`, `entities[2]`; the document itself is `body`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case member(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    /// The innermost member name, which an array's elements share with their array
    /// (`entities[2]` is under `entities`); nil at the top.
    public var memberName: String? {
        for component in components.reversed() {
            if case .member(let name) = component { return name }
        }
        return nil
    }

    public var description: String {
        guard !components.isEmpty else { return "body" }
        var text = ""
        for component in components {
            switch component {
            case .member(let name): text += (text.isEmpty ? "" : ".") + Self.printable(name)
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }

    /// A member name as it may be shown: characters the rule for text refuses as `<U+XXXX>`.
    static func printable(_ name: String) -> String {
        guard name.unicodeScalars.contains(where: { TextRule.refusal(of: $0) != nil }) else { return name }
        return name.unicodeScalars.map { TextRule.refusal(of: $0) == nil ? String($0) : "<\($0.codePoint)>" }.joined()
    }
}
