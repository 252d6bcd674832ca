import Foundation

// MARK: - Formats

extension JSONSchema {
    /// `8-4-4-4-12` hexadecimal digits, either case (Foundation writes UUIDs in upper case).
    static func isUUID(_ string: String) -> Bool {
        let utf8 = string.utf8
        guard utf8.count == 36 else { return false }
        for (offset, byte) in utf8.enumerated() {
            switch offset {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return false }
            default:
                guard isHexDigit(byte) else { return false }
            }
        }
        return true
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    /// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, with field ranges checked
    /// (day against the month's length, leap second allowed).
    static func isDateTime(_ string: String) -> Bool {
        let bytes = Array(string.utf8)
        var index = 0

        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var number = 0
            for offset in 0..<count {
                let byte = bytes[index + offset]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                number = number * 10 + Int(byte - 0x30)
            }
            index += count
            return number
        }
        func literal(_ accepted: Set<UInt8>) -> Bool {
            guard index < bytes.count, accepted.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        let dash: Set<UInt8> = [UInt8(ascii: "-")]
        let colon: Set<UInt8> = [UInt8(ascii: ":")]

        guard let year = digits(4), literal(dash), let month = digits(2), literal(dash), let day = digits(2),
            literal([UInt8(ascii: "T"), UInt8(ascii: "t")]),
            let hour = digits(2), literal(colon), let minute = digits(2), literal(colon), let second = digits(2)
        else { return false }
        guard (1...12).contains(month), hour <= 23, minute <= 59, second <= 60 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day >= 1, day <= monthDays[month - 1] else { return false }

        if literal([UInt8(ascii: ".")]) {
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > start else { return false }
        }
        if literal([UInt8(ascii: "Z"), UInt8(ascii: "z")]) {
            return index == bytes.count
        }
        guard literal([UInt8(ascii: "+"), UInt8(ascii: "-")]), let offsetHour = digits(2), literal(colon),
            let offsetMinute = digits(2)
        else { return false }
        return offsetHour <= 23 && offsetMinute <= 59 && index == bytes.count
    }
}
