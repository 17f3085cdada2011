# Sourced by bench scripts: fills cdc.orders_changes (in $MEDALLION_DSN) with $rows
# synthetic order changes, replacing what it held.
load_backlog() {
  psql -X -q -d "$MEDALLION_DSN" -c "TRUNCATE cdc.orders_changes" -c "
    INSERT INTO cdc.orders_changes (_op, id, branch, customer, amount, status, created_at, updated_at)
    SELECT 'I', 10000000 + g, 'branch-' || (g % 20), 'customer-' || (g % 50000), (g % 100000) / 100.0,
           (ARRAY['NEW','INTRANSIT','DELIVERED'])[1 + g % 3], now(), now()
    FROM generate_series(1, $rows) g" -c "VACUUM ANALYZE cdc.orders_changes"
}
