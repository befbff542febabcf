-- The history of each request: every transition of its instruction, who,
-- when, from, to, why. Append-only, as the audit log.
CREATE TABLE demande_historique (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	demande_id bigint NOT NULL REFERENCES demandes (id),
	quand      timestamptz NOT NULL,
	par        text NOT NULL,
	action     text NOT NULL,
	de         text NOT NULL,
	vers       text NOT NULL,
	raison     text NOT NULL DEFAULT ''
);
CREATE INDEX demande_historique_demande ON demande_historique (demande_id, id);

CREATE TRIGGER demande_historique_sans_modification BEFORE UPDATE OR DELETE ON demande_historique
	FOR EACH ROW EXECUTE FUNCTION evenements_ajout_seul();
CREATE TRIGGER demande_historique_sans_vidage BEFORE TRUNCATE ON demande_historique
	FOR EACH STATEMENT EXECUTE FUNCTION evenements_ajout_seul();
