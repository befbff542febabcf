-- Bank details under four eyes. Same columns as ../sqlite/0027_banque.sql.
--
-- changements_banque: a change of a vendor's IBAN and BIC proposed by an
-- administrator with its bank statement (justificatif_sha256, a stored
-- file the antivirus scans like any *_sha256 column), approved by another
-- one or rejected with a reason; at most one pending per vendor.
-- paiements.iban, bic: the vendor's details in force when the batch was
-- prepared, which its transfer and its notice use. The batches before
-- took them when their file was made: they get the details in force now.
CREATE TABLE changements_banque (
	id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	fournisseur_id      bigint NOT NULL REFERENCES fournisseurs (id),
	ancien_iban         text NOT NULL,
	ancien_bic          text NOT NULL,
	iban                text NOT NULL CHECK (iban <> ''),
	bic                 text NOT NULL CHECK (bic <> ''),
	justificatif_sha256 text NOT NULL CHECK (length(justificatif_sha256) = 64),
	justificatif_taille bigint NOT NULL CHECK (justificatif_taille > 0),
	justificatif_format text NOT NULL CHECK (justificatif_format IN ('PDF', 'PNG', 'JPG')),
	justificatif_nom    text NOT NULL,
	etat                text NOT NULL CHECK (etat IN ('en_attente', 'approuve', 'rejete')),
	propose_le          timestamptz NOT NULL,
	propose_par         text NOT NULL CHECK (propose_par <> ''),
	decide_le           timestamptz,
	decide_par          text,
	motif               text NOT NULL DEFAULT '',
	CHECK ((etat = 'en_attente') = (decide_le IS NULL) AND (decide_le IS NULL) = (decide_par IS NULL)),
	CHECK (etat <> 'approuve' OR lower(decide_par) <> lower(propose_par)),
	CHECK (etat <> 'rejete' OR motif <> '')
);
CREATE UNIQUE INDEX changements_banque_en_attente ON changements_banque (fournisseur_id) WHERE etat = 'en_attente';
CREATE INDEX changements_banque_fournisseur ON changements_banque (fournisseur_id, id);

ALTER TABLE paiements ADD COLUMN iban text NOT NULL DEFAULT '';
ALTER TABLE paiements ADD COLUMN bic text NOT NULL DEFAULT '';
UPDATE paiements p SET iban = f.iban, bic = f.bic FROM fournisseurs f WHERE f.id = p.fournisseur_id;
