-- Browser sessions and failed logins. Same tables, columns and constraints
-- as ../postgres/0004_sessions.sql.

-- empreinte is the SHA-256 of the session token; the token itself, which
-- the cookie holds, is never stored. Times compare as text (see 0001).
CREATE TABLE sessions (
	empreinte      BLOB NOT NULL PRIMARY KEY CHECK (typeof(empreinte) = 'blob' AND length(empreinte) = 32),
	utilisateur_id INTEGER NOT NULL REFERENCES utilisateurs (id),
	cree_le        TIMESTAMP NOT NULL,
	expire_le      TIMESTAMP NOT NULL,
	vu_le          TIMESTAMP NOT NULL,
	csrf           TEXT NOT NULL CHECK (csrf <> ''),
	CHECK (cree_le < expire_le),
	CHECK (cree_le <= vu_le)
);
CREATE INDEX sessions_utilisateur ON sessions (utilisateur_id);

-- One row per failed login and key (a login, lower-cased, or a remote
-- address), kept for the throttling window only: the store deletes older
-- rows as it adds new ones.
CREATE TABLE echecs_connexion (
	id    INTEGER PRIMARY KEY,
	cle   TEXT NOT NULL CHECK (cle <> ''),
	quand TIMESTAMP NOT NULL
);
CREATE INDEX echecs_connexion_cle ON echecs_connexion (cle, quand);
CREATE INDEX echecs_connexion_quand ON echecs_connexion (quand);
