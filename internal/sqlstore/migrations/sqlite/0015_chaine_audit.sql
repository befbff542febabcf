-- The audit log's hash chain and its seals. Same tables, columns and
-- constraints as ../postgres/0015_chaine_audit.sql.
--
-- chaine_audit is the chain, one link per event, in a companion table
-- rather than a column of evenements: the audit log and its triggers stay
-- as they are, and the same Go code chains the rows written before this
-- migration, on both databases, when Migrate runs (SHA-256 is no SQL
-- function of either). A link's valeur is SHA-256(the previous link's
-- valeur || the event's canonical encoding, segur.Evenement.Canonique),
-- 32 zero bytes before the first; precedent is the previous event's id
-- (0 for the first). precedent UNIQUE: two links cannot follow the same
-- one, the chain cannot fork; precedent < evenement_id: it follows the
-- ids' order. Written in the transaction of its event, never changed. No
-- foreign key to evenements: the table's own triggers refuse its TRUNCATE,
-- and segur admin audit verify reports a link without its event.
CREATE TABLE chaine_audit (
	evenement_id INTEGER PRIMARY KEY,
	precedent    INTEGER NOT NULL UNIQUE CHECK (precedent >= 0 AND precedent < evenement_id),
	valeur       BLOB NOT NULL CHECK (typeof(valeur) = 'blob' AND length(valeur) = 32)
);
CREATE TRIGGER chaine_audit_sans_modification BEFORE UPDATE ON chaine_audit
BEGIN
	SELECT RAISE(ABORT, 'chaîne d''audit en ajout seul : modification refusée');
END;
CREATE TRIGGER chaine_audit_sans_suppression BEFORE DELETE ON chaine_audit
BEGIN
	SELECT RAISE(ABORT, 'chaîne d''audit en ajout seul : suppression refusée');
END;

-- The chain's head: its last link, one row, updated with every link. It
-- is no evidence (chaine_audit is), but the row every writer of events
-- updates first: on PostgreSQL its row lock makes them take turns, and
-- gives each the head its predecessor committed (see sqlstore/chaine.go).
CREATE TABLE chaine_tete (
	id           INTEGER PRIMARY KEY CHECK (id = 1),
	evenement_id INTEGER NOT NULL,
	valeur       BLOB NOT NULL CHECK (typeof(valeur) = 'blob' AND length(valeur) = 32)
);
INSERT INTO chaine_tete (id, evenement_id, valeur) VALUES (1, 0, zeroblob(32));

-- The seals: the chain's head at a time (evenement_id, and its valeur),
-- timestamped by a time-stamping authority (RFC 3161): jeton is the
-- TimeStampToken (DER), horodate_le its genTime, tsa the address it was
-- asked at, scelle_le when the portal recorded it. Never changed.
CREATE TABLE sceaux (
	id           INTEGER PRIMARY KEY,
	evenement_id INTEGER NOT NULL,
	valeur       BLOB NOT NULL CHECK (typeof(valeur) = 'blob' AND length(valeur) = 32),
	jeton        BLOB NOT NULL CHECK (typeof(jeton) = 'blob' AND length(jeton) > 0),
	horodate_le  TIMESTAMP NOT NULL,
	tsa          TEXT NOT NULL CHECK (tsa <> ''),
	scelle_le    TIMESTAMP NOT NULL
);
CREATE TRIGGER sceaux_sans_modification BEFORE UPDATE ON sceaux
BEGIN
	SELECT RAISE(ABORT, 'sceaux en ajout seul : modification refusée');
END;
CREATE TRIGGER sceaux_sans_suppression BEFORE DELETE ON sceaux
BEGIN
	SELECT RAISE(ABORT, 'sceaux en ajout seul : suppression refusée');
END;
