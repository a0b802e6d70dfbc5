-- The organization behind the node and the node's own switches, set on
-- the admin page or with `tributary settings` (server/domain/settings.c),
-- and the labels that let a maintainer find the holder of a lost card.

-- One row, always there. The organization's name, contact and "who we
-- are" are public: the home page and every printed drive card show them,
-- as the consent text promises. The bounds (characters) are settings.h's;
-- the CHECKs only back them up.
CREATE TABLE node_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    org_name      TEXT NOT NULL DEFAULT '' CHECK (length(org_name) <= 100),
    org_contact   TEXT NOT NULL DEFAULT '' CHECK (length(org_contact) <= 300),
    org_about     TEXT NOT NULL DEFAULT '' CHECK (length(org_about) <= 1000),
    -- 1: anyone may create an account with a handle and a passphrase;
    -- 0: only cards (and accounts an admin makes) let people in.
    handle_signup INTEGER NOT NULL DEFAULT 1 CHECK (handle_signup IN (0, 1)),
    updated_at    INTEGER,
    updated_by    INTEGER REFERENCES accounts(id)
) STRICT;
INSERT INTO node_settings(id) VALUES (1);

-- The name or note written on a card's stub at the drive, given at the
-- card's first use or by a maintainer (server/domain/cards.c). Kept with
-- the account, so it outlives a re-issued card. It may be a person's
-- name: erasing the account (its handle becomes erased-<id>) deletes it.
CREATE TABLE card_labels (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    label      TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 60),
    set_at     INTEGER NOT NULL,
    set_by     INTEGER REFERENCES accounts(id)
) STRICT;
CREATE TRIGGER card_labels_erased AFTER UPDATE OF handle ON accounts
WHEN NEW.handle = 'erased-' || NEW.id
BEGIN
    DELETE FROM card_labels WHERE account_id = NEW.id;
END;
