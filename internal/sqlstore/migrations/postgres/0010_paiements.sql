-- Payments (issue 7): the batches of payments, their payments, and the
-- payment notices sent to the vendors. Same tables, columns and
-- constraints as ../sqlite/0010_paiements.sql.

-- A batch: brouillon → approuve → paye, or annule from brouillon. Who did
-- each step and when; paye_le is the transfer's date (Europe/Paris,
-- AAAA-MM-JJ), marque_le when it was recorded.
CREATE TABLE lots_paiement (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	etat         text NOT NULL CHECK (etat IN ('brouillon', 'approuve', 'paye', 'annule')),
	cree_le      timestamptz NOT NULL,
	cree_par     text NOT NULL CHECK (cree_par <> ''),
	approuve_le  timestamptz,
	approuve_par text,
	paye_le      text CHECK (paye_le ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
	marque_le    timestamptz,
	marque_par   text,
	annule_le    timestamptz,
	annule_par   text,
	CHECK ((etat IN ('approuve', 'paye')) = (approuve_le IS NOT NULL AND approuve_par IS NOT NULL)),
	CHECK ((etat = 'paye') = (paye_le IS NOT NULL AND marque_le IS NOT NULL AND marque_par IS NOT NULL)),
	CHECK ((etat = 'annule') = (annule_le IS NOT NULL AND annule_par IS NOT NULL))
);
CREATE INDEX lots_paiement_etat ON lots_paiement (etat, id);

-- A payment of a request in a batch. annule copies the cancellation of its
-- batch, so that the index below holds: a request is paid at most once for
-- each kind, whatever the batches say. Only annule ever changes, once,
-- from false to true; no payment is deleted.
CREATE TABLE paiements (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	lot_id         bigint NOT NULL REFERENCES lots_paiement (id),
	demande_id     bigint NOT NULL REFERENCES demandes (id),
	fournisseur_id bigint NOT NULL REFERENCES fournisseurs (id),
	nature         text NOT NULL CHECK (nature IN ('avance', 'solde')),
	montant_cents  bigint NOT NULL CHECK (montant_cents > 0),
	annule         boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX paiements_une_fois ON paiements (demande_id, nature) WHERE NOT annule;
CREATE INDEX paiements_lot ON paiements (lot_id, fournisseur_id, id);

CREATE FUNCTION paiements_verrou() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'paiements : suppression refusée';
	END IF;
	IF NEW.lot_id <> OLD.lot_id OR NEW.demande_id <> OLD.demande_id OR NEW.fournisseur_id <> OLD.fournisseur_id
		OR NEW.nature <> OLD.nature OR NEW.montant_cents <> OLD.montant_cents THEN
		RAISE EXCEPTION 'paiements : modification refusée';
	END IF;
	IF OLD.annule AND NOT NEW.annule THEN
		RAISE EXCEPTION 'paiements : un paiement annulé le reste';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER paiements_verrou BEFORE UPDATE OR DELETE ON paiements
	FOR EACH ROW EXECUTE FUNCTION paiements_verrou();
CREATE TRIGGER paiements_sans_vidage BEFORE TRUNCATE ON paiements
	FOR EACH STATEMENT EXECUTE FUNCTION evenements_ajout_seul();

-- The payment notice of one vendor for one batch, as sent (its PDF in the
-- blobs); its lines are the batch's payments of that vendor. Never changed
-- nor deleted.
CREATE TABLE avis_paiement (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	reference      text NOT NULL UNIQUE,
	lot_id         bigint NOT NULL REFERENCES lots_paiement (id),
	fournisseur_id bigint NOT NULL REFERENCES fournisseurs (id),
	date_paiement  text NOT NULL CHECK (date_paiement ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
	montant_cents  bigint NOT NULL CHECK (montant_cents > 0),
	sha256         text NOT NULL CHECK (length(sha256) = 64),
	taille         bigint NOT NULL CHECK (taille > 0),
	cree_le        timestamptz NOT NULL,
	par            text NOT NULL,
	UNIQUE (lot_id, fournisseur_id)
);
CREATE INDEX avis_paiement_fournisseur ON avis_paiement (fournisseur_id, id);
CREATE TRIGGER avis_paiement_sans_modification BEFORE UPDATE OR DELETE ON avis_paiement
	FOR EACH ROW EXECUTE FUNCTION evenements_ajout_seul();
CREATE TRIGGER avis_paiement_sans_vidage BEFORE TRUNCATE ON avis_paiement
	FOR EACH STATEMENT EXECUTE FUNCTION evenements_ajout_seul();
