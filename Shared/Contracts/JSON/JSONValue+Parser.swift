extension JSONValue {
    /// A recursive-descent parser over UTF-8 bytes.
    struct Parser {
        let bytes: [UInt8]
        let maximumDepth: Int
        var position = 0

        init(bytes: [UInt8], maximumDepth: Int) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
        }

        typealias ParseError = JSONValue.ParseError

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        private func fail(_ reason: String) -> ParseError { ParseError(reason: "\(reason) at offset \(position)") }

        private func failInString(_ reason: String) -> ParseError {
            var error = fail(reason)
            error.isInString = true
            return error
        }

        mutating func parseValue(depth: Int) throws(ParseError) -> JSONValue {
            guard position < bytes.count else { throw fail("unexpected end of JSON") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
            default: throw fail("unexpected character")
            }
        }

        private mutating func expectLiteral(_ literal: String) throws(ParseError) {
            let expected = Array(literal.utf8)
            guard bytes.count - position >= expected.count,
                Array(bytes[position..<position + expected.count]) == expected
            else {
                throw fail("invalid literal")
            }
            position += expected.count
        }

        private mutating func parseObject(depth: Int) throws(ParseError) -> JSONValue {
            guard depth <= maximumDepth else { throw fail("JSON nested deeper than \(maximumDepth) levels") }
            position += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw fail("expected a member name")
                }
                let name: String
                do {
                    name = try parseString()
                } catch  where error.isInString {
                    throw ParseError(reason: "in a member name: \(error.reason)", isInString: true)
                }
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                position += 1
                skipWhitespace()
                let value: JSONValue
                do {
                    value = try parseValue(depth: depth)
                } catch {
                    throw error.within(.member(name))
                }
                guard members.updateValue(value, forKey: name) == nil else { throw fail("duplicate member name") }
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of JSON") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard bytes[position] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                position += 1
                return .object(members)
            }
        }

        private mutating func parseArray(depth: Int) throws(ParseError) -> JSONValue {
            guard depth <= maximumDepth else { throw fail("JSON nested deeper than \(maximumDepth) levels") }
            position += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                do {
                    elements.append(try parseValue(depth: depth))
                } catch {
                    throw error.within(.index(elements.count))
                }
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of JSON") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard bytes[position] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                position += 1
                return .array(elements)
            }
        }

        private mutating func parseNumber() throws(ParseError) -> Double {
            let start = position
            func digits(_ parser: inout Parser) -> Int {
                let from = parser.position
                while parser.position < parser.bytes.count,
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.position])
                {
                    parser.position += 1
                }
                return parser.position - from
            }
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count else { throw fail("invalid number") }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1  // no leading zeros
            } else {
                guard digits(&self) > 0 else { throw fail("invalid number") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard digits(&self) > 0 else { throw fail("invalid number") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")
                {
                    position += 1
                }
                guard digits(&self) > 0 else { throw fail("invalid number") }
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            guard let value = Double(text), value.isFinite else { throw fail("number out of range") }
            return value
        }

        private mutating func parseString() throws(ParseError) -> String {
            position += 1  // opening quote
            var out: [UInt8] = []
            while true {
                guard position < bytes.count else { throw fail("unterminated string") }
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: out, as: UTF8.self) else {
                        throw failInString("string is not valid UTF-8")
                    }
                    return text
                case UInt8(ascii: "\\"):
                    guard position < bytes.count else { throw fail("unterminated escape") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"): out += try parseUnicodeEscape()
                    default: throw fail("invalid escape")
                    }
                case 0x00..<0x20:
                    throw failInString("unescaped control character \(Unicode.Scalar(byte).codePoint)")
                default:
                    out.append(byte)
                }
            }
        }

        /// `\uXXXX`, combining a surrogate pair; a lone surrogate is an error.
        private mutating func parseUnicodeEscape() throws(ParseError) -> [UInt8] {
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else {
                    throw failInString("unpaired surrogate")
                }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw failInString("unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw failInString("unpaired surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failInString("invalid code point") }
            return Array(String(Character(unicode)).utf8)
        }

        private mutating func parseHex4() throws(ParseError) -> UInt32 {
            guard bytes.count - position >= 4 else { throw fail("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw fail("invalid \\u escape")
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }
    }
}

extension JSONValue.ParseError {
    /// The same failure, one level further out: inside `component`.
    func within(_ component: JSONPath.Component) -> Self {
        var error = self
        error.path.components.insert(component, at: 0)
        return error
    }
}
