-- The instruction: a person's further roles, the request's assigned agent
-- and amount financed, the documents the agency issues, the attachments a
-- vendor sends after its deposit. Same as ../sqlite/0009_instruction.sql.

-- Roles beyond the first (utilisateurs.role), comma-separated: an agent
-- may instruct and administer. The domain checks them (ValiderRoles).
ALTER TABLE utilisateurs ADD COLUMN autres_roles text NOT NULL DEFAULT ''
	CHECK (autres_roles ~ '^[a-z,]*$');

-- The instructor who took the request, and the amount financed a
-- validation recorded with its calculation.
ALTER TABLE demandes ADD COLUMN agent text;
ALTER TABLE demandes ADD COLUMN montant_finance_cents bigint CHECK (montant_finance_cents > 0);
ALTER TABLE demandes ADD COLUMN calcul text;
CREATE INDEX demandes_statut ON demandes (statut, numero_asp);

-- Where the actor was, and the document a transition issued or signed.
ALTER TABLE demande_historique ADD COLUMN adresse text NOT NULL DEFAULT '';
ALTER TABLE demande_historique ADD COLUMN document_sha256 text CHECK (length(document_sha256) = 64);

-- The documents of a request, as sent: refusal, décision, convention, and
-- the convention as the vendor signed it. Never changed nor deleted.
CREATE TABLE documents (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	demande_id bigint NOT NULL REFERENCES demandes (id),
	type       text NOT NULL CHECK (type IN ('refus', 'decision', 'convention', 'convention_signee')),
	reference  text NOT NULL UNIQUE,
	sha256     text NOT NULL CHECK (length(sha256) = 64),
	taille     bigint NOT NULL CHECK (taille > 0),
	cree_le    timestamptz NOT NULL,
	par        text NOT NULL
);
CREATE INDEX documents_demande ON documents (demande_id, id);
CREATE TRIGGER documents_sans_modification BEFORE UPDATE OR DELETE ON documents
	FOR EACH ROW EXECUTE FUNCTION evenements_ajout_seul();

-- Attachments a vendor sent on a request for completion: every version is
-- kept, the deposit's zip holding version 0.
CREATE TABLE pieces_versions (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	demande_id bigint NOT NULL REFERENCES demandes (id),
	type       text NOT NULL,
	nom        text NOT NULL,
	format     text NOT NULL,
	sha256     text NOT NULL CHECK (length(sha256) = 64),
	taille     bigint NOT NULL CHECK (taille > 0),
	depose_le  timestamptz NOT NULL,
	par        text NOT NULL
);
CREATE INDEX pieces_versions_demande ON pieces_versions (demande_id, id);
CREATE TRIGGER pieces_versions_sans_modification BEFORE UPDATE OR DELETE ON pieces_versions
	FOR EACH ROW EXECUTE FUNCTION evenements_ajout_seul();

-- The establishments a request finances, written when it is validated:
-- one financing per beneficiary per software type is what the agents
-- watch (an alert, the agent decides).
CREATE TABLE demande_finess (
	demande_id bigint NOT NULL REFERENCES demandes (id),
	finess     text NOT NULL,
	PRIMARY KEY (demande_id, finess)
);
CREATE INDEX demande_finess_finess ON demande_finess (finess);
