-- The agents' API tokens, for the agency's read-only API
-- (/api/v1/agence/…): as the vendors' (jetons), by their SHA-256 digest,
-- a year long and renewable, but held by an agent (utilisateur_id), who
-- reads with the roles he holds at each request. Same columns as
-- ../sqlite/0028_jetons_agents.sql.
CREATE TABLE jetons_agents (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	utilisateur_id bigint NOT NULL REFERENCES utilisateurs (id),
	empreinte      bytea NOT NULL UNIQUE CHECK (octet_length(empreinte) = 32),
	prefixe        text NOT NULL,
	cree_le        timestamptz NOT NULL,
	expire_le      timestamptz NOT NULL,
	dernier_usage  timestamptz,
	revoque_le     timestamptz
);
CREATE INDEX jetons_agents_utilisateur ON jetons_agents (utilisateur_id);
