-- The alert codes of every request, stored so that the agents' queue
-- filters on them in SQL, and kept up to date by triggers that mark the
-- requests to recompute. Same tables, columns and triggers as
-- ../postgres/0022_alertes_index.sql.

-- The codes segur.Alertes returns for a request (its messages are still
-- computed on display): written by the alerts' worker only.
CREATE TABLE demandes_alertes (
	demande_id INTEGER NOT NULL,
	code       TEXT NOT NULL CHECK (code <> ''),
	PRIMARY KEY (demande_id, code)
) WITHOUT ROWID;
CREATE INDEX demandes_alertes_code ON demandes_alertes (code, demande_id);

-- The requests whose codes must be recomputed. seq grows each time a
-- request is marked again: the worker clears a mark only if seq is still
-- the one it computed from, so a request marked again while computed stays
-- marked. pris_le is when a worker claimed it (NULL: free); a claim older
-- than the worker's lease is free again.
CREATE TABLE alertes_a_calculer (
	demande_id INTEGER PRIMARY KEY,
	seq        INTEGER NOT NULL DEFAULT 1,
	pris_le    TIMESTAMP
);

-- Each request's establishments (its JSON clients' finessPMSI) with its
-- software type: the requests that share one with a request whose status
-- changes, whose alert « déjà financé » may change with it.
CREATE TABLE demandes_finess (
	finess     TEXT NOT NULL,
	logiciel   TEXT NOT NULL,
	demande_id INTEGER NOT NULL,
	PRIMARY KEY (finess, logiciel, demande_id)
) WITHOUT ROWID;
CREATE INDEX demandes_finess_demande ON demandes_finess (demande_id);
INSERT OR IGNORE INTO demandes_finess (finess, logiciel, demande_id)
	SELECT json_extract(c.value, '$.finessPMSI'), d.logiciel, d.id FROM demandes d, json_each(d.donnees, '$.clients') c
	WHERE json_type(c.value, '$.finessPMSI') = 'text';

-- The requests with an antivirus alert (an event antivirus.* on them, as
-- FindEtatsAntivirus reads it), for the queue's « alertes » filter.
CREATE TABLE demandes_antivirus (
	demande_id INTEGER PRIMARY KEY
);
INSERT OR IGNORE INTO demandes_antivirus (demande_id)
	SELECT d.id FROM evenements e JOIN demandes d ON e.objet = 'demande:' || d.numero_asp WHERE e.action LIKE 'antivirus.%';

-- Every request is computed once.
INSERT INTO alertes_a_calculer (demande_id) SELECT id FROM demandes;

-- A request deposited: its establishments, and its codes to compute. It is
-- financed by no one yet: the others' alerts do not change.
CREATE TRIGGER alertes_demande_ajout AFTER INSERT ON demandes
BEGIN
	INSERT OR IGNORE INTO demandes_finess (finess, logiciel, demande_id)
		SELECT json_extract(c.value, '$.finessPMSI'), new.logiciel, new.id FROM json_each(new.donnees, '$.clients') c
		WHERE json_type(c.value, '$.finessPMSI') = 'text';
	INSERT INTO alertes_a_calculer (demande_id) VALUES (new.id)
		ON CONFLICT (demande_id) DO UPDATE SET seq = seq + 1;
END;

-- A request's status or amount financed changes: it may start or stop
-- financing its establishments for its software type, so the requests that
-- share one of them are computed again, and itself.
CREATE TRIGGER alertes_demande_statut AFTER UPDATE OF statut, montant_finance_cents ON demandes
	WHEN old.statut IS NOT new.statut OR old.montant_finance_cents IS NOT new.montant_finance_cents
BEGIN
	INSERT INTO alertes_a_calculer (demande_id)
		SELECT new.id UNION SELECT a.demande_id FROM demandes_finess m JOIN demandes_finess a ON a.finess = m.finess AND a.logiciel = m.logiciel
		WHERE m.demande_id = new.id
		ON CONFLICT (demande_id) DO UPDATE SET seq = seq + 1;
END;

-- An establishment recorded as financed by a request (at its validation).
CREATE TRIGGER alertes_demande_finance AFTER INSERT ON demande_finess
BEGIN
	INSERT INTO alertes_a_calculer (demande_id)
		SELECT a.demande_id FROM demandes d JOIN demandes_finess a ON a.finess = new.finess AND a.logiciel = d.logiciel
		WHERE d.id = new.demande_id
		ON CONFLICT (demande_id) DO UPDATE SET seq = seq + 1;
END;

-- A new version of the reference: every request.
CREATE TRIGGER alertes_reference AFTER INSERT ON reference_versions
BEGIN
	INSERT INTO alertes_a_calculer (demande_id) SELECT id FROM demandes WHERE true
		ON CONFLICT (demande_id) DO UPDATE SET seq = seq + 1;
END;

-- A vendor's SIRET changes: its requests.
CREATE TRIGGER alertes_fournisseur_siret AFTER UPDATE OF siret ON fournisseurs
	WHEN old.siret IS NOT new.siret
BEGIN
	INSERT INTO alertes_a_calculer (demande_id) SELECT id FROM demandes WHERE fournisseur_id = new.id
		ON CONFLICT (demande_id) DO UPDATE SET seq = seq + 1;
END;

-- An antivirus alert on a request.
CREATE TRIGGER alertes_antivirus AFTER INSERT ON evenements
	WHEN new.action LIKE 'antivirus.%' AND new.objet LIKE 'demande:%'
BEGIN
	INSERT OR IGNORE INTO demandes_antivirus (demande_id) SELECT id FROM demandes WHERE numero_asp = substr(new.objet, 9);
END;

-- A request removed takes its rows with it.
CREATE TRIGGER alertes_demande_retrait AFTER DELETE ON demandes
BEGIN
	DELETE FROM demandes_alertes WHERE demande_id = old.id;
	DELETE FROM alertes_a_calculer WHERE demande_id = old.id;
	DELETE FROM demandes_finess WHERE demande_id = old.id;
	DELETE FROM demandes_antivirus WHERE demande_id = old.id;
END;
