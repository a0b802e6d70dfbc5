-- Community review: votes, decisions, corrections, prompts with their
-- provenance, and the counters a maintainer's picture of a drive is read
-- from (kept by triggers, so every path that changes a contribution, the
-- erasure's included, keeps them true and no figure needs a scan).

-- Prompts: what contributors are asked to read or write about, each with
-- where it came from and under which licence it may be released.
CREATE TABLE prompts (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    text        TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    licence     TEXT NOT NULL,             -- Hub licence id
    uses        INTEGER NOT NULL DEFAULT 0, -- contributions made from it
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER,
    UNIQUE (campaign_id, text)
) STRICT;
-- The next prompt: the live one with the fewest contributions.
CREATE INDEX prompts_next ON prompts(campaign_id, uses, id)
    WHERE retired_at IS NULL;

ALTER TABLE contributions ADD COLUMN prompt_id INTEGER REFERENCES prompts(id);
ALTER TABLE contributions ADD COLUMN votes_up INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contributions ADD COLUMN votes_down INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contributions ADD COLUMN votes INTEGER NOT NULL DEFAULT 0;
-- 1 while a reviewer's "personal data left" waits for a maintainer.
ALTER TABLE contributions ADD COLUMN needs_correction INTEGER NOT NULL
    DEFAULT 0;
ALTER TABLE contributions ADD COLUMN decided_at INTEGER;
ALTER TABLE contributions ADD COLUMN decided_by INTEGER REFERENCES accounts(id);

-- The review queue: pending items, most votes first, oldest first. Only
-- pending rows are in it, so a decision or a withdrawal takes an item out
-- at once.
CREATE INDEX contributions_queue ON contributions(campaign_id, votes DESC, id)
    WHERE status = 'pending';
-- Decided and withdrawn items by status, for the maintainer's browser (a
-- new contribution is pending, so adding one never touches it).
CREATE INDEX contributions_decided ON contributions(campaign_id, status, id)
    WHERE status <> 'pending';
-- The maintainer's correction list.
CREATE INDEX contributions_corrections ON contributions(campaign_id, id)
    WHERE needs_correction = 1;
-- Nobody records or writes the same prompt twice.
CREATE UNIQUE INDEX contributions_prompt ON contributions(account_id, prompt_id)
    WHERE prompt_id IS NOT NULL;

CREATE TABLE reviews (
    id              INTEGER PRIMARY KEY,
    contribution_id INTEGER NOT NULL REFERENCES contributions(id),
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id),
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    revision        INTEGER NOT NULL,      -- the revision voted on
    vote            INTEGER NOT NULL CHECK (vote = 1 OR vote = -1),
    reason          TEXT,                  -- a down vote's (review.c)
    note            TEXT,
    idempotency_key TEXT NOT NULL,         -- names this vote: a retry
    request_sha256  TEXT NOT NULL,         -- what the key was used for
    created_at      INTEGER NOT NULL,
    -- One vote per reviewer per item; it also finds a retry (the same key
    -- on the same item), so no index by key is kept: one more B-tree
    -- page per reviewer in every commit of votes.
    UNIQUE (contribution_id, account_id)
) STRICT;
-- What a reviewer did, by day: a counter, not an index on reviews (one
-- more B-tree page per reviewer in every commit of votes).
CREATE TABLE reviewer_days (
    account_id INTEGER NOT NULL,
    day        INTEGER NOT NULL,
    n          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, day)
) STRICT, WITHOUT ROWID;

-- Counters. Days are UTC days since the epoch.
CREATE TABLE campaign_status (
    campaign_id INTEGER NOT NULL,
    status      TEXT NOT NULL,
    n           INTEGER NOT NULL DEFAULT 0,
    seconds     REAL NOT NULL DEFAULT 0,   -- of audio (validated only)
    PRIMARY KEY (campaign_id, status)
) STRICT, WITHOUT ROWID;

