-- Where a release was published (tributary publish): one row per push
-- that ended in a commit, so a later publish knows which published
-- versions have since been retired (their tags deleted, the history
-- squashed, their LFS objects purged) and the releases page can link to
-- the published revision.
CREATE TABLE publications (
    id          INTEGER PRIMARY KEY,
    release_id  INTEGER NOT NULL REFERENCES releases(id),
    endpoint    TEXT NOT NULL,              -- https://huggingface.co
    repo        TEXT NOT NULL,              -- ns/name
    commit_id   TEXT NOT NULL,              -- the Hub's commit oid
    at          INTEGER NOT NULL,
    unpublished_at INTEGER                  -- its tag deleted (retired)
) STRICT;
CREATE INDEX publications_repo ON publications(endpoint, repo);
CREATE INDEX publications_release ON publications(release_id);
