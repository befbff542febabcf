-- A vendor's messages of the last 24 hours, counted against its bounds
-- at each new one (segur.DebitMessages): found by their time rather than
-- by reading every thread. Same index as ../sqlite/0024_messages_debit.sql.
CREATE INDEX messages_recents ON messages (cote, cree_le);
