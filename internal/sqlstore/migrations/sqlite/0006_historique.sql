-- The history of each request: every transition of its instruction, who,
-- when, from, to, why. Append-only, as the audit log.
CREATE TABLE demande_historique (
	id         INTEGER PRIMARY KEY,
	demande_id INTEGER NOT NULL REFERENCES demandes (id),
	quand      TIMESTAMP NOT NULL,
	par        TEXT NOT NULL,
	action     TEXT NOT NULL,
	de         TEXT NOT NULL,
	vers       TEXT NOT NULL,
	raison     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX demande_historique_demande ON demande_historique (demande_id, id);

CREATE TRIGGER demande_historique_sans_modification BEFORE UPDATE ON demande_historique
BEGIN
	SELECT RAISE(ABORT, 'historique en ajout seul : modification refusée');
END;

CREATE TRIGGER demande_historique_sans_suppression BEFORE DELETE ON demande_historique
BEGIN
	SELECT RAISE(ABORT, 'historique en ajout seul : suppression refusée');
END;
