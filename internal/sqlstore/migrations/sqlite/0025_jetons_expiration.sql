-- An API token expires a year after its creation or its last renewal
-- (segur.ExpirationJeton): the API refuses it from expire_le on.
--
-- The tokens that exist get a year from now (the migration's time), not a
-- year from their creation: a token created more than a year ago would
-- otherwise stop working the moment the portal is upgraded, and the
-- vendor's software with it, without the vendor having seen any expiry on
-- its page. With a year from now, every vendor has a full year to see the
-- date beside its token and renew it.
--
-- SQLite adds a NOT NULL column only with a default: 1970, an expired
-- date, so that a row written without it (none is: CreateJeton sets it)
-- would refuse rather than open the API for ever. PostgreSQL needs no
-- default (../postgres/0025_jetons_expiration.sql). The time is written
-- as the driver writes it (_time_format=sqlite), in UTC.
ALTER TABLE jetons ADD COLUMN expire_le TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00+00:00';
UPDATE jetons SET expire_le = strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', '+1 year');
