-- Federation (issue 19): the peers this node pulls releases from, each
-- pinned to the Ed25519 key its maintainer was given out of band, the
-- revocation lists they signed, and the releases pulled from them.
-- Pulled data stays the peer's release files (DIR/federation/objects,
-- named by SHA-256): nothing here is one of this node's contributions.

CREATE TABLE peers (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    url          TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 1024),
    public_key   TEXT NOT NULL CHECK (length(public_key) = 64), -- hex
    token        TEXT,            -- Bearer token for datasets not public
    added_at     INTEGER NOT NULL,
    last_pull_at INTEGER,         -- the last pull tried
    last_ok_at   INTEGER,         -- the last pull that completed
    last_error   TEXT             -- why the last pull failed; NULL if it did not
) STRICT;

-- The peer's latest verified revocation list, exactly as it signed it.
CREATE TABLE peer_revocation_lists (
    peer_id    INTEGER PRIMARY KEY REFERENCES peers(id),
    head       TEXT NOT NULL,
    body       TEXT NOT NULL,
    signature  TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
) STRICT;

-- Every id the peer ever revoked, as its release rows carry it (the
-- Parquet "id" column). Only ever added to: a list that drops one is
-- refused.
CREATE TABLE peer_revocations (
    peer_id      INTEGER NOT NULL REFERENCES peers(id),
    dataset      TEXT NOT NULL,
    item         TEXT NOT NULL,
    withdrawn_at INTEGER NOT NULL,
    PRIMARY KEY (peer_id, dataset, item)
) STRICT, WITHOUT ROWID;

-- A release pulled whole and verified, and its files.
CREATE TABLE peer_releases (
    id              INTEGER PRIMARY KEY,
    peer_id         INTEGER NOT NULL REFERENCES peers(id),
    dataset         TEXT NOT NULL,
    version         TEXT NOT NULL,
    commit_id       TEXT NOT NULL,   -- the peer's Hub commit id for it
    manifest_sha256 TEXT NOT NULL,
    pulled_at       INTEGER NOT NULL,
    UNIQUE (peer_id, dataset, version)
) STRICT;

CREATE TABLE peer_release_files (
    release_id INTEGER NOT NULL REFERENCES peer_releases(id),
    path       TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    sha256     TEXT NOT NULL,        -- its object in DIR/federation/objects
    PRIMARY KEY (release_id, path)
) STRICT, WITHOUT ROWID;
