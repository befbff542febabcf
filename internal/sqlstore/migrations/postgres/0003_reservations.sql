-- The sequence of deposit references (impId), reserved with the ASP
-- numbers before a deposit takes its vendor's lock: a reserved value that
-- is not used is lost, never given again. The same as
-- ../sqlite/0003_reservations.sql, but for the sequence.
CREATE SEQUENCE imp_seq AS bigint MINVALUE 1 NO CYCLE;

-- From this version on, depot_lignes keeps the lines of the rejected
-- requests only: an accepted request's line is its demandes row (numLigne,
-- numeroEditeur, numero_asp; code 0000, « Demande acceptée »).
DELETE FROM depot_lignes WHERE numero_asp IS NOT NULL;
