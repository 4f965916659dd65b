-- 003: the work ledger (工作台账): activities with typed counts, documents issued,
-- key projects and their progress, honours; plus its append-only audit log (DuckDB).
-- One sequence numbers every ledger item, so an id names one item whatever its kind.
-- No foreign keys or unique indexes: the store deletes child rows itself and checks
-- natural keys inside the write transaction (DuckDB's ART indexes would also make
-- delete-then-insert of one key within a transaction fail).
CREATE SEQUENCE ledger_id_seq;

CREATE TABLE ledger_entry (
    id         BIGINT PRIMARY KEY DEFAULT nextval('ledger_id_seq'),
    orgunit    VARCHAR NOT NULL,
    department VARCHAR NOT NULL DEFAULT '',
    start_date DATE NOT NULL,
    end_date   DATE NOT NULL,
    domain     VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,
    title      VARCHAR NOT NULL,
    body       VARCHAR NOT NULL DEFAULT '',
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (end_date >= start_date)
);

-- Typed counts of an entry (人次, 份, 家 …): exact decimals, never negative.
CREATE TABLE ledger_count (
    entry_id BIGINT NOT NULL,
    unit     VARCHAR NOT NULL,
    value    DECIMAL(20, 4) NOT NULL CHECK (value >= 0),
    PRIMARY KEY (entry_id, unit)
);

CREATE TABLE ledger_document (
    id         BIGINT PRIMARY KEY DEFAULT nextval('ledger_id_seq'),
    orgunit    VARCHAR NOT NULL,
    department VARCHAR NOT NULL DEFAULT '',
    number     VARCHAR NOT NULL,
    title      VARCHAR NOT NULL,
    issued_on  DATE NOT NULL,
    domain     VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE ledger_project (
    id         BIGINT PRIMARY KEY DEFAULT nextval('ledger_id_seq'),
    orgunit    VARCHAR NOT NULL,
    department VARCHAR NOT NULL DEFAULT '',
    name       VARCHAR NOT NULL,
    domain     VARCHAR NOT NULL,
    investment DECIMAL(20, 4) CHECK (investment >= 0),  -- 万元
    funding    VARCHAR NOT NULL DEFAULT '',
    status     VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE ledger_progress (
    id           BIGINT PRIMARY KEY DEFAULT nextval('ledger_id_seq'),
    project_id   BIGINT NOT NULL,
    recorded_on  DATE NOT NULL,
    percent_done DECIMAL(20, 4) NOT NULL CHECK (percent_done >= 0 AND percent_done <= 100),
    milestone    VARCHAR NOT NULL DEFAULT '',
    status       VARCHAR,
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE ledger_honour (
    id         BIGINT PRIMARY KEY DEFAULT nextval('ledger_id_seq'),
    orgunit    VARCHAR NOT NULL,
    department VARCHAR NOT NULL DEFAULT '',
    what       VARCHAR NOT NULL,
    awarded_by VARCHAR NOT NULL DEFAULT '',
    level      VARCHAR NOT NULL,
    awarded_on DATE NOT NULL,
    domain     VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE ledger_audit_id_seq;

-- before_json/after_json are the item as JSON text (dates ISO, decimals as exact strings).
-- Append-only by convention here; DuckDB has no triggers (PostgreSQL enforces it).
CREATE TABLE ledger_audit (
    id         BIGINT PRIMARY KEY DEFAULT nextval('ledger_audit_id_seq'),
    kind       VARCHAR NOT NULL,
    item_id    BIGINT NOT NULL,
    action     VARCHAR NOT NULL CHECK (action IN ('add', 'update', 'delete')),
    changed_by VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    source     VARCHAR,
    before_json VARCHAR,
    after_json  VARCHAR
);
