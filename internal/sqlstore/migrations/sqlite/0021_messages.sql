-- The thread of messages between the agency and the vendor on a request,
-- their attached files, the read marks of each side, and the agents'
-- private notes. Same tables, columns and constraints as
-- ../postgres/0021_messages.sql.

-- A message, its files and a note are never changed nor deleted: the
-- audit log (message.creer, note.creer) holds their fingerprints.
CREATE TABLE messages (
	id         INTEGER PRIMARY KEY,
	numero_asp TEXT NOT NULL REFERENCES demandes (numero_asp),
	cote       TEXT NOT NULL CHECK (cote IN ('agence', 'fournisseur')),
	auteur     TEXT NOT NULL CHECK (auteur <> ''),
	texte      TEXT NOT NULL CHECK (trim(texte) <> '' AND length(texte) <= 5000),
	cree_le    TIMESTAMP NOT NULL
);
CREATE INDEX messages_demande ON messages (numero_asp, cote, id);

-- fichier_sha256 ends in sha256: the antivirus scans it, the blob
-- collector keeps it, as every such column (blobColumns).
CREATE TABLE messages_fichiers (
	id             INTEGER PRIMARY KEY,
	message_id     INTEGER NOT NULL REFERENCES messages (id),
	nom            TEXT NOT NULL CHECK (nom <> ''),
	format         TEXT NOT NULL CHECK (format IN ('PDF', 'PNG', 'JPG')),
	fichier_sha256 TEXT NOT NULL CHECK (length(fichier_sha256) = 64),
	taille         INTEGER NOT NULL CHECK (taille > 0)
);
CREATE INDEX messages_fichiers_message ON messages_fichiers (message_id, id);

-- What a side read of a request's thread: every message of the other
-- side up to dernier_lu (a message id). It only grows.
CREATE TABLE messages_lectures (
	numero_asp TEXT NOT NULL REFERENCES demandes (numero_asp),
	cote       TEXT NOT NULL CHECK (cote IN ('agence', 'fournisseur')),
	dernier_lu INTEGER NOT NULL,
	lu_le      TIMESTAMP NOT NULL,
	PRIMARY KEY (numero_asp, cote)
);

CREATE TABLE notes (
	id         INTEGER PRIMARY KEY,
	numero_asp TEXT NOT NULL REFERENCES demandes (numero_asp),
	auteur     TEXT NOT NULL CHECK (auteur <> ''),
	texte      TEXT NOT NULL CHECK (trim(texte) <> '' AND length(texte) <= 5000),
	cree_le    TIMESTAMP NOT NULL
);
CREATE INDEX notes_demande ON notes (numero_asp, id);

CREATE TRIGGER messages_sans_modification BEFORE UPDATE ON messages
BEGIN
	SELECT RAISE(ABORT, 'messages en ajout seul : modification refusée');
END;
CREATE TRIGGER messages_sans_suppression BEFORE DELETE ON messages
BEGIN
	SELECT RAISE(ABORT, 'messages en ajout seul : suppression refusée');
END;
CREATE TRIGGER messages_fichiers_sans_modification BEFORE UPDATE ON messages_fichiers
BEGIN
	SELECT RAISE(ABORT, 'fichiers des messages en ajout seul : modification refusée');
END;
CREATE TRIGGER messages_fichiers_sans_suppression BEFORE DELETE ON messages_fichiers
BEGIN
	SELECT RAISE(ABORT, 'fichiers des messages en ajout seul : suppression refusée');
END;
CREATE TRIGGER notes_sans_modification BEFORE UPDATE ON notes
BEGIN
	SELECT RAISE(ABORT, 'notes en ajout seul : modification refusée');
END;
CREATE TRIGGER notes_sans_suppression BEFORE DELETE ON notes
BEGIN
	SELECT RAISE(ABORT, 'notes en ajout seul : suppression refusée');
END;
