-- Payments (issue 7): the batches of payments, their payments, and the
-- payment notices sent to the vendors. Same tables, columns and
-- constraints as ../postgres/0010_paiements.sql.

-- A batch: brouillon → approuve → paye, or annule from brouillon. Who did
-- each step and when; paye_le is the transfer's date (Europe/Paris,
-- AAAA-MM-JJ), marque_le when it was recorded.
CREATE TABLE lots_paiement (
	id           INTEGER PRIMARY KEY,
	etat         TEXT NOT NULL CHECK (etat IN ('brouillon', 'approuve', 'paye', 'annule')),
	cree_le      TIMESTAMP NOT NULL,
	cree_par     TEXT NOT NULL CHECK (cree_par <> ''),
	approuve_le  TIMESTAMP,
	approuve_par TEXT,
	paye_le      TEXT CHECK (paye_le GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	marque_le    TIMESTAMP,
	marque_par   TEXT,
	annule_le    TIMESTAMP,
	annule_par   TEXT,
	CHECK ((etat IN ('approuve', 'paye')) = (approuve_le IS NOT NULL AND approuve_par IS NOT NULL)),
	CHECK ((etat = 'paye') = (paye_le IS NOT NULL AND marque_le IS NOT NULL AND marque_par IS NOT NULL)),
	CHECK ((etat = 'annule') = (annule_le IS NOT NULL AND annule_par IS NOT NULL))
);
CREATE INDEX lots_paiement_etat ON lots_paiement (etat, id);

-- A payment of a request in a batch. annule copies the cancellation of its
-- batch, so that the index below holds: a request is paid at most once for
-- each kind, whatever the batches say. Only annule ever changes, once,
-- from 0 to 1; no payment is deleted.
CREATE TABLE paiements (
	id             INTEGER PRIMARY KEY,
	lot_id         INTEGER NOT NULL REFERENCES lots_paiement (id),
	demande_id     INTEGER NOT NULL REFERENCES demandes (id),
	fournisseur_id INTEGER NOT NULL REFERENCES fournisseurs (id),
	nature         TEXT NOT NULL CHECK (nature IN ('avance', 'solde')),
	montant_cents  INTEGER NOT NULL CHECK (montant_cents > 0),
	annule         INTEGER NOT NULL DEFAULT 0 CHECK (annule IN (0, 1))
);
CREATE UNIQUE INDEX paiements_une_fois ON paiements (demande_id, nature) WHERE NOT annule;
CREATE INDEX paiements_lot ON paiements (lot_id, fournisseur_id, id);

CREATE TRIGGER paiements_sans_modification BEFORE UPDATE OF lot_id, demande_id, fournisseur_id, nature, montant_cents ON paiements
BEGIN
	SELECT RAISE(ABORT, 'paiements : modification refusée');
END;
CREATE TRIGGER paiements_sans_retour BEFORE UPDATE OF annule ON paiements WHEN OLD.annule AND NOT NEW.annule
BEGIN
	SELECT RAISE(ABORT, 'paiements : un paiement annulé le reste');
END;
CREATE TRIGGER paiements_sans_suppression BEFORE DELETE ON paiements
BEGIN
	SELECT RAISE(ABORT, 'paiements : suppression refusée');
END;

-- The payment notice of one vendor for one batch, as sent (its PDF in the
-- blobs); its lines are the batch's payments of that vendor. Never changed
-- nor deleted.
CREATE TABLE avis_paiement (
	id             INTEGER PRIMARY KEY,
	reference      TEXT NOT NULL UNIQUE,
	lot_id         INTEGER NOT NULL REFERENCES lots_paiement (id),
	fournisseur_id INTEGER NOT NULL REFERENCES fournisseurs (id),
	date_paiement  TEXT NOT NULL CHECK (date_paiement GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	montant_cents  INTEGER NOT NULL CHECK (montant_cents > 0),
	sha256         TEXT NOT NULL CHECK (length(sha256) = 64),
	taille         INTEGER NOT NULL CHECK (taille > 0),
	cree_le        TIMESTAMP NOT NULL,
	par            TEXT NOT NULL,
	UNIQUE (lot_id, fournisseur_id)
);
CREATE INDEX avis_paiement_fournisseur ON avis_paiement (fournisseur_id, id);
CREATE TRIGGER avis_paiement_sans_modification BEFORE UPDATE ON avis_paiement
BEGIN
	SELECT RAISE(ABORT, 'avis de paiement en ajout seul : modification refusée');
END;
CREATE TRIGGER avis_paiement_sans_suppression BEFORE DELETE ON avis_paiement
BEGIN
	SELECT RAISE(ABORT, 'avis de paiement en ajout seul : suppression refusée');
END;
