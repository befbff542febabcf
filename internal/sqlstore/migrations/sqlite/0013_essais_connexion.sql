-- Login attempts, counted before the password is checked. Same tables,
-- columns and constraints as ../postgres/0013_essais_connexion.sql.

-- One row per counter (segur.EssaiConnexion.Cles): a pair (login and
-- address), an address, or the global counter. n failures since premier,
-- the last at dernier; a counter whose window has passed counts none, and
-- is deleted as attempts come. login is a pair's login ('' otherwise), for
-- segur admin user unlock.
CREATE TABLE essais_connexion (
	cle     TEXT NOT NULL PRIMARY KEY CHECK (cle <> ''),
	login   TEXT NOT NULL DEFAULT '',
	n       INTEGER NOT NULL CHECK (n >= 0),
	premier TIMESTAMP NOT NULL,
	dernier TIMESTAMP NOT NULL
);
CREATE INDEX essais_connexion_login ON essais_connexion (login) WHERE login <> '';
CREATE INDEX essais_connexion_premier ON essais_connexion (premier);

-- The failures counted one row each, by login and by address, before.
DROP TABLE echecs_connexion;
