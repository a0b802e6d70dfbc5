-- Contributions: the immutable identity of something a person gave, and
-- its revisions (a correction is a new revision). Only redacted text is
-- ever stored.
CREATE TABLE contributions (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id),
    consent_id      INTEGER NOT NULL REFERENCES consents(id),
    idempotency_key TEXT NOT NULL,
    request_sha256  TEXT NOT NULL,     -- what the key was first used for
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                      ('pending', 'validated', 'rejected', 'withdrawn')),
    created_at      INTEGER NOT NULL,
    withdrawn_at    INTEGER,
    UNIQUE (account_id, idempotency_key)
) STRICT;
CREATE INDEX contributions_account ON contributions(account_id);

CREATE TABLE contribution_revisions (
    id              INTEGER PRIMARY KEY,
    contribution_id INTEGER NOT NULL REFERENCES contributions(id),
    revision        INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('text', 'audio')),
    prompt          TEXT,
    text            TEXT,              -- redacted
    audio_sha256    TEXT,
    duration        REAL,
    sample_rate     INTEGER,
    redaction       TEXT NOT NULL DEFAULT '{}',  -- kinds removed, JSON
    created_at      INTEGER NOT NULL,
    UNIQUE (contribution_id, revision)
) STRICT;

DROP VIEW blob_refs;
CREATE VIEW blob_refs(sha256) AS
    SELECT audio_sha256 FROM contribution_revisions
    WHERE audio_sha256 IS NOT NULL;
