-- 004: users of the web application, their sessions and API tokens, and the
-- application's own audit trail (logins, approvals, uploads, downloads) (DuckDB).
-- Sessions and tokens are stored as SHA-256 hashes: a copy of the database
-- does not hand out live credentials. Passwords are argon2 hashes.
CREATE TABLE web_user (
    name          VARCHAR PRIMARY KEY,
    role          VARCHAR NOT NULL CHECK (role IN ('录入员', '审核员', '管理员', '只读')),
    orgunit       VARCHAR NOT NULL,
    password_hash VARCHAR,  -- NULL: no password login (API tokens only)
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE web_session (
    id_hash    VARCHAR PRIMARY KEY,
    user_name  VARCHAR NOT NULL,
    csrf       VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE web_token (
    token_hash VARCHAR PRIMARY KEY,
    user_name  VARCHAR NOT NULL,
    label      VARCHAR NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE app_audit_id_seq;

-- "at" is quoted: DuckDB reserves AT. Append-only by convention here; DuckDB
-- has no triggers (PostgreSQL enforces it).
CREATE TABLE app_audit (
    id        BIGINT PRIMARY KEY DEFAULT nextval('app_audit_id_seq'),
    "at"      TIMESTAMP NOT NULL,
    user_name VARCHAR NOT NULL,
    action    VARCHAR NOT NULL,
    orgunit   VARCHAR,
    period    VARCHAR,
    detail    VARCHAR,
    address   VARCHAR
);
