-- The portal's first tables: vendors, their ANS products, users, API tokens,
-- campaign windows, and the append-only audit log. Same tables, columns and
-- constraints as ../postgres/0001_portail.sql.
--
-- Times are UTC. Columns declared TIMESTAMP hold the driver's text
-- 'YYYY-MM-DD HH:MM:SS.fffffffff+00:00' (_time_format=sqlite), which it reads
-- back as time.Time; always UTC and in that one format, they compare as text
-- in time order, which CHECK (debut < fin) relies on.

CREATE TABLE fournisseurs (
	id      INTEGER PRIMARY KEY,
	siret   TEXT NOT NULL UNIQUE CHECK (length(siret) = 14 AND siret NOT GLOB '*[^0-9]*'),
	nom     TEXT NOT NULL CHECK (nom <> ''),
	email   TEXT NOT NULL CHECK (email <> ''),
	iban    TEXT NOT NULL DEFAULT '',
	bic     TEXT NOT NULL DEFAULT '',
	cree_le TIMESTAMP NOT NULL,
	CHECK ((iban = '') = (bic = ''))
);

CREATE TABLE produits (
	numero_ans     TEXT NOT NULL PRIMARY KEY CHECK (length(numero_ans) = 10),
	fournisseur_id INTEGER NOT NULL REFERENCES fournisseurs (id),
	logiciel       TEXT NOT NULL CHECK (logiciel IN ('RI', 'DPI', 'PFI')),
	nom            TEXT NOT NULL CHECK (nom <> ''),
	cree_le        TIMESTAMP NOT NULL
);
CREATE INDEX produits_fournisseur ON produits (fournisseur_id);

-- login is stored lower-cased (by the store), so UNIQUE is case-insensitive.
CREATE TABLE utilisateurs (
	id             INTEGER PRIMARY KEY,
	login          TEXT NOT NULL UNIQUE CHECK (login <> '' AND login = lower(login)),
	nom            TEXT NOT NULL,
	role           TEXT NOT NULL CHECK (role IN ('fournisseur', 'instructeur', 'payeur', 'admin')),
	fournisseur_id INTEGER REFERENCES fournisseurs (id),
	mot_de_passe   TEXT NOT NULL DEFAULT '',
	cree_le        TIMESTAMP NOT NULL,
	CHECK ((role = 'fournisseur') = (fournisseur_id IS NOT NULL))
);
CREATE INDEX utilisateurs_fournisseur ON utilisateurs (fournisseur_id);

-- empreinte is the SHA-256 of the token; the token itself is never stored.
CREATE TABLE jetons (
	id             INTEGER PRIMARY KEY,
	fournisseur_id INTEGER NOT NULL REFERENCES fournisseurs (id),
	empreinte      BLOB NOT NULL UNIQUE CHECK (typeof(empreinte) = 'blob' AND length(empreinte) = 32),
	prefixe        TEXT NOT NULL,
	cree_le        TIMESTAMP NOT NULL,
	dernier_usage  TIMESTAMP,
	revoque_le     TIMESTAMP
);
CREATE INDEX jetons_fournisseur ON jetons (fournisseur_id);

CREATE TABLE fenetres (
	id       INTEGER PRIMARY KEY,
	logiciel TEXT NOT NULL CHECK (logiciel IN ('RI', 'DPI', 'PFI')),
	type     TEXT NOT NULL CHECK (type IN ('avance', 'solde')),
	debut    TIMESTAMP NOT NULL,
	fin      TIMESTAMP NOT NULL,
	CHECK (debut < fin)
);

-- The audit log: rows are only ever added.
CREATE TABLE evenements (
	id      INTEGER PRIMARY KEY,
	quand   TIMESTAMP NOT NULL,
	login   TEXT NOT NULL,
	adresse TEXT NOT NULL,
	action  TEXT NOT NULL,
	objet   TEXT NOT NULL,
	details TEXT NOT NULL CHECK (json_valid(details) AND json_type(details) = 'object')
);
CREATE INDEX evenements_objet ON evenements (objet, id);

CREATE TRIGGER evenements_sans_modification BEFORE UPDATE ON evenements
BEGIN
	SELECT RAISE(ABORT, 'journal d''audit en ajout seul : modification refusée');
END;

CREATE TRIGGER evenements_sans_suppression BEFORE DELETE ON evenements
BEGIN
	SELECT RAISE(ABORT, 'journal d''audit en ajout seul : suppression refusée');
END;
