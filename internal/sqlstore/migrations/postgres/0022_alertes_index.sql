-- The alert codes of every request, stored so that the agents' queue
-- filters on them in SQL, and kept up to date by triggers that mark the
-- requests to recompute. Same tables, columns and triggers as
-- ../sqlite/0022_alertes_index.sql.

-- The codes segur.Alertes returns for a request (its messages are still
-- computed on display): written by the alerts' worker only.
CREATE TABLE demandes_alertes (
	demande_id bigint NOT NULL,
	code       text NOT NULL CHECK (code <> ''),
	PRIMARY KEY (demande_id, code)
);
CREATE INDEX demandes_alertes_code ON demandes_alertes (code, demande_id);

-- The requests whose codes must be recomputed. seq grows each time a
-- request is marked again: the worker clears a mark only if seq is still
-- the one it computed from, so a request marked again while computed stays
-- marked. pris_le is when a worker claimed it (NULL: free); a claim older
-- than the worker's lease is free again.
CREATE TABLE alertes_a_calculer (
	demande_id bigint PRIMARY KEY,
	seq        bigint NOT NULL DEFAULT 1,
	pris_le    timestamptz
);

-- Each request's establishments (its JSON clients' finessPMSI) with its
-- software type: the requests that share one with a request whose status
-- changes, whose alert « déjà financé » may change with it.
CREATE TABLE demandes_finess (
	finess     text NOT NULL,
	logiciel   text NOT NULL,
	demande_id bigint NOT NULL,
	PRIMARY KEY (finess, logiciel, demande_id)
);
CREATE INDEX demandes_finess_demande ON demandes_finess (demande_id);

-- The finessPMSI of a request's clients, as text (the others left out).
CREATE FUNCTION demandes_finess_de(donnees json) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$
	SELECT c->>'finessPMSI' FROM json_array_elements(CASE WHEN json_typeof(donnees->'clients') = 'array' THEN donnees->'clients' ELSE '[]'::json END) c
	WHERE json_typeof(c) = 'object' AND json_typeof(c->'finessPMSI') = 'string'
$$;
INSERT INTO demandes_finess (finess, logiciel, demande_id)
	SELECT f, d.logiciel, d.id FROM demandes d, demandes_finess_de(d.donnees) f
	ON CONFLICT DO NOTHING;

-- The requests with an antivirus alert (an event antivirus.* on them, as
-- FindEtatsAntivirus reads it), for the queue's « alertes » filter.
CREATE TABLE demandes_antivirus (
	demande_id bigint PRIMARY KEY
);
INSERT INTO demandes_antivirus (demande_id)
	SELECT DISTINCT d.id FROM evenements e JOIN demandes d ON e.objet = 'demande:' || d.numero_asp WHERE e.action LIKE 'antivirus.%';

-- Every request is computed once.
INSERT INTO alertes_a_calculer (demande_id) SELECT id FROM demandes;

-- Marks requests ids to compute again, in id order: the order the worker
-- writes them in too (EnregistrerAlertes), so that a transaction that
-- marks and a worker's batch never wait for each other in a circle.
CREATE FUNCTION alertes_marquer(ids bigint[]) RETURNS void LANGUAGE sql AS $$
	INSERT INTO alertes_a_calculer (demande_id) SELECT DISTINCT u FROM unnest(ids) u ORDER BY u
	ON CONFLICT (demande_id) DO UPDATE SET seq = alertes_a_calculer.seq + 1
$$;

-- A request deposited: its establishments, and its codes to compute. It is
-- financed by no one yet: the others' alerts do not change.
CREATE FUNCTION alertes_demande_ajout() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO demandes_finess (finess, logiciel, demande_id)
		SELECT f, NEW.logiciel, NEW.id FROM demandes_finess_de(NEW.donnees) f ON CONFLICT DO NOTHING;
	PERFORM alertes_marquer(ARRAY[NEW.id]);
	RETURN NULL;
END $$;
CREATE TRIGGER alertes_demande_ajout AFTER INSERT ON demandes FOR EACH ROW EXECUTE FUNCTION alertes_demande_ajout();

-- A request's status or amount financed changes: it may start or stop
-- financing its establishments for its software type, so the requests that
-- share one of them are computed again, and itself.
CREATE FUNCTION alertes_demande_statut() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM alertes_marquer(ARRAY[NEW.id] || ARRAY(SELECT a.demande_id FROM demandes_finess m
		JOIN demandes_finess a ON a.finess = m.finess AND a.logiciel = m.logiciel WHERE m.demande_id = NEW.id));
	RETURN NULL;
END $$;
CREATE TRIGGER alertes_demande_statut AFTER UPDATE OF statut, montant_finance_cents ON demandes FOR EACH ROW
	WHEN (OLD.statut IS DISTINCT FROM NEW.statut OR OLD.montant_finance_cents IS DISTINCT FROM NEW.montant_finance_cents)
	EXECUTE FUNCTION alertes_demande_statut();

-- An establishment recorded as financed by a request (at its validation).
CREATE FUNCTION alertes_demande_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM alertes_marquer(ARRAY(SELECT a.demande_id FROM demandes d
		JOIN demandes_finess a ON a.finess = NEW.finess AND a.logiciel = d.logiciel WHERE d.id = NEW.demande_id));
	RETURN NULL;
END $$;
CREATE TRIGGER alertes_demande_finance AFTER INSERT ON demande_finess FOR EACH ROW EXECUTE FUNCTION alertes_demande_finance();

-- A new version of the reference: every request.
CREATE FUNCTION alertes_reference() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO alertes_a_calculer (demande_id) SELECT id FROM demandes ORDER BY id
		ON CONFLICT (demande_id) DO UPDATE SET seq = alertes_a_calculer.seq + 1;
	RETURN NULL;
END $$;
CREATE TRIGGER alertes_reference AFTER INSERT ON reference_versions FOR EACH ROW EXECUTE FUNCTION alertes_reference();

-- A vendor's SIRET changes: its requests.
CREATE FUNCTION alertes_fournisseur_siret() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM alertes_marquer(ARRAY(SELECT id FROM demandes WHERE fournisseur_id = NEW.id));
	RETURN NULL;
END $$;
CREATE TRIGGER alertes_fournisseur_siret AFTER UPDATE OF siret ON fournisseurs FOR EACH ROW
	WHEN (OLD.siret IS DISTINCT FROM NEW.siret) EXECUTE FUNCTION alertes_fournisseur_siret();

-- An antivirus alert on a request.
CREATE FUNCTION alertes_antivirus() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO demandes_antivirus (demande_id) SELECT id FROM demandes WHERE numero_asp = substr(NEW.objet, 9)
		ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;
CREATE TRIGGER alertes_antivirus AFTER INSERT ON evenements FOR EACH ROW
	WHEN (NEW.action LIKE 'antivirus.%' AND NEW.objet LIKE 'demande:%') EXECUTE FUNCTION alertes_antivirus();

-- A request removed takes its rows with it.
CREATE FUNCTION alertes_demande_retrait() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM demandes_alertes WHERE demande_id = OLD.id;
	DELETE FROM alertes_a_calculer WHERE demande_id = OLD.id;
	DELETE FROM demandes_finess WHERE demande_id = OLD.id;
	DELETE FROM demandes_antivirus WHERE demande_id = OLD.id;
	RETURN NULL;
END $$;
CREATE TRIGGER alertes_demande_retrait AFTER DELETE ON demandes FOR EACH ROW EXECUTE FUNCTION alertes_demande_retrait();
