import TestSupport

extension RetailDatabase {
    /// Turns `cdc.<table>_changes` into the plain capture table that logical capture, or
    /// trigger capture before rotation, makes (identity `_seq` counting on, primary key
    /// `(_txid, _seq)`, the same rows; pruned with DELETE), its capture function inserting
    /// into it; `grantee` gets what such an install granted the streamer role.
    func makeCaptureTablePlain(_ table: String = "orders", grantee: String? = nil) throws {
        let capture = "\(table)_changes"
        try sql("""
            DO $$
            DECLARE
                columns text;
                next bigint;
            BEGIN
                SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns FROM pg_attribute
                WHERE attrelid = 'cdc.\(capture)'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> '_gen';
                EXECUTE format('SELECT last_value + 1 FROM %s', pg_get_serial_sequence('cdc.\(capture)', '_seq')) INTO next;
                ALTER TABLE cdc.\(capture) RENAME TO \(capture)_rotating;
                CREATE TABLE cdc.\(capture) (LIKE cdc.\(capture)_rotating INCLUDING DEFAULTS INCLUDING IDENTITY);
                ALTER TABLE cdc.\(capture) DROP COLUMN _gen, ADD PRIMARY KEY (_txid, _seq);
                EXECUTE format('ALTER TABLE cdc.\(capture) ALTER COLUMN _seq RESTART WITH %s', next);
                EXECUTE format('INSERT INTO cdc.\(capture) (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM cdc.\(capture)_rotating', columns, columns);
                DROP TABLE cdc.\(capture)_rotating;
                -- The capture function inserts into the table itself, as it did then.
                EXECUTE replace(replace(pg_get_functiondef('cdc.\(capture)_capture'::regproc),
                                        'cdc.\(capture)_0', 'cdc.\(capture)'), 'cdc.\(capture)_1', 'cdc.\(capture)');
                \(grantee.map { "GRANT SELECT, DELETE ON cdc.\(capture) TO \($0);" } ?? "")
            END
            $$
            """)
    }
}
