-- 003: the work ledger (工作台账): activities with typed counts, documents issued,
-- key projects and their progress, honours; plus its append-only audit log (PostgreSQL).
-- One sequence numbers every ledger item, so an id names one item whatever its kind.
-- The store deletes child rows itself and checks natural keys inside the write
-- transaction, as on DuckDB; the unique indexes below also stop two writers racing.
CREATE SEQUENCE ledger_id_seq;

CREATE TABLE ledger_entry (
    id         bigint PRIMARY KEY DEFAULT nextval('ledger_id_seq'),
    orgunit    text NOT NULL,
    department text NOT NULL DEFAULT '',
    start_date date NOT NULL,
    end_date   date NOT NULL,
    domain     text NOT NULL,
    kind       text NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    created_by text NOT NULL,
    created_at timestamp NOT NULL,
    CHECK (end_date >= start_date)
);

CREATE UNIQUE INDEX ledger_entry_natural ON ledger_entry (orgunit, kind, title, start_date, end_date);
CREATE INDEX ledger_entry_end ON ledger_entry (end_date);

-- Typed counts of an entry (人次, 份, 家 …): exact decimals, never negative.
CREATE TABLE ledger_count (
    entry_id bigint NOT NULL,
    unit     text NOT NULL,
    value    numeric(20, 4) NOT NULL CHECK (value >= 0),
    PRIMARY KEY (entry_id, unit)
);

CREATE TABLE ledger_document (
    id         bigint PRIMARY KEY DEFAULT nextval('ledger_id_seq'),
    orgunit    text NOT NULL,
    department text NOT NULL DEFAULT '',
    number     text NOT NULL,
    title      text NOT NULL,
    issued_on  date NOT NULL,
    domain     text NOT NULL,
    created_by text NOT NULL,
    created_at timestamp NOT NULL
);

CREATE UNIQUE INDEX ledger_document_natural ON ledger_document (number);

CREATE TABLE ledger_project (
    id         bigint PRIMARY KEY DEFAULT nextval('ledger_id_seq'),
    orgunit    text NOT NULL,
    department text NOT NULL DEFAULT '',
    name       text NOT NULL,
    domain     text NOT NULL,
    investment numeric(20, 4) CHECK (investment >= 0),  -- 万元
    funding    text NOT NULL DEFAULT '',
    status     text NOT NULL,
    created_by text NOT NULL,
    created_at timestamp NOT NULL
);

CREATE UNIQUE INDEX ledger_project_natural ON ledger_project (name);

CREATE TABLE ledger_progress (
    id           bigint PRIMARY KEY DEFAULT nextval('ledger_id_seq'),
    project_id   bigint NOT NULL,
    recorded_on  date NOT NULL,
    percent_done numeric(20, 4) NOT NULL CHECK (percent_done >= 0 AND percent_done <= 100),
    milestone    text NOT NULL DEFAULT '',
    status       text,
    created_by   text NOT NULL,
    created_at   timestamp NOT NULL
);

CREATE UNIQUE INDEX ledger_progress_natural ON ledger_progress (project_id, recorded_on);

CREATE TABLE ledger_honour (
    id         bigint PRIMARY KEY DEFAULT nextval('ledger_id_seq'),
    orgunit    text NOT NULL,
    department text NOT NULL DEFAULT '',
    what       text NOT NULL,
    awarded_by text NOT NULL DEFAULT '',
    level      text NOT NULL,
    awarded_on date NOT NULL,
    domain     text NOT NULL,
    created_by text NOT NULL,
    created_at timestamp NOT NULL
);

CREATE UNIQUE INDEX ledger_honour_natural ON ledger_honour (orgunit, what, awarded_on);

-- before_json/after_json are the item as JSON text (dates ISO, decimals as exact strings),
-- kept as written so both backends return the same text.
CREATE TABLE ledger_audit (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL,
    item_id    bigint NOT NULL,
    action     text NOT NULL CHECK (action IN ('add', 'update', 'delete')),
    changed_by text NOT NULL,
    changed_at timestamp NOT NULL,
    source     text,
    before_json text,
    after_json  text
);

CREATE INDEX ledger_audit_item ON ledger_audit (kind, item_id);

-- Like the value audit trail, the ledger's log is append-only (DESIGN §9).
CREATE FUNCTION ledger_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '台账修改记录只允许追加，不能修改或删除';
END
$$;

CREATE TRIGGER ledger_audit_no_update_delete BEFORE UPDATE OR DELETE ON ledger_audit
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_audit_append_only();
CREATE TRIGGER ledger_audit_no_truncate BEFORE TRUNCATE ON ledger_audit
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_audit_append_only();
