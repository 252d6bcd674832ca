import PostgresNIO

extension PostgresBindings {
    /// Text parameters `$1, $2, …`, for queries whose schema name forces `unsafeSQL`.
    init(texts values: String...) {
        self.init()
        for value in values { append(value) }
    }
}
