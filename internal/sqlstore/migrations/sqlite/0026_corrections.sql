-- The administrator's corrections (segur admin user disable, vendor
-- suspend…). Same columns as ../postgres/0026_corrections.sql.
--
-- desactive_le: when a user was disabled (NULL: active); suspendu_le: when a
-- vendor was suspended (NULL: active). jetons.utilisateur_id: the vendor's
-- user who created the token on the portal (NULL: segur admin token add),
-- whose disabling revokes it; the tokens created before are attributed from
-- the audit log, where their creation names its actor.
ALTER TABLE utilisateurs ADD COLUMN desactive_le TIMESTAMP;
ALTER TABLE fournisseurs ADD COLUMN suspendu_le TIMESTAMP;
ALTER TABLE jetons ADD COLUMN utilisateur_id INTEGER REFERENCES utilisateurs (id);

UPDATE jetons SET utilisateur_id = (
	SELECT u.id FROM evenements e JOIN utilisateurs u ON u.login = e.login
	WHERE e.action = 'jeton.creer' AND json_extract(e.details, '$.id') = jetons.id
	ORDER BY e.id LIMIT 1);

CREATE INDEX jetons_utilisateur ON jetons (utilisateur_id);
