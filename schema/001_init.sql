-- The node itself: facts set once by `tributary init`.
CREATE TABLE node_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- People who can log in. Roles grow in later migrations' use, not shape.
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    handle      TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN
                  ('contributor', 'reviewer', 'maintainer', 'treasurer', 'admin')),
    created_at  INTEGER NOT NULL,
    disabled_at INTEGER
) STRICT;

-- One-time login codes (the first admin's, printed by `tributary init`).
-- Only the SHA-256 of the code is kept.
CREATE TABLE login_codes (
    code_sha256 BLOB PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
) STRICT;

-- Every blob hash some row still needs. The blob sweep deletes files not
-- listed here (after a grace period). Later migrations that add a column
-- holding a blob hash recreate this view as a UNION over those columns.
CREATE VIEW blob_refs(sha256) AS SELECT NULL WHERE 0;
