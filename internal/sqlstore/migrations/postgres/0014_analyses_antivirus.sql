-- The antivirus's verdicts on the stored files. Same table, columns and
-- constraints as ../sqlite/0014_analyses_antivirus.sql.

-- One row per stored file judged (membre '') and, for a deposit's zip, one
-- per piece its requests name (membre: its nomFichier), the pieces' rows
-- written with the zip's, in one transaction. A zip judged whole (no
-- request names its pieces) has its own row only, which judges them all. fichier is not named *sha256: it is not a reference
-- that keeps a stored file (segur admin blobs gc, verify). Evidence: never
-- changed nor deleted.
CREATE TABLE analyses_antivirus (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	fichier    text NOT NULL CHECK (length(fichier) = 64),
	membre     text NOT NULL DEFAULT '',
	resultat   text NOT NULL CHECK (resultat IN ('sain', 'infecte', 'impossible')),
	signature  text NOT NULL DEFAULT '' CHECK ((resultat = 'sain') = (signature = '')),
	moteur     text NOT NULL DEFAULT '',
	analyse_le timestamptz NOT NULL,
	UNIQUE (fichier, membre)
);
CREATE TRIGGER analyses_antivirus_sans_modification BEFORE UPDATE OR DELETE ON analyses_antivirus
	FOR EACH ROW EXECUTE FUNCTION evenements_ajout_seul();

-- The deposits whose pieces are all judged, written with their verdicts:
-- a deposit with a zip and no row here waits for the scanner. By deposit,
-- not by zip: the same zip deposited again comes with other requests, and
-- their pieces are judged in turn.
CREATE TABLE depots_analyses (
	depot_id   bigint PRIMARY KEY REFERENCES depots (id),
	analyse_le timestamptz NOT NULL
);
CREATE TRIGGER depots_analyses_sans_modification BEFORE UPDATE OR DELETE ON depots_analyses
	FOR EACH ROW EXECUTE FUNCTION evenements_ajout_seul();
