-- The Hub's write API (server/domain/hubpush.c): tokens a maintainer
-- issues at the command line, the dataset repos pushed to the node, their
-- commits (each one holds its whole file list, so a revision is read
-- without walking history), and their branches and tags. File contents
-- live in the node's hub object store (DATA/hub-objects), named by their
-- SHA-256.

-- A push token: only its SHA-256 is kept; shown once when made.
CREATE TABLE hub_tokens (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	hash TEXT NOT NULL UNIQUE,    -- hex SHA-256 of the token
	repo TEXT,                    -- "ns/name" it is limited to; NULL: any
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
);

-- A dataset repo pushed to the node, in its namespace.
CREATE TABLE hub_repos (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,    -- the dataset part of NAMESPACE/NAME
	created_at INTEGER NOT NULL,
	token_id INTEGER REFERENCES hub_tokens(id)
);

CREATE TABLE hub_commits (
	id INTEGER PRIMARY KEY,
	repo_id INTEGER NOT NULL REFERENCES hub_repos(id),
	oid TEXT NOT NULL UNIQUE,     -- 40 hex
	parent TEXT,                  -- the parent's oid; NULL for a root
	summary TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	at INTEGER NOT NULL,
	token_id INTEGER REFERENCES hub_tokens(id)
);
CREATE INDEX hub_commits_repo ON hub_commits(repo_id);

-- Every file of a commit (not only those it changed).
CREATE TABLE hub_commit_files (
	commit_id INTEGER NOT NULL REFERENCES hub_commits(id),
	path TEXT NOT NULL,
	sha256 TEXT NOT NULL,         -- its bytes in the hub object store
	size INTEGER NOT NULL,
	lfs INTEGER NOT NULL,         -- pushed as an LFS object
	oid TEXT NOT NULL,            -- git blob id (of the LFS pointer)
	PRIMARY KEY (commit_id, path)
) WITHOUT ROWID;

-- Branches and tags.
CREATE TABLE hub_refs (
	repo_id INTEGER NOT NULL REFERENCES hub_repos(id),
	kind TEXT NOT NULL CHECK (kind IN ('branch', 'tag')),
	name TEXT NOT NULL,
	commit_id INTEGER NOT NULL REFERENCES hub_commits(id),
	PRIMARY KEY (repo_id, kind, name)
) WITHOUT ROWID;

-- The LFS objects pushed to each repo, whether a commit still uses them
-- or not (after a super-squash), as the Hub lists them (lfs-files) until
-- they are deleted (lfs-files/batch).
CREATE TABLE hub_repo_objects (
	repo_id INTEGER NOT NULL REFERENCES hub_repos(id),
	sha256 TEXT NOT NULL,
	size INTEGER NOT NULL,
	filename TEXT NOT NULL,       -- the first path it was pushed as
	pushed_at INTEGER NOT NULL,
	PRIMARY KEY (repo_id, sha256)
) WITHOUT ROWID;
CREATE TRIGGER hub_commit_files_object AFTER INSERT ON hub_commit_files
	WHEN new.lfs = 1
BEGIN
	INSERT OR IGNORE INTO hub_repo_objects (repo_id, sha256, size,
		filename, pushed_at)
	SELECT c.repo_id, new.sha256, new.size, new.path, c.at
	FROM hub_commits c WHERE c.id = new.commit_id;
END;
