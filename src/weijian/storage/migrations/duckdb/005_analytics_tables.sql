-- 005: bookkeeping of the pre-aggregated analytics tables (DuckDB).
-- analytics_table lists the tables built (level 0: per reporting unit); the
-- tables themselves (analytics_base_monthly, analytics_l2_quarterly …) are made
-- by storage/analytics_tables.py. Every write that changes values while tables
-- exist records what it touched in analytics_dirty, in the same transaction;
-- the next refresh recomputes only those org units' ancestors × periods.
-- orgunit '*' asks for a full rebuild (the org-unit tree changed).
CREATE TABLE analytics_table (
    name        VARCHAR PRIMARY KEY,
    level       INTEGER NOT NULL,
    period_type VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL,
    -- the SELECT that recomputes the rows of the units and periods listed in the
    -- refresh's parameter tables, compiled from the engine's roll-up at build time
    refresh_sql VARCHAR NOT NULL,
    -- the metadata it was compiled for: another package needs a full build
    package_digest VARCHAR NOT NULL
);

CREATE SEQUENCE analytics_dirty_id_seq;

CREATE TABLE analytics_dirty (
    id          BIGINT PRIMARY KEY DEFAULT nextval('analytics_dirty_id_seq'),
    orgunit     VARCHAR NOT NULL,
    start_month INTEGER NOT NULL,
    end_month   INTEGER NOT NULL
);
