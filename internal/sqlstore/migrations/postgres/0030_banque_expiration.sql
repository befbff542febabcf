-- A proposed change of bank details expires (segur.ValiditeChangementBanque):
-- not approved within 30 days, it can no longer be. The expiry is decided
-- when the change is read; the portal records it (etat 'expire', decide_le
-- the moment it expired, decide_par NULL: no one decided it) when a new
-- proposal replaces it, the one pending row per vendor being unique. Same
-- constraints as ../sqlite/0030_banque_expiration.sql.
ALTER TABLE changements_banque DROP CONSTRAINT changements_banque_etat_check;
ALTER TABLE changements_banque ADD CONSTRAINT changements_banque_etat_check
	CHECK (etat IN ('en_attente', 'approuve', 'rejete', 'expire'));
ALTER TABLE changements_banque DROP CONSTRAINT changements_banque_check;
ALTER TABLE changements_banque ADD CONSTRAINT changements_banque_decision_check
	CHECK ((etat = 'en_attente') = (decide_le IS NULL) AND (decide_par IS NULL) = (etat IN ('en_attente', 'expire')));
