-- Bank details under four eyes. Same columns as ../postgres/0027_banque.sql.
--
-- changements_banque: a change of a vendor's IBAN and BIC proposed by an
-- administrator with its bank statement (justificatif_sha256, a stored
-- file the antivirus scans like any *_sha256 column), approved by another
-- one or rejected with a reason; at most one pending per vendor.
-- paiements.iban, bic: the vendor's details in force when the batch was
-- prepared, which its transfer and its notice use. The batches before
-- took them when their file was made: they get the details in force now.
CREATE TABLE changements_banque (
	id                  INTEGER PRIMARY KEY,
	fournisseur_id      INTEGER NOT NULL REFERENCES fournisseurs (id),
	ancien_iban         TEXT NOT NULL,
	ancien_bic          TEXT NOT NULL,
	iban                TEXT NOT NULL CHECK (iban <> ''),
	bic                 TEXT NOT NULL CHECK (bic <> ''),
	justificatif_sha256 TEXT NOT NULL CHECK (length(justificatif_sha256) = 64),
	justificatif_taille INTEGER NOT NULL CHECK (justificatif_taille > 0),
	justificatif_format TEXT NOT NULL CHECK (justificatif_format IN ('PDF', 'PNG', 'JPG')),
	justificatif_nom    TEXT NOT NULL,
	etat                TEXT NOT NULL CHECK (etat IN ('en_attente', 'approuve', 'rejete')),
	propose_le          TIMESTAMP NOT NULL,
	propose_par         TEXT NOT NULL CHECK (propose_par <> ''),
	decide_le           TIMESTAMP,
	decide_par          TEXT,
	motif               TEXT NOT NULL DEFAULT '',
	CHECK ((etat = 'en_attente') = (decide_le IS NULL) AND (decide_le IS NULL) = (decide_par IS NULL)),
	CHECK (etat <> 'approuve' OR lower(decide_par) <> lower(propose_par)),
	CHECK (etat <> 'rejete' OR motif <> '')
);
CREATE UNIQUE INDEX changements_banque_en_attente ON changements_banque (fournisseur_id) WHERE etat = 'en_attente';
CREATE INDEX changements_banque_fournisseur ON changements_banque (fournisseur_id, id);

ALTER TABLE paiements ADD COLUMN iban TEXT NOT NULL DEFAULT '';
ALTER TABLE paiements ADD COLUMN bic TEXT NOT NULL DEFAULT '';
UPDATE paiements SET iban = (SELECT f.iban FROM fournisseurs f WHERE f.id = paiements.fournisseur_id),
	bic = (SELECT f.bic FROM fournisseurs f WHERE f.id = paiements.fournisseur_id);
