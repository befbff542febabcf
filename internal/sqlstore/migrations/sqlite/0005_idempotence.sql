-- The Idempotency-Key a deposit was sent with (API): a retry with the same
-- key gets the first deposit back instead of a second one.
ALTER TABLE depots ADD COLUMN cle_idempotence TEXT;
CREATE UNIQUE INDEX depots_idempotence ON depots (fournisseur_id, cle_idempotence) WHERE cle_idempotence IS NOT NULL;
