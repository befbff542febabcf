-- The agents' queue: its search, the requests an agent follows, when an
-- agent last opened a request (the rows changed since), and the indexes
-- of its tabs. Same tables and columns as ../sqlite/0020_file.sql; the
-- search index is each database's own (a tsvector here, FTS5 there).

-- What an agent searches a request by: its ASP number, numeroEditeur, the
-- vendor's SIRET and name, each establishment's FINESS and name; folded
-- as segur.MotsRecherche folds what the agent typed: diacritics off,
-- anything but letters and digits a space (the parser would read
-- « -2026 » as a signed number), then the 'simple' configuration
-- lower-cases and keeps every word.
CREATE VIEW demandes_texte AS
SELECT d.id, to_tsvector('simple', regexp_replace(translate(d.numero_asp || ' ' || d.numero_editeur || ' ' || f.siret || ' ' || f.nom || ' ' ||
	coalesce((SELECT string_agg(coalesce(c->>'finessPMSI', '') || ' ' || coalesce(c->>'nom', ''), ' ')
		FROM json_array_elements(CASE WHEN json_typeof(d.donnees->'clients') = 'array' THEN d.donnees->'clients' ELSE '[]'::json END) c), ''),
	'ÀÂÄÁÃÅÇÉÈÊËÎÏÍÌÑÔÖÓÒÕÙÛÜÚŸÝàâäáãåçéèêëîïíìñôöóòõùûüúÿý',
	'AAAAAACEEEEIIIINOOOOOUUUUYYaaaaaaceeeeiiiinooooouuuuyy'), '[^[:alnum:]]+', ' ', 'g')) AS document
FROM demandes d JOIN fournisseurs f ON f.id = d.fournisseur_id;

CREATE TABLE demandes_recherche (
	demande_id bigint PRIMARY KEY REFERENCES demandes (id),
	document   tsvector NOT NULL
);
INSERT INTO demandes_recherche (demande_id, document) SELECT id, document FROM demandes_texte;
CREATE INDEX demandes_recherche_document ON demandes_recherche USING gin (document);

CREATE FUNCTION demandes_recherche_ajout() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO demandes_recherche (demande_id, document) SELECT id, document FROM demandes_texte WHERE id = NEW.id;
	RETURN NULL;
END $$;
CREATE TRIGGER demandes_recherche_ajout AFTER INSERT ON demandes FOR EACH ROW EXECUTE FUNCTION demandes_recherche_ajout();

CREATE FUNCTION demandes_recherche_fournisseur() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM demandes_recherche WHERE demande_id IN (SELECT id FROM demandes WHERE fournisseur_id = NEW.id);
	INSERT INTO demandes_recherche (demande_id, document)
		SELECT t.id, t.document FROM demandes_texte t JOIN demandes d ON d.id = t.id WHERE d.fournisseur_id = NEW.id;
	RETURN NULL;
END $$;
CREATE TRIGGER demandes_recherche_fournisseur AFTER UPDATE OF siret, nom ON fournisseurs FOR EACH ROW EXECUTE FUNCTION demandes_recherche_fournisseur();

-- An agent follows a request: it shows under « Suivies par moi ».
CREATE TABLE demandes_suivies (
	login      text NOT NULL CHECK (login <> ''),
	demande_id bigint NOT NULL REFERENCES demandes (id),
	depuis     timestamptz NOT NULL,
	PRIMARY KEY (login, demande_id)
);

-- When each agent last opened each request: the queue marks the rows whose
-- history got a line from someone else since.
CREATE TABLE demandes_consultees (
	login      text NOT NULL CHECK (login <> ''),
	demande_id bigint NOT NULL REFERENCES demandes (id),
	le         timestamptz NOT NULL,
	PRIMARY KEY (login, demande_id)
);

-- The tabs: requests of some statuses by deposit date, those assigned to
-- an agent, every request by deposit date.
CREATE INDEX demandes_statut_date ON demandes (statut, cree_le);
CREATE INDEX demandes_date ON demandes (cree_le, numero_asp);
CREATE INDEX demandes_agent ON demandes (agent) WHERE agent IS NOT NULL;
