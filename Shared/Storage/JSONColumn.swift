import CLMContracts
import Foundation

/// Values stored as JSON (jsonb) columns use the same coding as events.
public enum JSONColumn {
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try ContractCoding.encoder().encode(value), as: UTF8.self)
    }

    public static func decode<T: Decodable>(_: T.Type, from text: String) throws -> T {
        try ContractCoding.decoder().decode(T.self, from: Data(text.utf8))
    }
}
