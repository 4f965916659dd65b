-- 001: org-unit structure, data values, append-only audit trail (DuckDB).
CREATE TABLE orgunit (
    code   VARCHAR PRIMARY KEY,
    name   VARCHAR NOT NULL,
    type   VARCHAR,
    parent VARCHAR,
    level  INTEGER NOT NULL,
    path   VARCHAR NOT NULL,
    l1 VARCHAR, l2 VARCHAR, l3 VARCHAR, l4 VARCHAR, l5 VARCHAR, l6 VARCHAR
);

-- No secondary index: DuckDB's zone maps serve analytics range scans, and an
-- ART index would only slow bulk imports.
CREATE TABLE datavalue (
    dataelement          VARCHAR NOT NULL,
    period               VARCHAR NOT NULL,
    orgunit              VARCHAR NOT NULL,
    categoryoptioncombo  VARCHAR NOT NULL DEFAULT '',
    attributeoptioncombo VARCHAR NOT NULL DEFAULT '',
    value       DOUBLE,
    start_month INTEGER NOT NULL,
    end_month   INTEGER NOT NULL,
    storedby    VARCHAR,
    created     TIMESTAMP,
    lastupdated TIMESTAMP,
    comment     VARCHAR,
    followup    BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (dataelement, period, orgunit, categoryoptioncombo, attributeoptioncombo)
);

CREATE SEQUENCE audit_id_seq;

CREATE TABLE audit (
    id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    dataelement          VARCHAR NOT NULL,
    period               VARCHAR NOT NULL,
    orgunit              VARCHAR NOT NULL,
    categoryoptioncombo  VARCHAR NOT NULL,
    attributeoptioncombo VARCHAR NOT NULL,
    old_value  DOUBLE,
    new_value  DOUBLE,
    action     VARCHAR NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    changed_by VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    source     VARCHAR,
    source_row BIGINT
);
