-- Releases: what a release holds (each item pinned to the revision
-- released), its sign-off, and its retirement when something in it is
-- withdrawn.
CREATE TABLE releases (
    id            INTEGER PRIMARY KEY,
    version       TEXT NOT NULL UNIQUE,
    dataset       TEXT NOT NULL,
    licence       TEXT NOT NULL,             -- Hub licence id
    permits       TEXT NOT NULL,             -- JSON array of uses
    campaigns     TEXT NOT NULL,             -- JSON array of slugs
    splits        TEXT NOT NULL,             -- JSON [train, dev, test] in %
    report        TEXT NOT NULL,             -- JSON: counts kept and left out
    state         TEXT NOT NULL DEFAULT 'draft' CHECK (
                    state = 'draft' OR state = 'approved'),
    created_at    INTEGER NOT NULL,
    retired_at    INTEGER,                   -- something in it was withdrawn
    retired_why   TEXT
) STRICT;

CREATE TABLE release_items (
    release_id      INTEGER NOT NULL REFERENCES releases(id),
    contribution_id INTEGER NOT NULL REFERENCES contributions(id),
    revision        INTEGER NOT NULL,        -- the revision released
    config          TEXT NOT NULL,           -- "ee-audio", "ak-text"
    split           TEXT NOT NULL,           -- train, dev, test
    speaker_id      TEXT NOT NULL,           -- keyed pseudonym
    PRIMARY KEY (release_id, contribution_id)
) STRICT, WITHOUT ROWID;
-- Which releases hold an item (a withdrawal retires them).
CREATE INDEX release_items_contribution ON release_items(contribution_id);

CREATE TABLE release_approvals (
    release_id INTEGER NOT NULL REFERENCES releases(id),
    account_id INTEGER NOT NULL,             -- 0: the node's operator (CLI)
    at         INTEGER NOT NULL,
    PRIMARY KEY (release_id, account_id)
) STRICT, WITHOUT ROWID;

-- The revocation list: every released item since withdrawn, per dataset
-- (GET /api/v1/revocations). Ids and dates only: nothing else of the item
-- is kept once it is erased.
CREATE TABLE revocations (
    dataset         TEXT NOT NULL,
    contribution_id INTEGER NOT NULL,
    withdrawn_at    INTEGER NOT NULL,
    PRIMARY KEY (dataset, contribution_id)
) STRICT, WITHOUT ROWID;

-- A withdrawal retires, with the reason, every release that holds the
-- item, and puts it on the revocation list of each dataset it was
-- released in, whichever path withdrew it (the person, a maintainer, a
-- withdrawn consent, an erasure).
CREATE TRIGGER contributions_retire_releases AFTER UPDATE OF status
    ON contributions WHEN new.status = 'withdrawn' AND old.status <> 'withdrawn'
BEGIN
    UPDATE releases SET retired_at = coalesce(new.withdrawn_at, unixepoch()),
        retired_why = 'contribution ' || new.id || ' was withdrawn'
    WHERE retired_at IS NULL AND id IN (SELECT release_id FROM release_items
        WHERE contribution_id = new.id);
    INSERT OR IGNORE INTO revocations (dataset, contribution_id, withdrawn_at)
        SELECT DISTINCT r.dataset, new.id,
            coalesce(new.withdrawn_at, unixepoch())
        FROM release_items i JOIN releases r ON r.id = i.release_id
        WHERE i.contribution_id = new.id;
END;

-- Withdrawn items are erased after a grace period (--withdrawal-grace):
-- their text, prompt and recording go, the row stays as a tombstone (id,
-- withdrawn at) for the revocation list and the ledger.
ALTER TABLE contributions ADD COLUMN erased_at INTEGER;
CREATE INDEX contributions_to_erase ON contributions(withdrawn_at)
    WHERE status = 'withdrawn' AND erased_at IS NULL;
