-- People, sessions, drive cards, campaigns and consent.

ALTER TABLE accounts ADD COLUMN passphrase_hash TEXT;      -- Argon2id string
ALTER TABLE accounts ADD COLUMN languages TEXT NOT NULL DEFAULT '[]';

-- Sessions: only the SHA-256 of the cookie token is kept.
CREATE TABLE sessions (
    token_sha256 BLOB PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    csrf         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL              -- absolute expiry
) STRICT;
CREATE INDEX sessions_account ON sessions(account_id);

-- Campaigns: a collection drive.
CREATE TABLE campaigns (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    language        TEXT NOT NULL,             -- BCP-47
    kind            TEXT NOT NULL CHECK (kind IN ('text', 'audio')),
    consent_slug    TEXT NOT NULL,
    required_scopes TEXT NOT NULL,             -- JSON array
    minimum_age     INTEGER NOT NULL,
    max_chars       INTEGER,                   -- text
    min_seconds     REAL,                      -- audio
    max_seconds     REAL,
    sample_rate     INTEGER,
    starts_at       INTEGER,
    ends_at         INTEGER,
    definition      TEXT NOT NULL,             -- the imported JSON
    created_at      INTEGER NOT NULL
) STRICT;

-- Drive cards: the code printed on a card is the person's login, with a PIN
-- they choose at first use. Only hashes are kept.
CREATE TABLE drive_codes (
    id           INTEGER PRIMARY KEY,
    code_sha256  BLOB NOT NULL UNIQUE,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id),
    account_id   INTEGER REFERENCES accounts(id),   -- set at first use
    pin_hash     TEXT,                              -- Argon2id string
    failed_pins  INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
) STRICT;

-- Consent documents, keyed by the SHA-256 of the exact file bytes. Never
-- updated: a changed file is a new row.
CREATE TABLE consent_documents (
    sha256      TEXT PRIMARY KEY,
    slug        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    lang        TEXT NOT NULL,
    title       TEXT NOT NULL,
    reviewed    INTEGER NOT NULL,
    minimum_age INTEGER NOT NULL,
    scopes      TEXT NOT NULL,                 -- JSON array of ids
    bytes       BLOB NOT NULL,
    loaded_at   INTEGER NOT NULL
) STRICT;
CREATE TRIGGER consent_documents_immutable BEFORE UPDATE ON consent_documents
BEGIN
    SELECT RAISE(ABORT, 'consent documents are immutable');
END;

CREATE TABLE consents (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id),
    document_sha256 TEXT NOT NULL REFERENCES consent_documents(sha256),
    scopes          TEXT NOT NULL,             -- JSON array granted
    method          TEXT NOT NULL CHECK (method IN ('checkbox', 'typed_name', 'spoken')),
    age_confirmed   INTEGER NOT NULL,
    given_at        INTEGER NOT NULL,
    withdrawn_at    INTEGER
) STRICT;
CREATE INDEX consents_account ON consents(account_id);

-- Every consent event and every privileged act. Its hash chain comes with
-- the review work; the columns are here from the start.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER REFERENCES accounts(id),
    action     TEXT NOT NULL,
    subject_id INTEGER,
    detail     TEXT NOT NULL DEFAULT '{}'      -- JSON
) STRICT;
