-- The agents' queue: its search, the requests an agent follows, when an
-- agent last opened a request (the rows changed since), and the indexes
-- of its tabs. Same tables and columns as ../postgres/0020_file.sql; the
-- search index is each database's own (FTS5 here, a tsvector there).

-- What an agent searches a request by: its ASP number, numeroEditeur, the
-- vendor's SIRET and name, each establishment's FINESS and name.
CREATE VIEW demandes_texte AS
SELECT d.id, d.numero_asp || ' ' || d.numero_editeur || ' ' || f.siret || ' ' || f.nom || ' ' ||
	coalesce((SELECT group_concat(coalesce(json_extract(c.value, '$.finessPMSI'), '') || ' ' || coalesce(json_extract(c.value, '$.nom'), ''), ' ')
		FROM json_each(d.donnees, '$.clients') c), '') AS texte
FROM demandes d JOIN fournisseurs f ON f.id = d.fournisseur_id;

-- The search index, rowid = demandes.id. unicode61 folds case and
-- diacritics and splits on anything but letters and digits, as
-- segur.MotsRecherche does with what the agent typed.
CREATE VIRTUAL TABLE demandes_recherche USING fts5 (texte, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO demandes_recherche (rowid, texte) SELECT id, texte FROM demandes_texte;

CREATE TRIGGER demandes_recherche_ajout AFTER INSERT ON demandes
BEGIN
	INSERT INTO demandes_recherche (rowid, texte) SELECT id, texte FROM demandes_texte WHERE id = new.id;
END;

CREATE TRIGGER demandes_recherche_retrait AFTER DELETE ON demandes
BEGIN
	DELETE FROM demandes_recherche WHERE rowid = old.id;
END;

CREATE TRIGGER demandes_recherche_fournisseur AFTER UPDATE OF siret, nom ON fournisseurs
BEGIN
	DELETE FROM demandes_recherche WHERE rowid IN (SELECT id FROM demandes WHERE fournisseur_id = new.id);
	INSERT INTO demandes_recherche (rowid, texte) SELECT t.id, t.texte FROM demandes_texte t JOIN demandes d ON d.id = t.id WHERE d.fournisseur_id = new.id;
END;

-- An agent follows a request: it shows under « Suivies par moi ».
CREATE TABLE demandes_suivies (
	login      TEXT NOT NULL CHECK (login <> ''),
	demande_id INTEGER NOT NULL REFERENCES demandes (id),
	depuis     TIMESTAMP NOT NULL,
	PRIMARY KEY (login, demande_id)
);

-- When each agent last opened each request: the queue marks the rows whose
-- history got a line from someone else since.
CREATE TABLE demandes_consultees (
	login      TEXT NOT NULL CHECK (login <> ''),
	demande_id INTEGER NOT NULL REFERENCES demandes (id),
	le         TIMESTAMP NOT NULL,
	PRIMARY KEY (login, demande_id)
);

-- The tabs: requests of some statuses by deposit date, those assigned to
-- an agent, every request by deposit date.
CREATE INDEX demandes_statut_date ON demandes (statut, cree_le);
CREATE INDEX demandes_date ON demandes (cree_le, numero_asp);
CREATE INDEX demandes_agent ON demandes (agent) WHERE agent IS NOT NULL;
