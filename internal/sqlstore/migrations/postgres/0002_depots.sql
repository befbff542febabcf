-- Deposits, their lines, the accepted requests, the numeroEditeur each
-- vendor used, and the ASP sequence. Same tables, columns and constraints as
-- ../sqlite/0002_depots.sql, but for the sequence (see asp_seq).
--
-- Business dates (date_depot, date_commande) are text 'AAAA-MM-JJ': civil
-- dates in Europe/Paris, with no time zone to convert, as on SQLite.

-- A deposit passed control 1 (traite, with the ordinal of its file name) or
-- was rejected by it (rejete, with the fault, and no ordinal). A hash is the
-- hex SHA-256 of a stored file; the zip is NULL for a deposit without one,
-- the returned file NULL for a rejected deposit (and until it is written).
CREATE TABLE depots (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	fournisseur_id bigint NOT NULL REFERENCES fournisseurs (id),
	type           text NOT NULL CHECK (type IN ('avance', 'solde')),
	numero_ans     text NOT NULL,
	logiciel       text NOT NULL CHECK (logiciel IN ('RI', 'DPI', 'PFI')),
	nom_fichier    text NOT NULL,
	recu           timestamptz NOT NULL,
	date_depot     text NOT NULL CHECK (date_depot ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
	ordinal        integer CHECK (ordinal BETWEEN 1 AND 999),
	json_sha256    text NOT NULL CHECK (length(json_sha256) = 64),
	json_taille    bigint NOT NULL CHECK (json_taille >= 0),
	zip_sha256     text CHECK (length(zip_sha256) = 64),
	zip_taille     bigint CHECK (zip_taille >= 0),
	retour_sha256  text CHECK (length(retour_sha256) = 64),
	retour_taille  bigint CHECK (retour_taille >= 0),
	statut         text NOT NULL CHECK (statut IN ('traite', 'rejete')),
	motif_code     text,
	motif_libelle  text,
	motif_balise   text,
	motif_valeur   text,
	motif_p1       text,
	motif_p2       text,
	motif_offset   bigint,
	motif_ligne    integer,
	motif_colonne  integer,
	imp_id         text NOT NULL,
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

-- The accepted requests. donnees is json, not jsonb, so that it reads back
-- byte for byte as written, as on SQLite.
CREATE TABLE demandes (
	id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	numero_asp       text NOT NULL UNIQUE CHECK (numero_asp <> ''),
	depot_id         bigint NOT NULL REFERENCES depots (id),
	fournisseur_id   bigint NOT NULL REFERENCES fournisseurs (id),
	numero_ans       text NOT NULL,
	logiciel         text NOT NULL CHECK (logiciel IN ('RI', 'DPI', 'PFI')),
	statut           text NOT NULL CHECK (statut <> ''),
	cree_le          timestamptz NOT NULL,
	num_ligne        integer NOT NULL CHECK (num_ligne >= 1),
	numero_editeur   text NOT NULL,
	date_commande    text NOT NULL CHECK (date_commande ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
	regime_tva       text NOT NULL,
	montant_ht_cents bigint NOT NULL,
	-- The rest of the request (mandataire, clients, pieces, scenario,
	-- operateurMessagerie) as a JSON object.
	donnees          json NOT NULL CHECK (json_typeof(donnees) = 'object')
);
CREATE INDEX demandes_fournisseur ON demandes (fournisseur_id, numero_asp);
CREATE INDEX demandes_depot ON demandes (depot_id);
CREATE INDEX demandes_numero_editeur ON demandes (upper(numero_editeur));

-- The outcome of each request of a processed deposit, accepted or not. An
-- accepted line has a result code '0000' and the ASP number of its request;
-- a rejected line neither.
CREATE TABLE depot_lignes (
	depot_id       bigint NOT NULL REFERENCES depots (id),
	num_ligne      integer NOT NULL CHECK (num_ligne >= 1),
	numero_editeur text NOT NULL,
	code           text NOT NULL,
	libelle        text NOT NULL,
	numero_asp     text REFERENCES demandes (numero_asp),
	PRIMARY KEY (depot_id, num_ligne),
	CHECK ((code = '0000') = (numero_asp IS NOT NULL))
);

-- The numeroEditeur a vendor used, in a deposit that passed control 1, as
-- written (numero) and upper-cased (numero_cle): compared case-insensitively,
-- each is used once per vendor.
CREATE TABLE numeros_editeur (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	fournisseur_id bigint NOT NULL REFERENCES fournisseurs (id),
	numero         text NOT NULL CHECK (numero <> ''),
	numero_cle     text NOT NULL CHECK (numero_cle <> ''),
	depot_id       bigint NOT NULL REFERENCES depots (id),
	UNIQUE (fournisseur_id, numero_cle)
);

-- The ASP sequence: nextval never gives a value twice, even when the
-- transaction that took it rolls back or the server crashes (a rolled-back
-- value is lost, leaving a gap). (SQLite has a one-row table.)
CREATE SEQUENCE asp_seq AS bigint MINVALUE 1 NO CYCLE;
