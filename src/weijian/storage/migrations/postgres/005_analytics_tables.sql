-- 005: bookkeeping of the pre-aggregated analytics tables (PostgreSQL).
-- analytics_table lists the tables built (level 0: per reporting unit); the
-- tables themselves (analytics_base_monthly, analytics_l2_quarterly …) are made
-- by storage/analytics_tables.py. Every write that changes values while tables
-- exist records what it touched in analytics_dirty, in the same transaction;
-- the next refresh recomputes only those org units' ancestors × periods.
-- orgunit '*' asks for a full rebuild (the org-unit tree changed).
CREATE TABLE analytics_table (
    name        text PRIMARY KEY,
    level       integer NOT NULL,
    period_type text NOT NULL,
    built_at    timestamp NOT NULL,
    -- the SELECT that recomputes the rows of the units and periods listed in the
    -- refresh's parameter tables, compiled from the engine's roll-up at build time
    refresh_sql text NOT NULL,
    -- the metadata it was compiled for: another package needs a full build
    package_digest text NOT NULL
);

CREATE TABLE analytics_dirty (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    orgunit     text NOT NULL,
    start_month integer NOT NULL,
    end_month   integer NOT NULL
);
