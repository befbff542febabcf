-- The queue's pages in deposit order. The status beside the date, so that
-- a tab's page is found by walking the index alone, the rows read only
-- for the page (dialect.go, indexPage); the date and the status beside the
-- agent, so that « Suivies par moi » sorts and counts an agent's thousands
-- of requests from the index alone. Same indexes, the ID aside, as
-- ../postgres/0023_file_pages.sql.
DROP INDEX demandes_date;
CREATE INDEX demandes_date ON demandes (cree_le, numero_asp, statut);
DROP INDEX demandes_agent;
CREATE INDEX demandes_agent ON demandes (agent, cree_le, numero_asp, statut) WHERE agent IS NOT NULL;
