-- Alerts an agent marked seen, with a reason. Same tables, columns and
-- constraints as ../postgres/0018_alertes_vues.sql.

-- An alert is seen on one request (numero_asp) or, for an alert on the
-- vendor itself (its SIRET key), for all the vendor's requests
-- (fournisseur_id); exactly one of them is set. A row is never changed:
-- the request's history and the audit log tell who saw it and why.
CREATE TABLE alertes_vues (
	id             INTEGER PRIMARY KEY,
	code           TEXT NOT NULL CHECK (code <> ''),
	numero_asp     TEXT REFERENCES demandes (numero_asp),
	fournisseur_id INTEGER REFERENCES fournisseurs (id),
	par            TEXT NOT NULL,
	le             TIMESTAMP NOT NULL,
	raison         TEXT NOT NULL CHECK (trim(raison) <> ''),
	CHECK ((numero_asp IS NULL) <> (fournisseur_id IS NULL))
);
CREATE UNIQUE INDEX alertes_vues_demande ON alertes_vues (numero_asp, code) WHERE numero_asp IS NOT NULL;
CREATE UNIQUE INDEX alertes_vues_fournisseur ON alertes_vues (fournisseur_id, code) WHERE fournisseur_id IS NOT NULL;
