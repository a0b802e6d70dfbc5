-- The audit log becomes a hash chain: each row's hash is SHA-256 of the
-- previous row's hash and this row's canonical bytes (audit_append in
-- server/domain/audit.c says which bytes). Rows written before this
-- migration keep a NULL hash; `tributary audit verify` counts them as
-- from before the chain.
ALTER TABLE audit_log ADD COLUMN hash BLOB;
