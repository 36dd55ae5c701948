-- The initial schema. Postgres is the source of truth for everything that must
-- survive a Redis restart: sites, people, sessions (and so the queue), messages, calls.

CREATE TABLE sites (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    -- Public key embedded in the widget tag; identifies the site, grants nothing.
    key         text NOT NULL UNIQUE,
    origins     text[] NOT NULL,
    routing     text NOT NULL DEFAULT 'manual' CHECK (routing IN ('manual', 'auto')),
    greeting    text,
    locale      text NOT NULL DEFAULT 'ru' CHECK (locale IN ('ru', 'en')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE managers (
    id               uuid PRIMARY KEY,
    site_id          uuid NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    email            text NOT NULL,
    name             text NOT NULL,
    role             text NOT NULL CHECK (role IN ('admin', 'manager')),
    max_chats        integer CHECK (max_chats IS NULL OR max_chats >= 0),
    password_hash    text NOT NULL,
    -- Tie-break for auto routing: the manager idle longest gets the next session.
    last_assigned_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
-- Emails are unique per installation regardless of case.
CREATE UNIQUE INDEX managers_email_lower ON managers (lower(email));
CREATE INDEX managers_site ON managers (site_id);

CREATE TABLE manager_tokens (
    -- SHA-256 of the opaque token; the token itself is never stored.
    token_hash  bytea PRIMARY KEY,
    manager_id  uuid NOT NULL REFERENCES managers (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE visitors (
    id          uuid PRIMARY KEY,
    site_id     uuid NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    name        text,
    email       text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    id            uuid PRIMARY KEY,
    site_id       uuid NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    visitor_id    uuid NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    status        text NOT NULL CHECK (status IN ('ai', 'waiting', 'active', 'closed')),
    manager_id    uuid REFERENCES managers (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    requested_at  timestamptz,
    accepted_at   timestamptz,
    closed_at     timestamptz,
    -- The highest seq stored; bumped under this row's lock so seq has no gaps.
    last_seq      bigint NOT NULL DEFAULT 0,
    -- The visitor's latest text, shown in the managers' queue.
    preview       text
);
-- At most one open session per visitor (a visitor belongs to one site).
CREATE UNIQUE INDEX sessions_one_open ON sessions (visitor_id) WHERE status <> 'closed';
-- The queue: waiting sessions of a site, first come first served.
CREATE INDEX sessions_queue ON sessions (site_id, requested_at, id) WHERE status = 'waiting';
CREATE INDEX sessions_manager_active ON sessions (manager_id) WHERE status = 'active';
CREATE INDEX sessions_site_active ON sessions (site_id) WHERE status = 'active';

CREATE TABLE messages (
    id           uuid NOT NULL,
    session_id   uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq          bigint NOT NULL,
    sender       text NOT NULL CHECK (sender IN ('visitor', 'manager', 'ai', 'system')),
    author_id    uuid,
    author_name  text,
    kind         text NOT NULL,
    text         text NOT NULL,
    client_id    text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, seq),
    UNIQUE (session_id, client_id)
);

CREATE TABLE calls (
    id           uuid PRIMARY KEY,
    session_id   uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    media        text NOT NULL CHECK (media IN ('audio', 'video')),
    caller       text NOT NULL CHECK (caller IN ('visitor', 'manager')),
    state        text NOT NULL CHECK (state IN ('ringing', 'active', 'ended')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    answered_at  timestamptz,
    ended_at     timestamptz,
    end_reason   text
);
CREATE INDEX calls_session ON calls (session_id);

CREATE TABLE faq_entries (
    id          uuid PRIMARY KEY,
    site_id     uuid NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    questions   text[] NOT NULL,
    answer      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX faq_entries_site ON faq_entries (site_id);

-- Notes for managers only (the assistant's handoff summary).
CREATE TABLE session_notes (
    id          uuid PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    text        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX session_notes_session ON session_notes (session_id);
