-- Translations made on the node's translation page (server/domain/i18n.c):
-- a string of a language's page catalog, saved by a translator, which
-- extends or overrides the catalog file webroot/i18n/LANG.json; and the
-- marks of a second speaker that a language's catalog is reviewed.
ALTER TABLE accounts ADD COLUMN can_translate INTEGER NOT NULL DEFAULT 0;

CREATE TABLE translations (
    lang        TEXT NOT NULL,
    key         TEXT NOT NULL,
    text        TEXT NOT NULL,
    by          INTEGER NOT NULL REFERENCES accounts(id),
    at          INTEGER NOT NULL,           -- milliseconds since 1970
    PRIMARY KEY (lang, key)
) STRICT;

CREATE TABLE translation_reviews (
    id          INTEGER PRIMARY KEY,
    lang        TEXT NOT NULL,
    by          INTEGER NOT NULL REFERENCES accounts(id),
    at          INTEGER NOT NULL            -- milliseconds since 1970
) STRICT;
CREATE INDEX translation_reviews_lang ON translation_reviews(lang, at);
