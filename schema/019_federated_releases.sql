-- Federated releases (issue 19): a release of this node built from the
-- latest release of each community it federates with (its peers' pulled
-- releases and its own), one config per community. It is a row of
-- `releases` like any other (approved, served and published the same
-- way), with no release_items: its rows are the peers' release rows,
-- named by the id column they carry.

ALTER TABLE releases ADD COLUMN federated INTEGER NOT NULL DEFAULT 0;

-- What a federated release was built from: one row per source release.
CREATE TABLE federated_sources (
    release_id      INTEGER NOT NULL REFERENCES releases(id),
    community       TEXT NOT NULL,   -- the configs' prefix
    name            TEXT NOT NULL,   -- credited as: the peer's name, or ours
    peer_id         INTEGER NOT NULL, -- 0: this node's own release
    node_key        TEXT NOT NULL,   -- hex; the key that signed it
    dataset         TEXT NOT NULL,
    version         TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    licence         TEXT NOT NULL,
    rows            INTEGER NOT NULL, -- rows taken into the release
    left_licence    INTEGER NOT NULL, -- rows left out: licence or uses
    left_revoked    INTEGER NOT NULL, -- rows left out: revoked
    PRIMARY KEY (release_id, peer_id, dataset)
) STRICT, WITHOUT ROWID;

-- Every row a federated release holds, as its source names it.
CREATE TABLE federated_items (
    release_id INTEGER NOT NULL REFERENCES releases(id),
    peer_id    INTEGER NOT NULL,     -- 0: this node
    dataset    TEXT NOT NULL,        -- the source release's dataset
    item       TEXT NOT NULL,        -- the row's id column
    PRIMARY KEY (release_id, peer_id, dataset, item)
) STRICT, WITHOUT ROWID;
CREATE INDEX federated_items_item ON federated_items(peer_id, dataset, item);

-- Which peer's revocation retired a release (NULL: this node's own, or
-- not retired).
ALTER TABLE releases ADD COLUMN retired_peer INTEGER;

-- A peer revokes a row: every federated release holding it is retired at
-- once, in the pull's own transaction (the Hub read API stops serving
-- it; the next publish deletes its tag).
CREATE TRIGGER peer_revocations_retire AFTER INSERT ON peer_revocations
BEGIN
    UPDATE releases SET retired_at = unixepoch(),
        retired_peer = new.peer_id,
        retired_why = 'peer ' || coalesce((SELECT name FROM peers
            WHERE id = new.peer_id), new.peer_id) || ' revoked row ' ||
            new.item || ' of ' || new.dataset
    WHERE retired_at IS NULL AND id IN (SELECT release_id
        FROM federated_items WHERE peer_id = new.peer_id
        AND dataset = new.dataset AND item = new.item);
END;

-- This node revokes one of its own released rows: the same for the
-- federated releases that hold it.
CREATE TRIGGER revocations_retire_federated AFTER INSERT ON revocations
BEGIN
    UPDATE releases SET retired_at = unixepoch(),
        retired_why = 'row ' || new.contribution_id || ' of ' ||
            new.dataset || ' was withdrawn'
    WHERE retired_at IS NULL AND id IN (SELECT release_id
        FROM federated_items WHERE peer_id = 0
        AND dataset = new.dataset
        AND item = CAST(new.contribution_id AS TEXT));
END;
