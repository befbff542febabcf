-- The agency's list of deposits (FindDepotsAgence): every vendor's, newest
-- first, filtered on a period of reception and on the outcome. Same
-- indexes on both databases.

-- A period: the deposits received between two times.
CREATE INDEX depots_recu ON depots (recu);

-- The outcome: whether a processed deposit has a rejected request, one
-- probe per deposit. depot_lignes keeps every rejected line (without ASP
-- number) and, for a balance deposit, the accepted ones too (with theirs).
CREATE INDEX depot_lignes_rejetees ON depot_lignes (depot_id) WHERE numero_asp IS NULL;
