-- The agents' API tokens, for the agency's read-only API
-- (/api/v1/agence/…): as the vendors' (jetons), by their SHA-256 digest,
-- a year long and renewable, but held by an agent (utilisateur_id), who
-- reads with the roles he holds at each request. Same columns as
-- ../postgres/0028_jetons_agents.sql.
CREATE TABLE jetons_agents (
	id             INTEGER PRIMARY KEY,
	utilisateur_id INTEGER NOT NULL REFERENCES utilisateurs (id),
	empreinte      BLOB NOT NULL UNIQUE CHECK (typeof(empreinte) = 'blob' AND length(empreinte) = 32),
	prefixe        TEXT NOT NULL,
	cree_le        TIMESTAMP NOT NULL,
	expire_le      TIMESTAMP NOT NULL,
	dernier_usage  TIMESTAMP,
	revoque_le     TIMESTAMP
);
CREATE INDEX jetons_agents_utilisateur ON jetons_agents (utilisateur_id);
