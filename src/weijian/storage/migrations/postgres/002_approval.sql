-- 002: approval (审核) of an org unit's period, and its append-only log (PostgreSQL).
-- An approval locks the unit and every unit below it for every period within
-- [start_month, end_month] (month ordinals, as in datavalue).
CREATE TABLE approval (
    orgunit     text NOT NULL,
    period      text NOT NULL,
    start_month integer NOT NULL,
    end_month   integer NOT NULL,
    approved_by text NOT NULL,
    approved_at timestamp NOT NULL,
    PRIMARY KEY (orgunit, period)
);

-- "at" is quoted to match the DuckDB schema, where AT is reserved.
CREATE TABLE approval_log (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    orgunit text NOT NULL,
    period  text NOT NULL,
    action  text NOT NULL CHECK (action IN ('approve', 'unapprove')),
    by_user text NOT NULL,
    "at"    timestamp NOT NULL,
    reason  text,
    -- Un-approving always says why.
    CHECK (action = 'approve' OR coalesce(btrim(reason), '') <> '')
);

-- Like the audit trail, the approval log is append-only (DESIGN §9).
CREATE FUNCTION approval_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '审核记录只允许追加，不能修改或删除';
END
$$;

CREATE TRIGGER approval_log_no_update_delete BEFORE UPDATE OR DELETE ON approval_log
    FOR EACH STATEMENT EXECUTE FUNCTION approval_log_append_only();
CREATE TRIGGER approval_log_no_truncate BEFORE TRUNCATE ON approval_log
    FOR EACH STATEMENT EXECUTE FUNCTION approval_log_append_only();
