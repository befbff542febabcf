-- The antivirus's verdicts on the stored files. Same table, columns and
-- constraints as ../sqlite/0014_analyses_antivirus.sql.

-- One row per stored file judged (membre '') and, for a deposit's zip, one
-- per piece its requests name (membre: its nomFichier), the pieces' rows
-- written with the zip's, in one transaction: a zip without its row waits
-- for the scanner. fichier is not named *sha256: it is not a reference
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
