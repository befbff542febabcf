-- An administrator's password reset, told apart from an account never
-- activated (both have no password); the dashboard's indexes. Same columns as
-- ../sqlite/0029_reinitialisation_pilotage.sql.
--
-- reinitialise_le: when an administrator reset the user's password, until
-- the user chooses a new one (NULL otherwise).
ALTER TABLE utilisateurs ADD COLUMN reinitialise_le timestamptz;

-- The dashboard (segur.Pilotage) reads, without a whole scan of the
-- history or of the requests' rows: the decisions and payments of the last
-- weeks (demande_historique_action), then each one's first decision and
-- payment from the index alone (demande_historique_demande, which had the
-- request and the row only); the requests by status and software type,
-- with their amounts, from the index alone (demandes_statut_date, which had
-- the status and the date only: its uses stay); the amounts of each
-- deposit's requests (demandes_depot, which had the deposit only).
CREATE INDEX demande_historique_action ON demande_historique (action, quand, demande_id);
DROP INDEX demande_historique_demande;
CREATE INDEX demande_historique_demande ON demande_historique (demande_id, id, action, quand);
DROP INDEX demandes_statut_date;
CREATE INDEX demandes_statut_date ON demandes (statut, cree_le, logiciel, montant_ht_cents, montant_finance_cents, solde_a_payer_cents);
DROP INDEX demandes_depot;
CREATE INDEX demandes_depot ON demandes (depot_id, montant_ht_cents);
