-- 004: users of the web application, their sessions and API tokens, and the
-- application's own audit trail (logins, approvals, uploads, downloads) (PostgreSQL).
-- Sessions and tokens are stored as SHA-256 hashes: a copy of the database
-- does not hand out live credentials. Passwords are argon2 hashes.
CREATE TABLE web_user (
    name          text PRIMARY KEY,
    role          text NOT NULL CHECK (role IN ('录入员', '审核员', '管理员', '只读')),
    orgunit       text NOT NULL,
    password_hash text,  -- NULL: no password login (API tokens only)
    active        boolean NOT NULL DEFAULT TRUE,
    created_by    text NOT NULL,
    created_at    timestamp NOT NULL,
    updated_at    timestamp NOT NULL
);

CREATE TABLE web_session (
    id_hash    text PRIMARY KEY,
    user_name  text NOT NULL,
    csrf       text NOT NULL,
    created_at timestamp NOT NULL,
    expires_at timestamp NOT NULL
);

CREATE INDEX web_session_user ON web_session (user_name);

CREATE TABLE web_token (
    token_hash text PRIMARY KEY,
    user_name  text NOT NULL,
    label      text NOT NULL DEFAULT '',
    created_at timestamp NOT NULL
);

CREATE TABLE app_audit (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "at"      timestamp NOT NULL,
    user_name text NOT NULL,
    action    text NOT NULL,
    orgunit   text,
    period    text,
    detail    text,
    address   text
);

CREATE INDEX app_audit_user ON app_audit (user_name, id);

-- Like the value audit trail, the application's log is append-only (DESIGN §9).
CREATE FUNCTION app_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '操作记录只允许追加，不能修改或删除';
END
$$;

CREATE TRIGGER app_audit_no_update_delete BEFORE UPDATE OR DELETE ON app_audit
    FOR EACH STATEMENT EXECUTE FUNCTION app_audit_append_only();
CREATE TRIGGER app_audit_no_truncate BEFORE TRUNCATE ON app_audit
    FOR EACH STATEMENT EXECUTE FUNCTION app_audit_append_only();
