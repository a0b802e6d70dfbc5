-- The index on contributions(account_id) repeats the first column of the
-- UNIQUE (account_id, idempotency_key) index, which answers the same
-- lookups (a person's contributions, withdraw-all, erasure). Every new
-- contribution paid for both: one more B-tree to change, one more page for
-- the writer to commit per batch.
DROP INDEX contributions_account;
