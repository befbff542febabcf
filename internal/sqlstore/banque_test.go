package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
)

const (
	ibanAncien  = "FR7630006000011234567890189" // banquier's
	ibanNouveau = "FR7630004008230001234567819"
)

// alice and bob are two administrators.
var (
	alice = segur.Acteur{Login: "alice@asp.fr", Adresse: "192.0.2.21"}
	bob   = segur.Acteur{Login: "bob@asp.fr", Adresse: "192.0.2.22"}
)

func ribTest() segur.Justificatif {
	return segur.Justificatif{Fichier: segur.BlobRef{SHA256: sha("rib"), Taille: 1200}, Format: "PDF", Nom: "rib.pdf"}
}

// coordonnees reads vendor id's bank details.
func coordonnees(t testing.TB, db *DB, id segur.FournisseurID) (string, string) {
	t.Helper()
	f, err := db.FindFournisseurByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return f.IBAN, f.BIC
}

// detailsBanque reads the audit detail of a step of a change.
func detailsBanque(t testing.TB, e segur.Evenement) auditBanque {
	t.Helper()
	var d struct {
		auditBanque
		Avant etatBanque `json:"avant"`
		Apres etatBanque `json:"apres"`
	}
	if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
		t.Fatalf("%s: %v", e.Action, err)
	}
	d.auditBanque.Avant, d.auditBanque.Apres = d.Avant, d.Apres
	return d.auditBanque
}

