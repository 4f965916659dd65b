-- 006: complete data set registrations (上报), DHIS2's completeDataSetRegistrations (PostgreSQL).
-- A unit's report of a data set for a period counts as received (实报) once it is
-- registered here: by the 上报 button of the entry form, the API, or an import of a
-- file bringing the report's values (at the import's recorded time). completed_at is
-- the first registration: timeliness (及时) compares it with the data set's due day.
CREATE TABLE registration (
    dataset      text NOT NULL,
    period       text NOT NULL,
    orgunit      text NOT NULL,
    start_month  integer NOT NULL,
    end_month    integer NOT NULL,
    completed_by text NOT NULL,
    completed_at timestamp NOT NULL,
    source       text,
    PRIMARY KEY (dataset, period, orgunit)
);

-- Every registration and withdrawal (撤销上报), kept forever.
CREATE TABLE registration_log (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset  text NOT NULL,
    period   text NOT NULL,
    orgunit  text NOT NULL,
    action   text NOT NULL CHECK (action IN ('complete', 'uncomplete')),
    by_user  text NOT NULL,
    "at"     timestamp NOT NULL,
    source   text
);

CREATE FUNCTION registration_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '上报记录只允许追加，不能修改或删除';
END
$$;

CREATE TRIGGER registration_log_no_update_delete BEFORE UPDATE OR DELETE ON registration_log
    FOR EACH STATEMENT EXECUTE FUNCTION registration_log_append_only();
CREATE TRIGGER registration_log_no_truncate BEFORE TRUNCATE ON registration_log
    FOR EACH STATEMENT EXECUTE FUNCTION registration_log_append_only();

-- A store older than registrations holds values handed in before 上报 existed: marked
-- here, then registered from their values (each report at its values' first created)
-- by exchange.importer.backfill_registrations, which clears the mark.
CREATE TABLE registration_backfill (pending BOOLEAN NOT NULL);
INSERT INTO registration_backfill SELECT true WHERE EXISTS (SELECT 1 FROM datavalue);
