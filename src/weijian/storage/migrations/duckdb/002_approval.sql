-- 002: approval (审核) of an org unit's period, and its append-only log (DuckDB).
-- An approval locks the unit and every unit below it for every period within
-- [start_month, end_month] (month ordinals, as in datavalue).
CREATE TABLE approval (
    orgunit     VARCHAR NOT NULL,
    period      VARCHAR NOT NULL,
    start_month INTEGER NOT NULL,
    end_month   INTEGER NOT NULL,
    approved_by VARCHAR NOT NULL,
    approved_at TIMESTAMP NOT NULL,
    PRIMARY KEY (orgunit, period)
);

CREATE SEQUENCE approval_log_id_seq;

-- "at" is quoted: DuckDB reserves AT (time travel), PostgreSQL does not.
-- Append-only by convention here; DuckDB has no triggers (PostgreSQL enforces it).
CREATE TABLE approval_log (
    id      BIGINT PRIMARY KEY DEFAULT nextval('approval_log_id_seq'),
    orgunit VARCHAR NOT NULL,
    period  VARCHAR NOT NULL,
    action  VARCHAR NOT NULL CHECK (action IN ('approve', 'unapprove')),
    by_user VARCHAR NOT NULL,
    "at"    TIMESTAMP NOT NULL,
    reason  VARCHAR,
    -- Un-approving always says why.
    CHECK (action = 'approve' OR coalesce(trim(reason), '') <> '')
);
