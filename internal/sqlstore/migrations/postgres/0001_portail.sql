-- The portal's first tables: vendors, their ANS products, users, API tokens,
-- campaign windows, and the append-only audit log. Same tables, columns and
-- constraints as ../sqlite/0001_portail.sql. Times are timestamptz, written
-- and read in UTC by the store.

CREATE TABLE fournisseurs (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	siret   text NOT NULL UNIQUE CHECK (siret ~ '^[0-9]{14}$'),
	nom     text NOT NULL CHECK (nom <> ''),
	email   text NOT NULL CHECK (email <> ''),
	iban    text NOT NULL DEFAULT '',
	bic     text NOT NULL DEFAULT '',
	cree_le timestamptz NOT NULL,
	CHECK ((iban = '') = (bic = ''))
);

CREATE TABLE produits (
	numero_ans     text NOT NULL PRIMARY KEY CHECK (length(numero_ans) = 10),
	fournisseur_id bigint NOT NULL REFERENCES fournisseurs (id),
	logiciel       text NOT NULL CHECK (logiciel IN ('RI', 'DPI', 'PFI')),
	nom            text NOT NULL CHECK (nom <> ''),
	cree_le        timestamptz NOT NULL
);
CREATE INDEX produits_fournisseur ON produits (fournisseur_id);

-- login is stored lower-cased (by the store), so UNIQUE is case-insensitive.
CREATE TABLE utilisateurs (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	login          text NOT NULL UNIQUE CHECK (login <> '' AND login = lower(login)),
	nom            text NOT NULL,
	role           text NOT NULL CHECK (role IN ('fournisseur', 'instructeur', 'payeur', 'admin')),
	fournisseur_id bigint REFERENCES fournisseurs (id),
	mot_de_passe   text NOT NULL DEFAULT '',
	cree_le        timestamptz NOT NULL,
	CHECK ((role = 'fournisseur') = (fournisseur_id IS NOT NULL))
);
CREATE INDEX utilisateurs_fournisseur ON utilisateurs (fournisseur_id);

-- empreinte is the SHA-256 of the token; the token itself is never stored.
CREATE TABLE jetons (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	fournisseur_id bigint NOT NULL REFERENCES fournisseurs (id),
	empreinte      bytea NOT NULL UNIQUE CHECK (octet_length(empreinte) = 32),
	prefixe        text NOT NULL,
	cree_le        timestamptz NOT NULL,
	dernier_usage  timestamptz,
	revoque_le     timestamptz
);
CREATE INDEX jetons_fournisseur ON jetons (fournisseur_id);

CREATE TABLE fenetres (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	logiciel text NOT NULL CHECK (logiciel IN ('RI', 'DPI', 'PFI')),
	type     text NOT NULL CHECK (type IN ('avance', 'solde')),
	debut    timestamptz NOT NULL,
	fin      timestamptz NOT NULL,
	CHECK (debut < fin)
);

-- The audit log: rows are only ever added. details is json, not jsonb, so
-- that it reads back byte for byte as written, as on SQLite.
CREATE TABLE evenements (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	quand   timestamptz NOT NULL,
	login   text NOT NULL,
	adresse text NOT NULL,
	action  text NOT NULL,
	objet   text NOT NULL,
	details json NOT NULL CHECK (json_typeof(details) = 'object')
);
CREATE INDEX evenements_objet ON evenements (objet, id);

CREATE FUNCTION evenements_ajout_seul() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'journal d''audit en ajout seul : % refusé', TG_OP;
END
$$;

CREATE TRIGGER evenements_sans_modification BEFORE UPDATE OR DELETE ON evenements
	FOR EACH ROW EXECUTE FUNCTION evenements_ajout_seul();

CREATE TRIGGER evenements_sans_vidage BEFORE TRUNCATE ON evenements
	FOR EACH STATEMENT EXECUTE FUNCTION evenements_ajout_seul();
