-- Alerts an agent marked seen, with a reason. Same tables, columns and
-- constraints as ../sqlite/0018_alertes_vues.sql.

-- An alert is seen on one request (numero_asp) or, for an alert on the
-- vendor itself (its SIRET key), for all the vendor's requests
-- (fournisseur_id); exactly one of them is set. A row is never changed:
-- the request's history and the audit log tell who saw it and why.
CREATE TABLE alertes_vues (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	code           text NOT NULL CHECK (code <> ''),
	numero_asp     text REFERENCES demandes (numero_asp),
	fournisseur_id bigint REFERENCES fournisseurs (id),
	par            text NOT NULL,
	le             timestamptz NOT NULL,
	raison         text NOT NULL CHECK (trim(raison) <> ''),
	CHECK ((numero_asp IS NULL) <> (fournisseur_id IS NULL))
);
CREATE UNIQUE INDEX alertes_vues_demande ON alertes_vues (numero_asp, code) WHERE numero_asp IS NOT NULL;
CREATE UNIQUE INDEX alertes_vues_fournisseur ON alertes_vues (fournisseur_id, code) WHERE fournisseur_id IS NOT NULL;
