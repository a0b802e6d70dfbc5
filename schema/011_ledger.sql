-- Contributor pay (server/domain/ledger.c): a campaign's rates, the
-- append-only, hash-chained ledger, each account's running balance per
-- currency, the treasurer's public key and the payout contacts sealed to
-- it. Amounts are integers in the currency's minor unit (ISO 4217
-- exponent: 1250 GHS is 12.50 cedi, 1250 ISK is 1250 krónur).

-- A campaign's rates, from its definition's "pay": NULL currency, unpaid.
ALTER TABLE campaigns ADD COLUMN pay_currency TEXT;
ALTER TABLE campaigns ADD COLUMN pay_per_item INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN pay_per_audio_second INTEGER NOT NULL
    DEFAULT 0;

-- The ledger. Rows are only ever added: a mistake is answered by a new
-- row (a reversal), never by changing an old one. Each row's hash is
-- SHA-256(previous row's hash || its canonical bytes) (ledger.c says
-- which bytes); the first row's previous hash is 32 zero bytes.
CREATE TABLE ledger_entries (
    id              INTEGER PRIMARY KEY,        -- 1, 2, 3 ... no gaps
    at              INTEGER NOT NULL,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    kind            TEXT NOT NULL CHECK (kind IN
                      ('accrual', 'reversal', 'royalty', 'payout')),
    currency        TEXT NOT NULL,              -- ISO 4217 code
    amount          INTEGER NOT NULL CHECK (amount > 0), -- sign from kind
    balance         INTEGER NOT NULL,           -- the account's, after it
    contribution_id INTEGER REFERENCES contributions(id), -- accrual, reversal
    release_id      INTEGER REFERENCES releases(id),      -- royalty
    method          TEXT CHECK (method IN
                      ('mobile_money', 'bank', 'cash', 'other')), -- payout
    reference       TEXT,                       -- payout: the provider's id
    note            TEXT,                       -- a reversal's reason etc.
    actor_id        INTEGER,                    -- who recorded it; NULL: the
                                                -- node or its operator
    hash            BLOB NOT NULL
) STRICT;
-- A person's entries, newest first (the earnings page).
CREATE INDEX ledger_entries_account ON ledger_entries(account_id, id);
-- What a contribution earned (an override's reversal reads it).
CREATE INDEX ledger_entries_contribution ON ledger_entries(contribution_id)
    WHERE contribution_id IS NOT NULL;
CREATE INDEX ledger_entries_release ON ledger_entries(release_id)
    WHERE release_id IS NOT NULL;
-- The same payout recorded twice (one CSV file fed in again) is refused.
CREATE UNIQUE INDEX ledger_entries_payout_reference
    ON ledger_entries(account_id, reference)
    WHERE kind = 'payout' AND reference IS NOT NULL;

-- Running balances, one row per account and currency, kept by the
-- trigger below in the transaction of the entry that changes them, so a
-- balance is read as one row. The CHECK holds the identity.
CREATE TABLE ledger_balances (
    account_id INTEGER NOT NULL,
    currency   TEXT NOT NULL,
    balance    INTEGER NOT NULL DEFAULT 0,
    accrued    INTEGER NOT NULL DEFAULT 0,
    reversed   INTEGER NOT NULL DEFAULT 0,
    royalties  INTEGER NOT NULL DEFAULT 0,
    paid       INTEGER NOT NULL DEFAULT 0,
    entries    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, currency),
    CHECK (balance = accrued + royalties - reversed - paid)
) STRICT, WITHOUT ROWID;

-- A row must carry the balance that follows from the ones before it, and
-- a payout never takes a balance below zero (a reversal may: that debt is
-- only offset against later earnings).
CREATE TRIGGER ledger_entries_check BEFORE INSERT ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger: the balance does not follow from the entries')
    WHERE new.balance <> coalesce((SELECT balance FROM ledger_balances
        WHERE account_id = new.account_id AND currency = new.currency), 0)
        + CASE WHEN new.kind IN ('accrual', 'royalty') THEN new.amount
          ELSE -new.amount END;
    SELECT RAISE(ABORT, 'ledger: a payout larger than the balance')
    WHERE new.kind = 'payout' AND new.balance < 0;
END;
CREATE TRIGGER ledger_entries_balance AFTER INSERT ON ledger_entries
BEGIN
    INSERT INTO ledger_balances (account_id, currency, balance, accrued,
            reversed, royalties, paid, entries)
        VALUES (new.account_id, new.currency,
            CASE WHEN new.kind IN ('accrual', 'royalty') THEN new.amount
            ELSE -new.amount END,
            CASE WHEN new.kind = 'accrual' THEN new.amount ELSE 0 END,
            CASE WHEN new.kind = 'reversal' THEN new.amount ELSE 0 END,
            CASE WHEN new.kind = 'royalty' THEN new.amount ELSE 0 END,
            CASE WHEN new.kind = 'payout' THEN new.amount ELSE 0 END, 1)
        ON CONFLICT DO UPDATE SET balance = balance + excluded.balance,
            accrued = accrued + excluded.accrued,
            reversed = reversed + excluded.reversed,
            royalties = royalties + excluded.royalties,
            paid = paid + excluded.paid, entries = entries + 1;
END;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: record a new entry');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: record a new entry');
END;

-- The treasurer's public keys (crypto_box, X25519): the latest one not
-- retired seals new contacts; `tributary ledger rekey` retires it.
CREATE TABLE treasurer_keys (
    id         INTEGER PRIMARY KEY,
    public_key BLOB NOT NULL UNIQUE CHECK (length(public_key) = 32),
    created_at INTEGER NOT NULL,
    retired_at INTEGER
) STRICT;

-- A contributor's payout contact, sealed (crypto_box_seal) to a treasurer
-- key: the node stores and cannot read it. The method is plain (the
-- treasurer's page groups by it); contact_hash is the keyed BLAKE2b of the
-- normalized contact (redact_contact_hash), so redaction still finds it
-- in the person's own text.
CREATE TABLE payout_contacts (
    account_id   INTEGER PRIMARY KEY REFERENCES accounts(id),
    method       TEXT NOT NULL CHECK (method IN
                   ('mobile_money', 'bank', 'cash', 'other')),
    sealed       BLOB NOT NULL,
    key_id       INTEGER NOT NULL REFERENCES treasurer_keys(id),
    contact_hash BLOB,
    updated_at   INTEGER NOT NULL
) STRICT;

-- An erased account keeps its ledger rows (ids add up) but not its
-- contact.
CREATE TRIGGER accounts_erased_contact AFTER UPDATE OF handle ON accounts
    WHEN new.handle = 'erased-' || new.id
BEGIN
    DELETE FROM payout_contacts WHERE account_id = new.id;
END;