CREATE TABLE campaign_days (
    campaign_id       INTEGER NOT NULL,
    day               INTEGER NOT NULL,
    submitted         INTEGER NOT NULL DEFAULT 0,
    validated         INTEGER NOT NULL DEFAULT 0,
    rejected          INTEGER NOT NULL DEFAULT 0,
    withdrawn         INTEGER NOT NULL DEFAULT 0,
    votes             INTEGER NOT NULL DEFAULT 0,
    validated_seconds REAL NOT NULL DEFAULT 0,
    contributors      INTEGER NOT NULL DEFAULT 0, -- first contribution
    PRIMARY KEY (campaign_id, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE campaign_people (
    campaign_id INTEGER NOT NULL,
    role        TEXT NOT NULL,             -- 'contributor' or 'reviewer'
    account_id  INTEGER NOT NULL,
    first_at    INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, role, account_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE campaign_reasons (
    campaign_id INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    n           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, reason)
) STRICT, WITHOUT ROWID;

-- What is already there.
INSERT INTO campaign_status (campaign_id, status, n)
    SELECT campaign_id, status, count(*) FROM contributions GROUP BY 1, 2;
INSERT INTO campaign_days (campaign_id, day, submitted)
    SELECT campaign_id, created_at / 86400, count(*) FROM contributions
    GROUP BY 1, 2;
INSERT INTO campaign_people (campaign_id, role, account_id, first_at)
    SELECT campaign_id, 'contributor', account_id, min(created_at)
    FROM contributions GROUP BY 1, 3;
UPDATE campaign_days SET contributors = (SELECT count(*) FROM campaign_people p
    WHERE p.campaign_id = campaign_days.campaign_id
    AND p.role = 'contributor' AND p.first_at / 86400 = campaign_days.day);

CREATE TRIGGER contributions_count_new AFTER INSERT ON contributions
BEGIN
    INSERT INTO campaign_status (campaign_id, status, n)
        VALUES (new.campaign_id, new.status, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO campaign_days (campaign_id, day, submitted, contributors)
        VALUES (new.campaign_id, new.created_at / 86400, 1,
            NOT EXISTS (SELECT 1 FROM campaign_people
                WHERE campaign_id = new.campaign_id AND role = 'contributor'
                AND account_id = new.account_id))
        ON CONFLICT DO UPDATE SET submitted = submitted + 1,
            contributors = contributors + excluded.contributors;
    INSERT OR IGNORE INTO campaign_people
        VALUES (new.campaign_id, 'contributor', new.account_id,
            new.created_at);
END;

-- A status change: out of one count into another, the day's event, and
-- the seconds of validated audio (the latest revision's duration).
CREATE TRIGGER contributions_count_status AFTER UPDATE OF status
    ON contributions WHEN old.status <> new.status
BEGIN
    UPDATE campaign_status SET n = n - 1,
        seconds = seconds - CASE WHEN old.status = 'validated' THEN
            coalesce((SELECT duration FROM contribution_revisions
                WHERE contribution_id = old.id
                ORDER BY revision DESC LIMIT 1), 0) ELSE 0 END
        WHERE campaign_id = old.campaign_id AND status = old.status;
    INSERT INTO campaign_status (campaign_id, status, n, seconds)
        VALUES (new.campaign_id, new.status, 1,
            CASE WHEN new.status = 'validated' THEN
            coalesce((SELECT duration FROM contribution_revisions
                WHERE contribution_id = new.id
                ORDER BY revision DESC LIMIT 1), 0) ELSE 0 END)
        ON CONFLICT DO UPDATE SET n = n + 1,
            seconds = seconds + excluded.seconds;
    INSERT INTO campaign_days (campaign_id, day, validated, rejected,
            withdrawn, validated_seconds)
        VALUES (new.campaign_id,
            coalesce(new.withdrawn_at, new.decided_at, unixepoch()) / 86400,
            new.status = 'validated', new.status = 'rejected',
            new.status = 'withdrawn',
            CASE WHEN new.status = 'validated' THEN
            coalesce((SELECT duration FROM contribution_revisions
                WHERE contribution_id = new.id
                ORDER BY revision DESC LIMIT 1), 0) ELSE 0 END)
        ON CONFLICT DO UPDATE SET validated = validated + excluded.validated,
            rejected = rejected + excluded.rejected,
            withdrawn = withdrawn + excluded.withdrawn,
            validated_seconds = validated_seconds +
                excluded.validated_seconds;
END;

CREATE TRIGGER reviews_count AFTER INSERT ON reviews
BEGIN
    INSERT INTO campaign_days (campaign_id, day, votes)
        VALUES (new.campaign_id, new.created_at / 86400, 1)
        ON CONFLICT DO UPDATE SET votes = votes + 1;
    INSERT INTO campaign_reasons (campaign_id, reason, n)
        SELECT new.campaign_id, new.reason, 1 WHERE new.reason IS NOT NULL
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT OR IGNORE INTO campaign_people
        VALUES (new.campaign_id, 'reviewer', new.account_id, new.created_at);
    INSERT INTO reviewer_days (account_id, day, n)
        VALUES (new.account_id, new.created_at / 86400, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- A campaign's decision rule (review.h), from its definition's "review".
ALTER TABLE campaigns ADD COLUMN review_min_votes INTEGER NOT NULL DEFAULT 2;
ALTER TABLE campaigns ADD COLUMN review_rule TEXT NOT NULL DEFAULT 'majority';

-- Prompts written in a campaign's definition become rows, under the
-- definition's "prompt_licence" (the organizer's own words: CC0 unless it
-- says otherwise).
INSERT OR IGNORE INTO prompts (campaign_id, text, source, licence, created_at)
    SELECT c.id, j.value, 'campaign definition',
        coalesce(json_extract(c.definition, '$.prompt_licence'), 'cc0-1.0'),
        c.created_at
    FROM campaigns c, json_each(c.definition, '$.prompts') j
    WHERE j.type = 'text';

-- Using a prompt counts it; a contribution taken back by its own job (a
-- revision that could not be written) uncounts what its insert counted.
CREATE TRIGGER contributions_prompt_use AFTER INSERT ON contributions
    WHEN new.prompt_id IS NOT NULL
BEGIN
    UPDATE prompts SET uses = uses + 1 WHERE id = new.prompt_id;
END;
CREATE TRIGGER contributions_count_undo AFTER DELETE ON contributions
BEGIN
    UPDATE campaign_status SET n = n - 1
        WHERE campaign_id = old.campaign_id AND status = old.status;
    UPDATE campaign_days SET submitted = submitted - 1
        WHERE campaign_id = old.campaign_id AND day = old.created_at / 86400;
    UPDATE prompts SET uses = uses - 1 WHERE id = old.prompt_id;
END;

-- A withdrawn item leaves the correction list: nothing is left to correct.
CREATE TRIGGER contributions_withdrawn_uncorrected AFTER UPDATE OF status
    ON contributions WHEN new.status = 'withdrawn' AND new.needs_correction = 1
BEGIN
    UPDATE contributions SET needs_correction = 0 WHERE id = new.id;
END;
