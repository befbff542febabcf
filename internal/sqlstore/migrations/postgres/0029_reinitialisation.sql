-- An administrator's password reset, told apart from an account never
-- activated (both have no password). Same columns as
-- ../sqlite/0029_reinitialisation.sql.
--
-- reinitialise_le: when an administrator reset the user's password, until
-- the user chooses a new one (NULL otherwise).
ALTER TABLE utilisateurs ADD COLUMN reinitialise_le timestamptz;
