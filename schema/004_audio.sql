-- Audio: a consent may carry a spoken statement of agreement, kept as
-- evidence (a FLAC blob), never released; blobs are referenced by
-- contribution revisions and by these statements.
ALTER TABLE consents ADD COLUMN spoken_sha256 TEXT;
ALTER TABLE consents ADD COLUMN spoken_duration REAL;
ALTER TABLE consents ADD COLUMN spoken_at INTEGER;

DROP VIEW blob_refs;
CREATE VIEW blob_refs(sha256) AS
    SELECT audio_sha256 FROM contribution_revisions
    WHERE audio_sha256 IS NOT NULL
    UNION
    SELECT spoken_sha256 FROM consents WHERE spoken_sha256 IS NOT NULL;
