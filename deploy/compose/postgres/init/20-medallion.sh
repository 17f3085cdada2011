#!/usr/bin/env bash
# PostgreSQL image init script (runs once, on the first start with an empty data volume,
# after 10-retail.sql created the schema and the roles): installs change capture on the
# retail tables, granting the streamer role what the daemon needs, and sets the two
# roles' passwords from the environment (deploy/compose/.env). Passwords are passed to
# psql as variables, never on a command line.
set -euo pipefail
: "${MEDALLION_APP_PASSWORD:?MEDALLION_APP_PASSWORD is not set (deploy/compose/.env)}"
: "${MEDALLION_STREAMER_PASSWORD:?MEDALLION_STREAMER_PASSWORD is not set (deploy/compose/.env)}"

psql=(psql -X -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-retail}")

"${psql[@]}" -q -f /medallion/sql/cdc_install.sql
"${psql[@]}" -q -At <<'SQL'
SELECT cdc.install_table('public.orders', true, 'medallion_streamer');
SELECT cdc.install_table('public.ordershistory', true, 'medallion_streamer');
SQL

# :'name' quotes the variable's value as a literal; the values come from the environment
# through \getenv (psql 15), so they never appear in a process list or the server log.
"${psql[@]}" -q <<'SQL'
\getenv app_password MEDALLION_APP_PASSWORD
\getenv streamer_password MEDALLION_STREAMER_PASSWORD
SET log_statement = 'none';
ALTER ROLE medallion_app PASSWORD :'app_password';
ALTER ROLE medallion_streamer PASSWORD :'streamer_password';
SQL
echo "medallion: capture installed on public.orders, public.ordershistory; role passwords set"
