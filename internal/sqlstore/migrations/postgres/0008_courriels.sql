-- The mail outbox: each mail is written in the transaction of the change it
-- tells of, then sent by the postman (internal/courrier), tried again with
-- backoff until the SMTP server accepts it. Same columns and constraints as
-- ../sqlite/0008_courriels.sql.
--
-- destinataires holds the addresses separated by commas (an address the
-- store accepts has no comma). prochain_essai is when the mail is due; a
-- sender that claims it pushes it forward and sets reserve_le.
CREATE TABLE courriels (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	destinataires   text NOT NULL CHECK (destinataires <> ''),
	sujet           text NOT NULL CHECK (sujet <> ''),
	corps           text NOT NULL CHECK (corps <> ''),
	objet           text NOT NULL DEFAULT '',
	piece_nom       text NOT NULL DEFAULT '',
	piece_sha256    text NOT NULL DEFAULT '' CHECK (piece_sha256 = '' OR length(piece_sha256) = 64),
	etat            text NOT NULL CHECK (etat IN ('a_envoyer', 'en_echec', 'envoye')),
	cree_le         timestamptz NOT NULL,
	prochain_essai  timestamptz NOT NULL,
	reserve_le      timestamptz,
	dernier_essai   timestamptz,
	envoye_le       timestamptz,
	tentatives      integer NOT NULL DEFAULT 0 CHECK (tentatives >= 0),
	derniere_erreur text NOT NULL DEFAULT '',
	CHECK ((piece_nom = '') = (piece_sha256 = '')),
	CHECK ((etat = 'envoye') = (envoye_le IS NOT NULL)),
	CHECK (etat = 'a_envoyer' AND tentatives = 0 OR etat = 'en_echec' AND tentatives > 0 OR etat = 'envoye'),
	CHECK ((tentatives > 0) = (dernier_essai IS NOT NULL))
);
-- The mails due, for the postman; the outbox by state, for the admins.
CREATE INDEX courriels_dus ON courriels (prochain_essai, id) WHERE etat <> 'envoye';
CREATE INDEX courriels_etat ON courriels (etat, id);
