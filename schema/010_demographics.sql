-- What a contributor chose to say about themself, all optional: an age
-- range, a gender, their variety (dialect or accent). Released only in
-- groups of at least k speakers (release.c); erased with the account.
CREATE TABLE demographics (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    age_range  TEXT CHECK (age_range IN ('10-19', '20-29', '30-39',
                 '40-49', '50-59', '60-69', '70-79', '80+')),
    gender     TEXT CHECK (gender IN ('female', 'male', 'another')),
    variety    TEXT CHECK (length(variety) BETWEEN 1 AND 64),
    updated_at INTEGER NOT NULL
) STRICT;

-- A release keeps each item's demographics as released (after
-- k-anonymity: generalized, or NULL when dropped or not given), so a
-- rebuild gives the same bytes whatever the person changes later.
ALTER TABLE release_items ADD COLUMN age_range TEXT;
ALTER TABLE release_items ADD COLUMN gender TEXT;
ALTER TABLE release_items ADD COLUMN variety TEXT;
-- What k-anonymity did: {"k","released":[attr],"generalized":{attr:how},
-- "dropped":[attr],"suppressed_speakers","suppressed_rows"}.
ALTER TABLE releases ADD COLUMN demographics TEXT NOT NULL DEFAULT '{}';
