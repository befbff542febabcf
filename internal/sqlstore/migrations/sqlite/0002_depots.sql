-- Deposits, their lines, the accepted requests, the numeroEditeur each
-- vendor used, and the ASP sequence. Same tables, columns and constraints as
-- ../postgres/0002_depots.sql, but for the sequence (see asp_seq).
--
-- Business dates (date_depot, date_commande) are TEXT 'AAAA-MM-JJ': civil
-- dates in Europe/Paris, with no time zone to convert.

-- A deposit passed control 1 (traite, with the ordinal of its file name) or
-- was rejected by it (rejete, with the fault, and no ordinal). A hash is the
-- hex SHA-256 of a stored file; the zip is NULL for a deposit without one,
-- the returned file NULL for a rejected deposit (and until it is written).
CREATE TABLE depots (
	id             INTEGER PRIMARY KEY,
	fournisseur_id INTEGER NOT NULL REFERENCES fournisseurs (id),
	type           TEXT NOT NULL CHECK (type IN ('avance', 'solde')),
	numero_ans     TEXT NOT NULL,
	logiciel       TEXT NOT NULL CHECK (logiciel IN ('RI', 'DPI', 'PFI')),
	nom_fichier    TEXT NOT NULL,
	recu           TIMESTAMP NOT NULL,
	date_depot     TEXT NOT NULL CHECK (date_depot GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	ordinal        INTEGER CHECK (ordinal BETWEEN 1 AND 999),
	json_sha256    TEXT NOT NULL CHECK (length(json_sha256) = 64),
	json_taille    INTEGER NOT NULL CHECK (json_taille >= 0),
	zip_sha256     TEXT CHECK (length(zip_sha256) = 64),
	zip_taille     INTEGER CHECK (zip_taille >= 0),
	retour_sha256  TEXT CHECK (length(retour_sha256) = 64),
	retour_taille  INTEGER CHECK (retour_taille >= 0),
	statut         TEXT NOT NULL CHECK (statut IN ('traite', 'rejete')),
	motif_code     TEXT,
	motif_libelle  TEXT,
	motif_balise   TEXT,
	motif_valeur   TEXT,
	motif_p1       TEXT,
	motif_p2       TEXT,
	motif_offset   INTEGER,
	motif_ligne    INTEGER,
	motif_colonne  INTEGER,
	imp_id         TEXT NOT NULL,
	CHECK ((zip_sha256 IS NULL) = (zip_taille IS NULL)),
	CHECK ((retour_sha256 IS NULL) = (retour_taille IS NULL)),
	CHECK ((statut = 'traite') = (ordinal IS NOT NULL)),
	CHECK ((statut = 'rejete') = (motif_code IS NOT NULL)),
	CHECK (statut = 'traite' OR retour_sha256 IS NULL),
	CHECK ((motif_code IS NULL) = (motif_libelle IS NULL) AND (motif_code IS NULL) = (motif_balise IS NULL)
		AND (motif_code IS NULL) = (motif_valeur IS NULL) AND (motif_code IS NULL) = (motif_p1 IS NULL)
		AND (motif_code IS NULL) = (motif_p2 IS NULL) AND (motif_code IS NULL) = (motif_offset IS NULL)
		AND (motif_code IS NULL) = (motif_ligne IS NULL) AND (motif_code IS NULL) = (motif_colonne IS NULL))
);
-- Two deposits of one ANS number that passed control 1 on the same day
-- never share an ordinal; a rejected file uses none.
CREATE UNIQUE INDEX depots_ordinal ON depots (numero_ans, date_depot, ordinal) WHERE statut = 'traite';
CREATE INDEX depots_fournisseur ON depots (fournisseur_id, id);
CREATE INDEX depots_fichiers ON depots (fournisseur_id, json_sha256);

-- The accepted requests.
CREATE TABLE demandes (
	id               INTEGER PRIMARY KEY,
	numero_asp       TEXT NOT NULL UNIQUE CHECK (numero_asp <> ''),
	depot_id         INTEGER NOT NULL REFERENCES depots (id),
	fournisseur_id   INTEGER NOT NULL REFERENCES fournisseurs (id),
	numero_ans       TEXT NOT NULL,
	logiciel         TEXT NOT NULL CHECK (logiciel IN ('RI', 'DPI', 'PFI')),
	statut           TEXT NOT NULL CHECK (statut <> ''),
	cree_le          TIMESTAMP NOT NULL,
	num_ligne        INTEGER NOT NULL CHECK (num_ligne >= 1),
	numero_editeur   TEXT NOT NULL,
	date_commande    TEXT NOT NULL CHECK (date_commande GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	regime_tva       TEXT NOT NULL,
	montant_ht_cents INTEGER NOT NULL,
	-- The rest of the request (mandataire, clients, pieces, scenario,
	-- operateurMessagerie) as a JSON object.
	donnees          TEXT NOT NULL CHECK (json_valid(donnees) AND json_type(donnees) = 'object')
);
CREATE INDEX demandes_fournisseur ON demandes (fournisseur_id, numero_asp);
CREATE INDEX demandes_depot ON demandes (depot_id);
CREATE INDEX demandes_numero_editeur ON demandes (upper(numero_editeur));

-- The outcome of each request of a processed deposit, accepted or not. An
-- accepted line has a result code '0000' and the ASP number of its request;
-- a rejected line neither.
CREATE TABLE depot_lignes (
	depot_id       INTEGER NOT NULL REFERENCES depots (id),
	num_ligne      INTEGER NOT NULL CHECK (num_ligne >= 1),
	numero_editeur TEXT NOT NULL,
	code           TEXT NOT NULL,
	libelle        TEXT NOT NULL,
	numero_asp     TEXT REFERENCES demandes (numero_asp),
	PRIMARY KEY (depot_id, num_ligne),
	CHECK ((code = '0000') = (numero_asp IS NOT NULL))
);

-- The numeroEditeur a vendor used, in a deposit that passed control 1, as
-- written (numero) and upper-cased (numero_cle): compared case-insensitively,
-- each is used once per vendor.
CREATE TABLE numeros_editeur (
	id             INTEGER PRIMARY KEY,
	fournisseur_id INTEGER NOT NULL REFERENCES fournisseurs (id),
	numero         TEXT NOT NULL CHECK (numero <> ''),
	numero_cle     TEXT NOT NULL CHECK (numero_cle <> ''),
	depot_id       INTEGER NOT NULL REFERENCES depots (id),
	UNIQUE (fournisseur_id, numero_cle)
);

-- The ASP sequence, one row. It is incremented inside the deposit's write
-- transaction: SQLite serialises writers, and a value exists only once
-- committed, so no number is ever given twice. (PostgreSQL has a SEQUENCE.)
CREATE TABLE asp_seq (
	id     INTEGER PRIMARY KEY CHECK (id = 1),
	valeur INTEGER NOT NULL CHECK (valeur >= 0)
);
INSERT INTO asp_seq (id, valeur) VALUES (1, 0);