// runBanqueSuite tests the changes of bank details under four eyes, on
// the stores of runSuite.
func runBanqueSuite(t *testing.T, open func(t *testing.T) *DB) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("one administrator alone never changes the bank details", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		ctxA, ctxB := segur.WithActeur(t.Context(), alice), segur.WithActeur(t.Context(), bob)
		f := banquier(t, db, "88558855858745")

		// Bad input: nothing is recorded.
		_, err := db.ProposerChangementBanque(ctxA, f.ID, "FR7730004008230001234567819", "BNPAFRPP", ribTest())
		assertCode(t, err, segur.EINVALID)
		if n := compter(t, db, `SELECT count(*) FROM changements_banque`); n != 0 {
			t.Fatalf("after an invalid IBAN: %d changes recorded", n)
		}

		c, err := db.ProposerChangementBanque(ctxA, f.ID, "fr76 3000 4008 2300 0123 4567 819", "bnpafrpp", ribTest())
		if err != nil || c.ID == 0 || c.Etat != segur.BanqueEnAttente || c.IBAN != ibanNouveau || c.AncienIBAN != ibanAncien || c.ProposePar != alice.Login {
			t.Fatalf("proposal: %+v %v", c, err)
		}
		if iban, _ := coordonnees(t, db, f.ID); iban != ibanAncien {
			t.Fatalf("IBAN in force after the proposal: got %s, want the old one", iban)
		}
		// One pending proposal per vendor, whoever proposes.
		_, err = db.ProposerChangementBanque(ctxB, f.ID, ibanNouveau, "BNPAFRPP", ribTest())
		assertCode(t, err, segur.ECONFLICT)

		// The proposer approving: refused, nothing changes.
		_, err = db.ApprouverChangementBanque(ctxA, f.ID, "", paris)
		assertCode(t, err, segur.EFORBIDDEN)
		if !strings.Contains(err.Error(), "Séparation des tâches : ") {
			t.Errorf("refusal: got %q", err)
		}
		if iban, _ := coordonnees(t, db, f.ID); iban != ibanAncien {
			t.Fatalf("IBAN after the proposer's approval: got %s, want the old one", iban)
		}
		if got, err := db.FindChangementBanqueEnAttente(t.Context(), f.ID); err != nil || got.ID != c.ID {
			t.Fatalf("pending after a refused approval: %+v %v", got, err)
		}
		// Neither does the database let it through.
		_, err = db.w.ExecContext(t.Context(), `UPDATE changements_banque SET etat = 'approuve', decide_le = $1, decide_par = 'ALICE@asp.fr' WHERE id = $2`, stored, int64(c.ID))
		if violationOf(err) != checkViolation {
			t.Errorf("approved by its proposer in SQL: got %v, want a check violation", err)
		}

		// A second administrator approves.
		ap, err := db.ApprouverChangementBanque(ctxB, f.ID, "fraude@asp.example", paris)
		if err != nil || ap.Etat != segur.BanqueApprouve || ap.DecidePar != bob.Login || !ap.DecideLe.Equal(stored) {
			t.Fatalf("approval by another administrator: %+v %v", ap, err)
		}
		if iban, bic := coordonnees(t, db, f.ID); iban != ibanNouveau || bic != "BNPAFRPP" {
			t.Fatalf("in force after approval: got %s %s", iban, bic)
		}
		_, err = db.ApprouverChangementBanque(ctxB, f.ID, "", paris)
		assertCode(t, err, segur.ECONFLICT)
		_, err = db.FindChangementBanqueEnAttente(t.Context(), f.ID)
		assertCode(t, err, segur.ENOTFOUND)

		evs, err := db.FindEvenements(t.Context(), "fournisseur:"+f.SIRET)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range evs {
			actions = append(actions, e.Action)
		}
		if want := []string{"fournisseur.creer", "fournisseur.banque.proposer", "fournisseur.banque.approuver"}; !slices.Equal(actions, want) {
			t.Fatalf("events: got %q, want %q", actions, want)
		}
		p, a := detailsBanque(t, evs[1]), detailsBanque(t, evs[2])
		if evs[1].Acteur != alice || evs[2].Acteur != bob {
			t.Errorf("actors: got %+v and %+v", evs[1].Acteur, evs[2].Acteur)
		}
		// The full IBANs, before and after: the agency justifies every euro.
		if p.Avant != (etatBanque{ibanAncien, "AGRIFRPP"}) || p.Apres != (etatBanque{ibanNouveau, "BNPAFRPP"}) || p.Justificatif != sha("rib") || p.Changement != int64(c.ID) {
			t.Errorf("proposal's audit: %+v", p)
		}
		if a.Avant != (etatBanque{ibanAncien, "AGRIFRPP"}) || a.Apres != (etatBanque{ibanNouveau, "BNPAFRPP"}) || a.ProposePar != alice.Login || a.Etat != segur.BanqueApprouve {
			t.Errorf("approval's audit: %+v", a)
		}
	})

	t.Run("the vendor and its users are mailed when the change takes effect", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		ctxA, ctxB := segur.WithActeur(t.Context(), alice), segur.WithActeur(t.Context(), bob)
		f := banquier(t, db, "88558855858745")
		for _, login := range []string{"jean@editeur.example", "parti@editeur.example"} {
			u := &segur.Utilisateur{Login: login, Nom: "Salarié", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f.ID, MotDePasse: "$argon2id$v=19$hash"}
			if err := db.CreateUtilisateur(ctxA, u); err != nil {
				t.Fatal(err)
			}
			if login == "parti@editeur.example" {
				if _, err := db.DesactiverUtilisateur(ctxA, u.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := db.ProposerChangementBanque(ctxA, f.ID, ibanNouveau, "BNPAFRPP", ribTest()); err != nil {
			t.Fatal(err)
		}
		if _, n, _ := db.FindCourriels(t.Context(), "", 10, 0); n != 0 {
			t.Errorf("mails after the proposal: %d, want none", n)
		}
		if _, err := db.ApprouverChangementBanque(ctxB, f.ID, "fraude@asp.example", paris); err != nil {
			t.Fatal(err)
		}
		mails, n, err := db.FindCourriels(t.Context(), "", 10, 0)
		if err != nil || n != 1 {
			t.Fatalf("mails: %d %v", n, err)
		}
		m := mails[0]
		if want := []string{"compta@editeur.example", "jean@editeur.example"}; !slices.Equal(m.A, want) || m.Objet != "fournisseur:"+f.SIRET {
			t.Errorf("mail to %v about %s, want %v", m.A, m.Objet, want)
		}
		for _, want := range []string{"ont changé le 01/03/2026 à 10:00 (heure de Paris)", "IBAN FR** **** **** **** **** ***7 819", "fraude@asp.example"} {
			if !strings.Contains(m.Corps, want) {
				t.Errorf("mail: missing %q in\n%s", want, m.Corps)
			}
		}
		if strings.Contains(m.Corps, ibanNouveau) {
			t.Errorf("mail: the new IBAN in full")
		}
	})

	t.Run("a batch uses the details in force when it was prepared", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		ctx, ctxA, ctxB := testContext(t), segur.WithActeur(t.Context(), alice), segur.WithActeur(t.Context(), bob)
		f := banquier(t, db, "88558855858745")
		asps := decidees(t, db, ctx, f, 1, "00001", "00002")
		if _, err := db.ProposerChangementBanque(ctxA, f.ID, ibanNouveau, "BNPAFRPP", ribTest()); err != nil {
			t.Fatal(err)
		}
		attente, err := db.FindBanquesEnAttente(t.Context())
		if err != nil || !attente[f.ID] {
			t.Fatalf("pending: %v %v", attente, err)
		}
		l, err := db.CreateLot(ctx, asps[:1], "paul@asp.fr")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApprouverChangementBanque(ctxB, f.ID, "", paris); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindLot(t.Context(), l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v := got.Versements(); len(v) != 1 || v[0].IBAN != ibanAncien || v[0].BIC != "AGRIFRPP" {
			t.Errorf("batch prepared while the change was pending: %+v, want the old IBAN", v)
		}
		apres, err := db.CreateLot(ctx, asps[1:], "paul@asp.fr")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindLot(t.Context(), apres.ID); got.Paiements[0].IBAN != ibanNouveau || got.Paiements[0].BIC != "BNPAFRPP" {
			t.Errorf("batch prepared after the approval: %+v, want the new IBAN", got.Paiements[0])
		}
		if attente, _ := db.FindBanquesEnAttente(t.Context()); attente[f.ID] {
			t.Errorf("still pending after the approval")
		}
	})

	t.Run("a proposal not approved in 30 days expires", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		clock := withSessionClock(db)
		ctxA, ctxB := segur.WithActeur(t.Context(), alice), segur.WithActeur(t.Context(), bob)
		f := banquier(t, db, "88558855858745")
		autre := banquier(t, db, "88558855858746")
		c, err := db.ProposerChangementBanque(ctxA, f.ID, ibanNouveau, "BNPAFRPP", ribTest())
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		if _, err := db.ProposerChangementBanque(ctxB, autre.ID, ibanNouveau, "BNPAFRPP", ribTest()); err != nil {
			t.Fatal(err)
		}

		// Every vendor's, the longest waiting first, with its vendor.
		liste, err := db.FindChangementsBanqueEnAttente(t.Context())
		if err != nil || len(liste) != 2 || liste[0].ID != c.ID || liste[0].Nom != f.Nom || liste[0].SIRET != f.SIRET ||
			liste[1].FournisseurID != autre.ID || liste[1].ProposePar != bob.Login || liste[0].AncienIBAN != ibanAncien {
			t.Fatalf("list: %+v %v", liste, err)
		}

		// The last instant it may be approved: it is still pending.
		clock.Advance(segur.ValiditeChangementBanque - time.Hour - time.Microsecond)
		if got, err := db.FindChangementBanqueEnAttente(t.Context(), f.ID); err != nil || got.Etat != segur.BanqueEnAttente {
			t.Fatalf("pending at its last instant: %+v %v", got, err)
		}
		if attente, _ := db.FindBanquesEnAttente(t.Context()); !attente[f.ID] {
			t.Errorf("FindBanquesEnAttente at its last instant: %v", attente)
		}

		// Then it has expired: read so, never approved.
		clock.Advance(time.Microsecond)
		expire := stored.Add(segur.ValiditeChangementBanque)
		got, err := db.FindChangementBanqueEnAttente(t.Context(), f.ID)
		if err != nil || got.Etat != segur.BanqueExpire || !got.DecideLe.Equal(expire) || got.DecidePar != "" {
			t.Fatalf("expired: %+v %v", got, err)
		}
		if attente, _ := db.FindBanquesEnAttente(t.Context()); attente[f.ID] || !attente[autre.ID] {
			t.Errorf("FindBanquesEnAttente once expired: %v, want the other vendor only", attente)
		}
		if liste, _ := db.FindChangementsBanqueEnAttente(t.Context()); len(liste) != 2 || liste[0].Etat != segur.BanqueExpire || liste[1].Etat != segur.BanqueEnAttente {
			t.Errorf("list once the first expired: %+v", liste)
		}
		_, err = db.ApprouverChangementBanque(ctxB, f.ID, "", paris)
		assertCode(t, err, segur.ECONFLICT)
		if !strings.Contains(err.Error(), "a expiré le 31/03/2026 à 11:00 (heure de Paris)") || !strings.Contains(err.Error(), "proposez de nouveau") {
			t.Errorf("refusal: got %q", err)
		}
		if iban, _ := coordonnees(t, db, f.ID); iban != ibanAncien {
			t.Fatalf("IBAN after an approval refused for expiry: got %s", iban)
		}
		_, err = db.RejeterChangementBanque(ctxB, f.ID, "trop tard", paris)
		assertCode(t, err, segur.ECONFLICT)

		// A new proposal may be made; the expired one is recorded so.
		d, err := db.ProposerChangementBanque(ctxB, f.ID, ibanNouveau, "BNPAFRPP", ribTest())
		if err != nil || d.Etat != segur.BanqueEnAttente || d.ProposePar != bob.Login {
			t.Fatalf("a new proposal after the expiry: %+v %v", d, err)
		}
		cs, err := db.FindChangementsBanque(t.Context(), f.ID)
		if err != nil || len(cs) != 2 || cs[0].ID != d.ID || cs[1].Etat != segur.BanqueExpire || !cs[1].DecideLe.Equal(expire) || cs[1].DecidePar != "" {
			t.Fatalf("history: %+v %v", cs, err)
		}
		if n := compter(t, db, `SELECT count(*) FROM changements_banque WHERE etat = 'expire' AND decide_par IS NULL`); n != 1 {
			t.Errorf("expired rows decided by no one: got %d, want 1", n)
		}
		evs, _ := db.FindEvenements(t.Context(), "fournisseur:"+f.SIRET)
		var actions []string
		for _, e := range evs {
			actions = append(actions, e.Action)
		}
		if want := []string{"fournisseur.creer", "fournisseur.banque.proposer", "fournisseur.banque.expirer", "fournisseur.banque.proposer"}; !slices.Equal(actions, want) {
			t.Fatalf("events: got %q, want %q", actions, want)
		}
		if e := detailsBanque(t, evs[2]); e.Changement != int64(c.ID) || e.Etat != segur.BanqueExpire || e.ProposePar != alice.Login || e.Apres != (etatBanque{ibanAncien, "AGRIFRPP"}) {
			t.Errorf("expiry's audit: %+v", e)
		}

		// The new one is approved by another administrator than its proposer.
		if _, err := db.ApprouverChangementBanque(ctxA, f.ID, "", paris); err != nil {
			t.Fatalf("approving the new proposal: %v", err)
		}
		// The table refuses an expired row decided by someone, or without
		// its expiry.
		for _, q := range []string{
			`UPDATE changements_banque SET etat = 'expire', decide_le = propose_le, decide_par = 'bob@asp.fr' WHERE fournisseur_id = $1`,
			`UPDATE changements_banque SET etat = 'expire', decide_le = NULL, decide_par = NULL WHERE fournisseur_id = $1`,
		} {
			if _, err := db.w.ExecContext(t.Context(), q, int64(autre.ID)); violationOf(err) != checkViolation {
				t.Errorf("%s: got %v, want a check violation", q, err)
			}
		}
	})

	t.Run("either administrator rejects a pending change", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		ctxA, ctxB := segur.WithActeur(t.Context(), alice), segur.WithActeur(t.Context(), bob)
		f := banquier(t, db, "88558855858745")
		if _, err := db.ProposerChangementBanque(ctxA, f.ID, ibanNouveau, "BNPAFRPP", ribTest()); err != nil {
			t.Fatal(err)
		}
		_, err := db.RejeterChangementBanque(ctxB, f.ID, "  ", paris)
		assertCode(t, err, segur.EINVALID)
		r, err := db.RejeterChangementBanque(ctxB, f.ID, "Le RIB ne porte pas le nom du fournisseur.", paris)
		if err != nil || r.Etat != segur.BanqueRejete || r.DecidePar != bob.Login {
			t.Fatalf("rejection: %+v %v", r, err)
		}
		if iban, _ := coordonnees(t, db, f.ID); iban != ibanAncien {
			t.Errorf("IBAN after a rejection: got %s", iban)
		}
		// Its proposer withdraws a new one.
		if _, err := db.ProposerChangementBanque(ctxA, f.ID, ibanNouveau, "BNPAFRPP", ribTest()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RejeterChangementBanque(ctxA, f.ID, "Erreur de saisie.", paris); err != nil {
			t.Fatalf("withdrawal by the proposer: %v", err)
		}
		_, err = db.RejeterChangementBanque(ctxA, f.ID, "encore", paris)
		assertCode(t, err, segur.ECONFLICT)
		cs, err := db.FindChangementsBanque(t.Context(), f.ID)
		if err != nil || len(cs) != 2 || cs[0].Motif != "Erreur de saisie." || cs[1].Motif != "Le RIB ne porte pas le nom du fournisseur." {
			t.Fatalf("history: %+v %v", cs, err)
		}
		evs, _ := db.FindEvenements(t.Context(), "fournisseur:"+f.SIRET)
		last := detailsBanque(t, evs[len(evs)-1])
		if evs[len(evs)-1].Action != "fournisseur.banque.rejeter" || last.Motif != "Erreur de saisie." || last.Apres != (etatBanque{ibanAncien, "AGRIFRPP"}) {
			t.Errorf("rejection's audit: %s %+v", evs[len(evs)-1].Action, last)
		}
		if _, n, _ := db.FindCourriels(t.Context(), "", 10, 0); n != 0 {
			t.Errorf("mails after rejections: %d, want none", n)
		}
	})
}

