-- The embedded schema: the tables and rules of the Postgres schema
-- (crates/store/migrations), in SQLite's types:
--   ids    16-byte BLOBs (the UUID's bytes, so they sort as Postgres sorts uuid);
--   times  INTEGER microseconds since the Unix epoch (Postgres' precision: a time
--          written and read back is equal, and they sort as numbers);
--   lists and JSON objects  TEXT holding JSON.
-- STRICT tables refuse a value of the wrong type instead of storing it anyway.

CREATE TABLE sites (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    -- Public key embedded in the widget tag; identifies the site, grants nothing.
    key         TEXT NOT NULL UNIQUE,
    -- JSON array of allowed origins.
    origins     TEXT NOT NULL,
    routing     TEXT NOT NULL DEFAULT 'manual' CHECK (routing IN ('manual', 'auto')),
    greeting    TEXT,
    locale      TEXT NOT NULL DEFAULT 'ru' CHECK (locale IN ('ru', 'en')),
    -- Per-site assistant settings (JSON object; '{}' = built-in defaults).
    assistant   TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE managers (
    id               BLOB PRIMARY KEY NOT NULL,
    site_id          BLOB NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    email            TEXT NOT NULL,
    -- The email lowercased by the store (Unicode-aware, like Postgres' lower();
    -- SQLite's lower() folds ASCII only): emails are unique regardless of case.
    email_key        TEXT NOT NULL,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('admin', 'manager')),
    max_chats        INTEGER CHECK (max_chats IS NULL OR max_chats >= 0),
    password_hash    TEXT NOT NULL,
    -- Tie-break for auto routing: the manager idle longest gets the next session.
    last_assigned_at INTEGER,
    created_at       INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX managers_email_key ON managers (email_key);
CREATE INDEX managers_site ON managers (site_id);

CREATE TABLE manager_tokens (
    -- SHA-256 of the opaque token; the token itself is never stored.
    token_hash  BLOB PRIMARY KEY NOT NULL,
    manager_id  BLOB NOT NULL REFERENCES managers (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX manager_tokens_manager ON manager_tokens (manager_id);

CREATE TABLE visitors (
    id          BLOB PRIMARY KEY NOT NULL,
    site_id     BLOB NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    token_hash  BLOB NOT NULL UNIQUE,
    name        TEXT,
    email       TEXT,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    id            BLOB PRIMARY KEY NOT NULL,
    site_id       BLOB NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    visitor_id    BLOB NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('ai', 'waiting', 'active', 'closed')),
    manager_id    BLOB REFERENCES managers (id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    requested_at  INTEGER,
    accepted_at   INTEGER,
    closed_at     INTEGER,
    -- The highest seq stored; bumped inside the write transaction so seq has no gaps.
    last_seq      INTEGER NOT NULL DEFAULT 0,
    -- The visitor's latest text, shown in the managers' queue.
    preview       TEXT
) STRICT;
-- At most one open session per visitor (a visitor belongs to one site).
CREATE UNIQUE INDEX sessions_one_open ON sessions (visitor_id) WHERE status <> 'closed';
-- The queue: waiting sessions of a site, first come first served.
CREATE INDEX sessions_queue ON sessions (site_id, requested_at, id) WHERE status = 'waiting';
CREATE INDEX sessions_manager_active ON sessions (manager_id) WHERE status = 'active';
CREATE INDEX sessions_site_active ON sessions (site_id) WHERE status = 'active';

-- Clustered by (session_id, seq): a page of a session's log is one range read.
CREATE TABLE messages (
    id           BLOB NOT NULL,
    session_id   BLOB NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    sender       TEXT NOT NULL CHECK (sender IN ('visitor', 'manager', 'ai', 'system')),
    author_id    BLOB,
    author_name  TEXT,
    kind         TEXT NOT NULL,
    text         TEXT NOT NULL,
    client_id    TEXT,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq),
    UNIQUE (session_id, client_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE calls (
    id           BLOB PRIMARY KEY NOT NULL,
    session_id   BLOB NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    media        TEXT NOT NULL CHECK (media IN ('audio', 'video')),
    caller       TEXT NOT NULL CHECK (caller IN ('visitor', 'manager')),
    state        TEXT NOT NULL CHECK (state IN ('ringing', 'active', 'ended')),
    created_at   INTEGER NOT NULL,
    answered_at  INTEGER,
    ended_at     INTEGER,
    end_reason   TEXT
) STRICT;
CREATE INDEX calls_session ON calls (session_id);

CREATE TABLE faq_entries (
    id          BLOB PRIMARY KEY NOT NULL,
    site_id     BLOB NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    -- JSON array of question variants.
    questions   TEXT NOT NULL,
    answer      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX faq_entries_site ON faq_entries (site_id);

-- Notes for managers only (the assistant's handoff summary).
CREATE TABLE session_notes (
    id          BLOB PRIMARY KEY NOT NULL,
    session_id  BLOB NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX session_notes_session ON session_notes (session_id);

-- What the embedded node remembers about itself (the demo site it seeded).
CREATE TABLE node_meta (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
) STRICT;
