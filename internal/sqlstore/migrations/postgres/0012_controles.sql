-- Controls a posteriori (issue 7): the random draws, the controls, what the
-- agency asks the vendor and the files the vendor sends. Same tables,
-- columns and constraints as ../sqlite/0012_controles.sql.

-- A document's type is checked by the domain (segur.TypeDocument): the
-- column only requires a lower-case word, so that a new kind of document
-- (the order of recovery here, the payments' notices) needs no change of
-- the table.
ALTER TABLE documents DROP CONSTRAINT documents_type_check;
ALTER TABLE documents ADD CONSTRAINT documents_type_check CHECK (type ~ '^[a-z_]+$');

-- A random draw: its seed, its rate (basis points: 1 % = 100), the
-- population it drew from (the ASP numbers, sorted, one per line, and
-- their SHA-256: segur.EmpreintePopulation), who drew and when. The seed
-- and the population give the sample again (segur.Tirage.Verifier).
CREATE TABLE tirages (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	graine      bigint NOT NULL CHECK (graine >= 0),
	taux        integer NOT NULL CHECK (taux BETWEEN 1 AND 10000),
	population  integer NOT NULL CHECK (population >= 0),
	empreinte   text NOT NULL CHECK (length(empreinte) = 64),
	candidats   text NOT NULL,
	echantillon integer NOT NULL CHECK (echantillon BETWEEN 0 AND population),
	par         text NOT NULL CHECK (par <> ''),
	quand       timestamptz NOT NULL
);
CREATE TRIGGER tirages_sans_modification BEFORE UPDATE OR DELETE ON tirages
	FOR EACH ROW EXECUTE FUNCTION evenements_ajout_seul();

-- A control of one request, drawn (tirage_id) or picked by hand (NULL).
-- Open, then concluded once: compliant, or not, with its reason, the
-- amount to recover and the reference of the order of recovery.
CREATE TABLE controles (
	id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	demande_id            bigint NOT NULL REFERENCES demandes (id),
	tirage_id             bigint REFERENCES tirages (id),
	etat                  text NOT NULL CHECK (etat IN ('ouvert', 'conforme', 'non_conforme')),
	ouvert_le             timestamptz NOT NULL,
	ouvert_par            text NOT NULL CHECK (ouvert_par <> ''),
	conclu_le             timestamptz,
	conclu_par            text,
	motif                 text NOT NULL DEFAULT '',
	montant_reverse_cents bigint CHECK (montant_reverse_cents > 0),
	ordre_reference       text,
	CHECK ((etat = 'ouvert') = (conclu_le IS NULL) AND (conclu_le IS NULL) = (conclu_par IS NULL)),
	CHECK ((etat = 'non_conforme') = (montant_reverse_cents IS NOT NULL)),
	CHECK ((etat = 'non_conforme') = (ordre_reference IS NOT NULL)),
	CHECK (etat <> 'non_conforme' OR motif <> '')
);
-- One open control per request at a time.
CREATE UNIQUE INDEX controles_ouvert ON controles (demande_id) WHERE etat = 'ouvert';
CREATE INDEX controles_demande ON controles (demande_id, id);
CREATE INDEX controles_tirage ON controles (tirage_id);
CREATE INDEX controles_etat ON controles (etat, id);
-- A concluded control never changes; no control is deleted.
CREATE TRIGGER controles_clos BEFORE UPDATE ON controles
	FOR EACH ROW WHEN (OLD.etat <> 'ouvert') EXECUTE FUNCTION evenements_ajout_seul();
CREATE TRIGGER controles_sans_suppression BEFORE DELETE ON controles
	FOR EACH ROW EXECUTE FUNCTION evenements_ajout_seul();

-- What the agency asks the vendor, and the files the vendor sends (names
-- shown only, formats checked by content). Never changed nor deleted.
CREATE TABLE controle_messages (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	controle_id bigint NOT NULL REFERENCES controles (id),
	texte       text NOT NULL CHECK (texte <> ''),
	par         text NOT NULL,
	quand       timestamptz NOT NULL
);
CREATE INDEX controle_messages_controle ON controle_messages (controle_id, id);
CREATE TRIGGER controle_messages_sans_modification BEFORE UPDATE OR DELETE ON controle_messages
	FOR EACH ROW EXECUTE FUNCTION evenements_ajout_seul();

CREATE TABLE controle_pieces (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	controle_id bigint NOT NULL REFERENCES controles (id),
	nom         text NOT NULL CHECK (nom <> ''),
	format      text NOT NULL CHECK (format IN ('PDF', 'PNG', 'JPG')),
	sha256      text NOT NULL CHECK (length(sha256) = 64),
	taille      bigint NOT NULL CHECK (taille > 0),
	depose_le   timestamptz NOT NULL,
	par         text NOT NULL
);
CREATE INDEX controle_pieces_controle ON controle_pieces (controle_id, id);
CREATE TRIGGER controle_pieces_sans_modification BEFORE UPDATE OR DELETE ON controle_pieces
	FOR EACH ROW EXECUTE FUNCTION evenements_ajout_seul();