// testMigrationBanque: migration 0030 (SQLite rebuilds the table) keeps
// the changes recorded before it, decided and pending, and the rule of
// one pending change per vendor; the pending one is then approved.
func testMigrationBanque(t *testing.T, db *DB) {
	t.Helper()
	ctx := testContext(t)
	ctxA, ctxB := segur.WithActeur(t.Context(), alice), segur.WithActeur(t.Context(), bob)
	paris := time.UTC
	ms, err := migrations(db.dialect)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m migration) bool { return strings.HasPrefix(m.version, "0030_") })
	if i < 0 {
		t.Fatal("no migration 0030")
	}
	for _, m := range ms[:i] {
		if err := db.write(ctx, func(tx *sql.Tx) error { return db.apply(ctx, tx, m) }); err != nil {
			t.Fatalf("migration %s: %v", m.version, err)
		}
	}
	f := banquier(t, db, "88558855858745")
	etapes := []func() error{
		func() error {
			_, err := db.ProposerChangementBanque(ctxA, f.ID, ibanNouveau, "BNPAFRPP", ribTest())
			return err
		},
		func() error { _, err := db.ApprouverChangementBanque(ctxB, f.ID, "", paris); return err },
		func() error {
			_, err := db.ProposerChangementBanque(ctxA, f.ID, ibanAncien, "AGRIFRPP", ribTest())
			return err
		},
		func() error { _, err := db.RejeterChangementBanque(ctxB, f.ID, "Erreur.", paris); return err },
		func() error {
			_, err := db.ProposerChangementBanque(ctxB, f.ID, ibanAncien, "AGRIFRPP", ribTest())
			return err
		},
	}
	for i, e := range etapes {
		if err := e(); err != nil {
			t.Fatalf("step %d before 0030: %v", i, err)
		}
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	cs, err := db.FindChangementsBanque(t.Context(), f.ID)
	if err != nil || len(cs) != 3 {
		t.Fatalf("after 0030: %+v %v", cs, err)
	}
	if cs[0].Etat != segur.BanqueEnAttente || cs[0].ProposePar != bob.Login || cs[1].Etat != segur.BanqueRejete || cs[1].Motif != "Erreur." ||
		cs[2].Etat != segur.BanqueApprouve || cs[2].DecidePar != bob.Login || !cs[2].DecideLe.Equal(stored) || cs[2].Justificatif != ribTest() {
		t.Errorf("after 0030: %+v", cs)
	}
	if _, err := db.w.ExecContext(t.Context(), `INSERT INTO changements_banque (fournisseur_id, ancien_iban, ancien_bic, iban, bic, justificatif_sha256,
		justificatif_taille, justificatif_format, justificatif_nom, etat, propose_le, propose_par)
		SELECT fournisseur_id, ancien_iban, ancien_bic, iban, bic, justificatif_sha256, justificatif_taille, justificatif_format, justificatif_nom,
		etat, propose_le, 'carole@asp.fr' FROM changements_banque WHERE etat = 'en_attente'`); violationOf(err) != uniqueViolation {
		t.Errorf("a second pending change after 0030: got %v, want a unique violation", err)
	}
	if _, err := db.ApprouverChangementBanque(ctxA, f.ID, "", paris); err != nil {
		t.Errorf("approving after 0030: %v", err)
	}
}
