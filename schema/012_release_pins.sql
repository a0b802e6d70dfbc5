-- What a release pins when it is created, so its folder rebuilt later
-- gives the same bytes: the heads of the audit log's and the pay
-- ledger's hash chains ({"audit":{"id","hash"},"ledger":{"id","hash"}}),
-- and the pay its contributors had earned by then, for the card
-- (release_pay.c says what is in it).
ALTER TABLE releases ADD COLUMN heads TEXT NOT NULL DEFAULT '{}';
ALTER TABLE releases ADD COLUMN pay TEXT NOT NULL DEFAULT '{}';
