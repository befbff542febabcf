-- Balance requests (issue 7). The balance a validation computed:
-- min(amount financed, invoice) − advance, to pay, or to recover when
-- negative (process.md, Amounts).
ALTER TABLE demandes ADD COLUMN solde_a_payer_cents INTEGER CHECK (solde_a_payer_cents >= 0);
ALTER TABLE demandes ADD COLUMN solde_a_recouvrer_cents INTEGER CHECK (solde_a_recouvrer_cents >= 0);

-- The balance requests accepted by control 2 (docs/solde.md): one row per
-- accepted line of a balance deposit, never changed nor deleted. A request
-- whose balance was refused may get another; the last one is instructed.
-- pieces holds the line's attachments (nomFichier, format, type), read from
-- the deposit's zip. Same as ../postgres/0011_soldes.sql.
CREATE TABLE soldes (
	id                       INTEGER PRIMARY KEY,
	demande_id               INTEGER NOT NULL REFERENCES demandes (id),
	depot_id                 INTEGER NOT NULL REFERENCES depots (id),
	num_ligne                INTEGER NOT NULL CHECK (num_ligne >= 1),
	numero_editeur           TEXT NOT NULL,
	numero_facture           TEXT NOT NULL CHECK (numero_facture <> ''),
	date_facture             TEXT NOT NULL CHECK (date_facture GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	montant_facture_ht_cents INTEGER NOT NULL CHECK (montant_facture_ht_cents > 0),
	date_mise_en_service     TEXT NOT NULL CHECK (date_mise_en_service GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	pieces                   TEXT NOT NULL CHECK (json_valid(pieces) AND json_type(pieces) = 'array'),
	cree_le                  TIMESTAMP NOT NULL,
	UNIQUE (depot_id, num_ligne)
);
CREATE INDEX soldes_demande ON soldes (demande_id, id);
CREATE TRIGGER soldes_sans_modification BEFORE UPDATE ON soldes
BEGIN
	SELECT RAISE(ABORT, 'soldes en ajout seul : modification refusée');
END;
CREATE TRIGGER soldes_sans_suppression BEFORE DELETE ON soldes
BEGIN
	SELECT RAISE(ABORT, 'soldes en ajout seul : suppression refusée');
END;
