-- An API token expires a year after its creation or its last renewal
-- (segur.ExpirationJeton): the API refuses it from expire_le on.
--
-- The tokens that exist get a year from now (the migration's time), not a
-- year from their creation: a token created more than a year ago would
-- otherwise stop working the moment the portal is upgraded, and the
-- vendor's software with it, without the vendor having seen any expiry on
-- its page. With a year from now, every vendor has a full year to see the
-- date beside its token and renew it. Same rule as
-- ../sqlite/0025_jetons_expiration.sql.
ALTER TABLE jetons ADD COLUMN expire_le timestamptz;
UPDATE jetons SET expire_le = now() + interval '1 year';
ALTER TABLE jetons ALTER COLUMN expire_le SET NOT NULL;
