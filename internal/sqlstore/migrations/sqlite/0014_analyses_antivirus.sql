-- The antivirus's verdicts on the stored files. Same table, columns and
-- constraints as ../postgres/0014_analyses_antivirus.sql.

-- One row per stored file judged (membre '') and, for a deposit's zip, one
-- per piece its requests name (membre: its nomFichier), the pieces' rows
-- written with the zip's, in one transaction. A zip judged whole (no
-- request names its pieces) has its own row only, which judges them all. fichier is not named *sha256: it is not a reference
-- that keeps a stored file (segur admin blobs gc, verify). Evidence: never
-- changed nor deleted.
CREATE TABLE analyses_antivirus (
	id         INTEGER PRIMARY KEY,
	fichier    TEXT NOT NULL CHECK (length(fichier) = 64),
	membre     TEXT NOT NULL DEFAULT '',
	resultat   TEXT NOT NULL CHECK (resultat IN ('sain', 'infecte', 'impossible')),
	signature  TEXT NOT NULL DEFAULT '' CHECK ((resultat = 'sain') = (signature = '')),
	moteur     TEXT NOT NULL DEFAULT '',
	analyse_le TIMESTAMP NOT NULL,
	UNIQUE (fichier, membre)
);
CREATE TRIGGER analyses_antivirus_sans_modification BEFORE UPDATE ON analyses_antivirus
BEGIN
	SELECT RAISE(ABORT, 'analyses en ajout seul : modification refusée');
END;
CREATE TRIGGER analyses_antivirus_sans_suppression BEFORE DELETE ON analyses_antivirus
BEGIN
	SELECT RAISE(ABORT, 'analyses en ajout seul : suppression refusée');
END;

-- The deposits whose pieces are all judged, written with their verdicts:
-- a deposit with a zip and no row here waits for the scanner. By deposit,
-- not by zip: the same zip deposited again comes with other requests, and
-- their pieces are judged in turn.
CREATE TABLE depots_analyses (
	depot_id   INTEGER PRIMARY KEY REFERENCES depots (id),
	analyse_le TIMESTAMP NOT NULL
);
CREATE TRIGGER depots_analyses_sans_modification BEFORE UPDATE ON depots_analyses
BEGIN
	SELECT RAISE(ABORT, 'analyses en ajout seul : modification refusée');
END;
CREATE TRIGGER depots_analyses_sans_suppression BEFORE DELETE ON depots_analyses
BEGIN
	SELECT RAISE(ABORT, 'analyses en ajout seul : suppression refusée');
END;
