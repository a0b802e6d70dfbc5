-- Consent documents translated on the node's translation page
-- (server/domain/consent_tr.c). A part is a unit a translator writes: the
-- title, licence_notes, a scope's explanation ("scope.ID"), a heading
-- ("heading.ANCHOR") or a block of the body ("para.ANCHOR.N", "para.N");
-- a draft of it is kept per slug, version (the one translated from),
-- language and part, with who saved it and when, until a second speaker
-- reviews the language's document: then review_id names that review.
CREATE TABLE consent_translation_reviews (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL,
    version      INTEGER NOT NULL,          -- the latest version then
    lang         TEXT NOT NULL,
    by           INTEGER NOT NULL REFERENCES accounts(id),
    at           INTEGER NOT NULL,          -- milliseconds since 1970
    -- the version the reviewed text was written as: version, or
    -- version + 1 when somebody had consented to the text it corrects
    made_version INTEGER NOT NULL,
    sha256       TEXT NOT NULL REFERENCES consent_documents(sha256)
) STRICT;
CREATE INDEX consent_translation_reviews_doc
    ON consent_translation_reviews(slug, lang, at);

CREATE TABLE consent_translations (
    slug        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    lang        TEXT NOT NULL,
    part        TEXT NOT NULL,
    text        TEXT NOT NULL,
    by          INTEGER NOT NULL REFERENCES accounts(id),
    at          INTEGER NOT NULL,           -- milliseconds since 1970
    review_id   INTEGER REFERENCES consent_translation_reviews(id),
    PRIMARY KEY (slug, version, lang, part)
) STRICT;
