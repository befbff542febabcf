-- A proposed change of bank details expires (segur.ValiditeChangementBanque):
-- not approved within 30 days, it can no longer be. The expiry is decided
-- when the change is read; the portal records it (etat 'expire', decide_le
-- the moment it expired, decide_par NULL: no one decided it) when a new
-- proposal replaces it, the one pending row per vendor being unique. Same
-- constraints as ../postgres/0030_banque_expiration.sql.
--
-- SQLite changes a CHECK by rebuilding its table; no table references
-- changements_banque.
CREATE TABLE changements_banque_0030 (
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
	etat                TEXT NOT NULL CHECK (etat IN ('en_attente', 'approuve', 'rejete', 'expire')),
	propose_le          TIMESTAMP NOT NULL,
	propose_par         TEXT NOT NULL CHECK (propose_par <> ''),
	decide_le           TIMESTAMP,
	decide_par          TEXT,
	motif               TEXT NOT NULL DEFAULT '',
	CHECK ((etat = 'en_attente') = (decide_le IS NULL) AND (decide_par IS NULL) = (etat IN ('en_attente', 'expire'))),
	CHECK (etat <> 'approuve' OR lower(decide_par) <> lower(propose_par)),
	CHECK (etat <> 'rejete' OR motif <> '')
);
INSERT INTO changements_banque_0030 (id, fournisseur_id, ancien_iban, ancien_bic, iban, bic, justificatif_sha256, justificatif_taille,
	justificatif_format, justificatif_nom, etat, propose_le, propose_par, decide_le, decide_par, motif)
	SELECT id, fournisseur_id, ancien_iban, ancien_bic, iban, bic, justificatif_sha256, justificatif_taille,
	justificatif_format, justificatif_nom, etat, propose_le, propose_par, decide_le, decide_par, motif FROM changements_banque;
DROP TABLE changements_banque;
ALTER TABLE changements_banque_0030 RENAME TO changements_banque;
CREATE UNIQUE INDEX changements_banque_en_attente ON changements_banque (fournisseur_id) WHERE etat = 'en_attente';
CREATE INDEX changements_banque_fournisseur ON changements_banque (fournisseur_id, id);
