-- The thread of messages between the agency and the vendor on a request,
-- their attached files, the read marks of each side, and the agents'
-- private notes. Same tables, columns and constraints as
-- ../sqlite/0021_messages.sql.

-- A message, its files and a note are never changed nor deleted: the
-- audit log (message.creer, note.creer) holds their fingerprints.
CREATE TABLE messages (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	numero_asp text NOT NULL REFERENCES demandes (numero_asp),
	cote       text NOT NULL CHECK (cote IN ('agence', 'fournisseur')),
	auteur     text NOT NULL CHECK (auteur <> ''),
	texte      text NOT NULL CHECK (trim(texte) <> '' AND length(texte) <= 5000),
	cree_le    timestamptz NOT NULL
);
CREATE INDEX messages_demande ON messages (numero_asp, cote, id);

-- fichier_sha256 ends in sha256: the antivirus scans it, the blob
-- collector keeps it, as every such column (blobColumns).
CREATE TABLE messages_fichiers (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	message_id     bigint NOT NULL REFERENCES messages (id),
	nom            text NOT NULL CHECK (nom <> ''),
	format         text NOT NULL CHECK (format IN ('PDF', 'PNG', 'JPG')),
	fichier_sha256 text NOT NULL CHECK (length(fichier_sha256) = 64),
	taille         bigint NOT NULL CHECK (taille > 0)
);
CREATE INDEX messages_fichiers_message ON messages_fichiers (message_id, id);

-- What a side read of a request's thread: every message of the other
-- side up to dernier_lu (a message id). It only grows.
CREATE TABLE messages_lectures (
	numero_asp text NOT NULL REFERENCES demandes (numero_asp),
	cote       text NOT NULL CHECK (cote IN ('agence', 'fournisseur')),
	dernier_lu bigint NOT NULL,
	lu_le      timestamptz NOT NULL,
	PRIMARY KEY (numero_asp, cote)
);

CREATE TABLE notes (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	numero_asp text NOT NULL REFERENCES demandes (numero_asp),
	auteur     text NOT NULL CHECK (auteur <> ''),
	texte      text NOT NULL CHECK (trim(texte) <> '' AND length(texte) <= 5000),
	cree_le    timestamptz NOT NULL
);
CREATE INDEX notes_demande ON notes (numero_asp, id);

CREATE FUNCTION messages_ajout_seul() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% en ajout seul : % refusé', TG_TABLE_NAME, TG_OP;
END
$$;
CREATE TRIGGER messages_sans_modification BEFORE UPDATE OR DELETE ON messages
	FOR EACH ROW EXECUTE FUNCTION messages_ajout_seul();
CREATE TRIGGER messages_fichiers_sans_modification BEFORE UPDATE OR DELETE ON messages_fichiers
	FOR EACH ROW EXECUTE FUNCTION messages_ajout_seul();
CREATE TRIGGER notes_sans_modification BEFORE UPDATE OR DELETE ON notes
	FOR EACH ROW EXECUTE FUNCTION messages_ajout_seul();
