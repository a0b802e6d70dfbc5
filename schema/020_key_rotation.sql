-- Key rotation (issue 19): a node may replace its Ed25519 key
-- (`tributary key rotate`). Each rotation is a statement, the exact bytes
-- of {"new_key","node":"tributary","old_key","rotated_at"} (compact, keys
-- sorted), signed by the old key and by the new one; the node presents
-- them all, oldest first, in its well-known document, so a peer pinned to
-- any earlier key can follow the chain to the current one.

-- This node's own rotations, oldest first (by id), exactly as signed.
CREATE TABLE key_rotations (
    id            INTEGER PRIMARY KEY,
    old_key       TEXT NOT NULL CHECK (length(old_key) = 64),  -- hex
    new_key       TEXT NOT NULL UNIQUE CHECK (length(new_key) = 64),
    rotated_at    INTEGER NOT NULL,
    statement     TEXT NOT NULL CHECK (length(statement) <= 1024),
    old_signature TEXT NOT NULL CHECK (length(old_signature) = 128),
    new_signature TEXT NOT NULL CHECK (length(new_signature) = 128)
) STRICT;

-- Every key each peer was pinned to, oldest first (by id): the one given
-- to `peer add` (no statement), then each one accepted from a chain of
-- statements, kept with the statement that handed over to it. A release
-- manifest signed by any of them verifies; peers.public_key stays the
-- current one.
CREATE TABLE peer_keys (
    id            INTEGER PRIMARY KEY,
    peer_id       INTEGER NOT NULL REFERENCES peers(id),
    public_key    TEXT NOT NULL CHECK (length(public_key) = 64),  -- hex
    since         INTEGER NOT NULL,  -- when this node pinned or accepted it
    rotated_at    INTEGER,           -- the statement's time; NULL if pinned
    statement     TEXT,              -- exactly as signed; NULL if pinned
    old_signature TEXT,
    new_signature TEXT,
    UNIQUE (peer_id, public_key)
) STRICT;

INSERT INTO peer_keys (peer_id, public_key, since)
    SELECT id, public_key, added_at FROM peers ORDER BY id;
