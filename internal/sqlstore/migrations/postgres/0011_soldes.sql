-- Balance requests (issue 7). The balance a validation computed:
-- min(amount financed, invoice) − advance, to pay, or to recover when
-- negative (process.md, Amounts).
ALTER TABLE demandes ADD COLUMN solde_a_payer_cents bigint CHECK (solde_a_payer_cents >= 0);
ALTER TABLE demandes ADD COLUMN solde_a_recouvrer_cents bigint CHECK (solde_a_recouvrer_cents >= 0);

-- The balance requests accepted by control 2 (docs/solde.md): one row per
-- accepted line of a balance deposit, never changed nor deleted. A request
-- whose balance was refused may get another; the last one is instructed.
-- pieces holds the line's attachments (nomFichier, format, type), read from
-- the deposit's zip; json, not jsonb, to read back as written. Same as
-- ../sqlite/0011_soldes.sql.
CREATE TABLE soldes (
	id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	demande_id               bigint NOT NULL REFERENCES demandes (id),
	depot_id                 bigint NOT NULL REFERENCES depots (id),
	num_ligne                integer NOT NULL CHECK (num_ligne >= 1),
	numero_editeur           text NOT NULL,
	numero_facture           text NOT NULL CHECK (numero_facture <> ''),
	date_facture             text NOT NULL CHECK (date_facture ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
	montant_facture_ht_cents bigint NOT NULL CHECK (montant_facture_ht_cents > 0),
	date_mise_en_service     text NOT NULL CHECK (date_mise_en_service ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
	pieces                   json NOT NULL CHECK (json_typeof(pieces) = 'array'),
	cree_le                  timestamptz NOT NULL,
	UNIQUE (depot_id, num_ligne)
);
CREATE INDEX soldes_demande ON soldes (demande_id, id);
CREATE TRIGGER soldes_sans_modification BEFORE UPDATE OR DELETE ON soldes
	FOR EACH ROW EXECUTE FUNCTION evenements_ajout_seul();
