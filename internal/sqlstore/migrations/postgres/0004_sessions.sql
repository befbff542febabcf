-- Browser sessions and failed logins. Same tables, columns and constraints
-- as ../sqlite/0004_sessions.sql.

-- empreinte is the SHA-256 of the session token; the token itself, which
-- the cookie holds, is never stored.
CREATE TABLE sessions (
	empreinte      bytea NOT NULL PRIMARY KEY CHECK (octet_length(empreinte) = 32),
	utilisateur_id bigint NOT NULL REFERENCES utilisateurs (id),
	cree_le        timestamptz NOT NULL,
	expire_le      timestamptz NOT NULL,
	vu_le          timestamptz NOT NULL,
	csrf           text NOT NULL CHECK (csrf <> ''),
	CHECK (cree_le < expire_le),
	CHECK (cree_le <= vu_le)
);
CREATE INDEX sessions_utilisateur ON sessions (utilisateur_id);

-- One row per failed login and key (a login, lower-cased, or a remote
-- address), kept for the throttling window only: the store deletes older
-- rows as it adds new ones.
CREATE TABLE echecs_connexion (
	id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	cle   text NOT NULL CHECK (cle <> ''),
	quand timestamptz NOT NULL
);
CREATE INDEX echecs_connexion_cle ON echecs_connexion (cle, quand);
CREATE INDEX echecs_connexion_quand ON echecs_connexion (quand);
