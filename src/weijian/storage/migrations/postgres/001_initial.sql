-- 001: org-unit structure, data values, append-only audit trail (PostgreSQL).
-- Runs with search_path set to the store's schema.
CREATE TABLE orgunit (
    code   text PRIMARY KEY,
    name   text NOT NULL,
    type   text,
    parent text,
    level  integer NOT NULL,
    path   text NOT NULL,
    l1 text, l2 text, l3 text, l4 text, l5 text, l6 text
);

CREATE TABLE datavalue (
    dataelement          text NOT NULL,
    period               text NOT NULL,
    orgunit              text NOT NULL,
    categoryoptioncombo  text NOT NULL DEFAULT '',
    attributeoptioncombo text NOT NULL DEFAULT '',
    value       double precision,
    start_month integer NOT NULL,
    end_month   integer NOT NULL,
    storedby    text,
    created     timestamp,
    lastupdated timestamp,
    comment     text,
    followup    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (dataelement, period, orgunit, categoryoptioncombo, attributeoptioncombo)
);

-- Analytics filter one element over a month range.
CREATE INDEX datavalue_element_month ON datavalue (dataelement, start_month);

CREATE TABLE audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataelement          text NOT NULL,
    period               text NOT NULL,
    orgunit              text NOT NULL,
    categoryoptioncombo  text NOT NULL,
    attributeoptioncombo text NOT NULL,
    old_value  double precision,
    new_value  double precision,
    action     text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    changed_by text NOT NULL,
    changed_at timestamp NOT NULL,
    source     text,
    source_row bigint
);

CREATE INDEX audit_key ON audit (dataelement, orgunit, period);

-- The audit trail is append-only (DESIGN §9): refuse UPDATE, DELETE and TRUNCATE.
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '审计记录只允许追加，不能修改或删除';
END
$$;

CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
