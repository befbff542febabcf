-- Links mailed to users to choose a password (« mot de passe oublié »,
-- activation of an account an administrator created). Same tables, columns
-- and constraints as ../sqlite/0017_liens_compte.sql.

-- empreinte is the SHA-256 of the link's token; the token itself travels
-- in the mail only. A row is deleted when its user sets a password (the
-- link is used once), when a newer link of the same objet replaces it, and
-- once expired, as links are created.
CREATE TABLE liens_compte (
	empreinte      bytea NOT NULL PRIMARY KEY CHECK (octet_length(empreinte) = 32),
	utilisateur_id bigint NOT NULL REFERENCES utilisateurs (id),
	objet          text NOT NULL CHECK (objet IN ('reinitialisation', 'activation')),
	cree_le        timestamptz NOT NULL,
	expire_le      timestamptz NOT NULL,
	CHECK (cree_le < expire_le)
);
CREATE INDEX liens_compte_utilisateur ON liens_compte (utilisateur_id, objet);
CREATE INDEX liens_compte_expire ON liens_compte (expire_le);
