-- What the hub object store (DATA/hub-objects) must keep: every file of
-- every pushed commit, and every LFS object a repo lists (lfs-files) until
-- it is deleted. The sweep (blob_sweep) removes any other file once it is
-- older than --hub-object-grace: an upload never committed, or the parts
-- of a multipart upload once they were joined.
CREATE INDEX hub_commit_files_sha256 ON hub_commit_files(sha256);
CREATE INDEX hub_repo_objects_sha256 ON hub_repo_objects(sha256);
CREATE VIEW hub_blob_refs(sha256) AS
	SELECT sha256 FROM hub_commit_files
	UNION ALL
	SELECT sha256 FROM hub_repo_objects;
