-- 006: complete data set registrations (上报), DHIS2's completeDataSetRegistrations (DuckDB).
-- A unit's report of a data set for a period counts as received (实报) once it is
-- registered here: by the 上报 button of the entry form, the API, or an import of a
-- file bringing the report's values (at the import's recorded time). completed_at is
-- the first registration: timeliness (及时) compares it with the data set's due day.
CREATE TABLE registration (
    dataset      VARCHAR NOT NULL,
    period       VARCHAR NOT NULL,
    orgunit      VARCHAR NOT NULL,
    start_month  INTEGER NOT NULL,
    end_month    INTEGER NOT NULL,
    completed_by VARCHAR NOT NULL,
    completed_at TIMESTAMP NOT NULL,
    source       VARCHAR,
    PRIMARY KEY (dataset, period, orgunit)
);

CREATE SEQUENCE registration_log_id_seq;

-- Every registration and withdrawal (撤销上报), kept forever; append-only by
-- convention here (DuckDB has no triggers; PostgreSQL enforces it).
CREATE TABLE registration_log (
    id       BIGINT PRIMARY KEY DEFAULT nextval('registration_log_id_seq'),
    dataset  VARCHAR NOT NULL,
    period   VARCHAR NOT NULL,
    orgunit  VARCHAR NOT NULL,
    action   VARCHAR NOT NULL CHECK (action IN ('complete', 'uncomplete')),
    by_user  VARCHAR NOT NULL,
    "at"     TIMESTAMP NOT NULL,
    source   VARCHAR
);

-- A store older than registrations holds values handed in before 上报 existed: marked
-- here, then registered from their values (each report at its values' first created)
-- by exchange.importer.backfill_registrations, which clears the mark.
CREATE TABLE registration_backfill (pending BOOLEAN NOT NULL);
INSERT INTO registration_backfill SELECT true WHERE EXISTS (SELECT 1 FROM datavalue);
