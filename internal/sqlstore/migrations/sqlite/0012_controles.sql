-- Controls a posteriori (issue 7): the random draws, the controls, what the
-- agency asks the vendor and the files the vendor sends. Same tables,
-- columns and constraints as ../postgres/0012_controles.sql.

-- A document's type is checked by the domain (segur.TypeDocument): the
-- column only requires a lower-case word, so that a new kind of document
-- (the order of recovery here, the payments' notices) needs no rebuild of
-- the table. SQLite changes a CHECK only by rebuilding the table; nothing
-- references documents, and its triggers go with it and come back below.
CREATE TABLE documents_0012 (
	id         INTEGER PRIMARY KEY,
	demande_id INTEGER NOT NULL REFERENCES demandes (id),
	type       TEXT NOT NULL CHECK (type <> '' AND type NOT GLOB '*[^a-z_]*'),
	reference  TEXT NOT NULL UNIQUE,
	sha256     TEXT NOT NULL CHECK (length(sha256) = 64),
	taille     INTEGER NOT NULL CHECK (taille > 0),
	cree_le    TIMESTAMP NOT NULL,
	par        TEXT NOT NULL
);
INSERT INTO documents_0012 (id, demande_id, type, reference, sha256, taille, cree_le, par)
	SELECT id, demande_id, type, reference, sha256, taille, cree_le, par FROM documents;
DROP TABLE documents;
ALTER TABLE documents_0012 RENAME TO documents;
CREATE INDEX documents_demande ON documents (demande_id, id);
CREATE TRIGGER documents_sans_modification BEFORE UPDATE ON documents
BEGIN
	SELECT RAISE(ABORT, 'documents en ajout seul : modification refusée');
END;
CREATE TRIGGER documents_sans_suppression BEFORE DELETE ON documents
BEGIN
	SELECT RAISE(ABORT, 'documents en ajout seul : suppression refusée');
END;

-- A random draw: its seed, its rate (basis points: 1 % = 100), the
-- population it drew from (the ASP numbers, sorted, one per line, and
-- their SHA-256: segur.EmpreintePopulation), who drew and when. The seed
-- and the population give the sample again (segur.Tirage.Verifier).
CREATE TABLE tirages (
	id          INTEGER PRIMARY KEY,
	graine      INTEGER NOT NULL CHECK (graine >= 0),
	taux        INTEGER NOT NULL CHECK (taux BETWEEN 1 AND 10000),
	population  INTEGER NOT NULL CHECK (population >= 0),
	empreinte   TEXT NOT NULL CHECK (length(empreinte) = 64),
	candidats   TEXT NOT NULL,
	echantillon INTEGER NOT NULL CHECK (echantillon BETWEEN 0 AND population),
	par         TEXT NOT NULL CHECK (par <> ''),
	quand       TIMESTAMP NOT NULL
);
CREATE TRIGGER tirages_sans_modification BEFORE UPDATE ON tirages
BEGIN
	SELECT RAISE(ABORT, 'tirages en ajout seul : modification refusée');
END;
CREATE TRIGGER tirages_sans_suppression BEFORE DELETE ON tirages
BEGIN
	SELECT RAISE(ABORT, 'tirages en ajout seul : suppression refusée');
END;

-- A control of one request, drawn (tirage_id) or picked by hand (NULL).
-- Open, then concluded once: compliant, or not, with its reason, the
-- amount to recover and the reference of the order of recovery.
CREATE TABLE controles (
	id                    INTEGER PRIMARY KEY,
	demande_id            INTEGER NOT NULL REFERENCES demandes (id),
	tirage_id             INTEGER REFERENCES tirages (id),
	etat                  TEXT NOT NULL CHECK (etat IN ('ouvert', 'conforme', 'non_conforme')),
	ouvert_le             TIMESTAMP NOT NULL,
	ouvert_par            TEXT NOT NULL CHECK (ouvert_par <> ''),
	conclu_le             TIMESTAMP,
	conclu_par            TEXT,
	motif                 TEXT NOT NULL DEFAULT '',
	montant_reverse_cents INTEGER CHECK (montant_reverse_cents > 0),
	ordre_reference       TEXT,
	CHECK ((etat = 'ouvert') = (conclu_le IS NULL) AND (conclu_le IS NULL) = (conclu_par IS NULL)),
	CHECK ((etat = 'non_conforme') = (montant_reverse_cents IS NOT NULL)),
	CHECK ((etat = 'non_conforme') = (ordre_reference IS NOT NULL)),
	CHECK (etat <> 'non_conforme' OR motif <> '')
);
-- One open control per request at a time.
CREATE UNIQUE INDEX controles_ouvert ON controles (demande_id) WHERE etat = 'ouvert';
CREATE INDEX controles_demande ON controles (demande_id, id);
CREATE INDEX controles_tirage ON controles (tirage_id);
CREATE INDEX controles_etat ON controles (etat, id);
-- A concluded control never changes; no control is deleted.
CREATE TRIGGER controles_clos BEFORE UPDATE ON controles WHEN OLD.etat <> 'ouvert'
BEGIN
	SELECT RAISE(ABORT, 'contrôle clos : modification refusée');
END;
CREATE TRIGGER controles_sans_suppression BEFORE DELETE ON controles
BEGIN
	SELECT RAISE(ABORT, 'contrôles : suppression refusée');
END;

-- What the agency asks the vendor, and the files the vendor sends (names
-- shown only, formats checked by content). Never changed nor deleted.
CREATE TABLE controle_messages (
	id          INTEGER PRIMARY KEY,
	controle_id INTEGER NOT NULL REFERENCES controles (id),
	texte       TEXT NOT NULL CHECK (texte <> ''),
	par         TEXT NOT NULL,
	quand       TIMESTAMP NOT NULL
);
CREATE INDEX controle_messages_controle ON controle_messages (controle_id, id);
CREATE TRIGGER controle_messages_sans_modification BEFORE UPDATE ON controle_messages
BEGIN
	SELECT RAISE(ABORT, 'messages en ajout seul : modification refusée');
END;
CREATE TRIGGER controle_messages_sans_suppression BEFORE DELETE ON controle_messages
BEGIN
	SELECT RAISE(ABORT, 'messages en ajout seul : suppression refusée');
END;

CREATE TABLE controle_pieces (
	id          INTEGER PRIMARY KEY,
	controle_id INTEGER NOT NULL REFERENCES controles (id),
	nom         TEXT NOT NULL CHECK (nom <> ''),
	format      TEXT NOT NULL CHECK (format IN ('PDF', 'PNG', 'JPG')),
	sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
	taille      INTEGER NOT NULL CHECK (taille > 0),
	depose_le   TIMESTAMP NOT NULL,
	par         TEXT NOT NULL
);
CREATE INDEX controle_pieces_controle ON controle_pieces (controle_id, id);
CREATE TRIGGER controle_pieces_sans_modification BEFORE UPDATE ON controle_pieces
BEGIN
	SELECT RAISE(ABORT, 'pièces en ajout seul : modification refusée');
END;
CREATE TRIGGER controle_pieces_sans_suppression BEFORE DELETE ON controle_pieces
BEGIN
	SELECT RAISE(ABORT, 'pièces en ajout seul : suppression refusée');
END;
