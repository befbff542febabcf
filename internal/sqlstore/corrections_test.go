package sqlstore

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// avantApres reads the before and after of a correction's event.
func avantApres(t *testing.T, e segur.Evenement) (avant, apres map[string]any) {
	t.Helper()
	var d struct{ Avant, Apres map[string]any }
	if err := json.Unmarshal([]byte(e.Details), &d); err != nil || d.Avant == nil || d.Apres == nil {
		t.Fatalf("%s: details %s: want avant and apres (%v)", e.Action, e.Details, err)
	}
	return d.Avant, d.Apres
}

// agent creates an agent with roles, a password, as the tests' actor.
func agent(t *testing.T, db *DB, login string, roles ...segur.Role) *segur.Utilisateur {
	t.Helper()
	u := &segur.Utilisateur{Login: login, Nom: "Agent", Roles: roles, MotDePasse: "$argon2id$v=19$hash"}
	if err := db.CreateUtilisateur(segur.WithActeur(context.Background(), acteur), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// runCorrectionsSuite tests the administrator's corrections, on the
// stores of runSuite.
func runCorrectionsSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("disabling ends sessions and tokens at once", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		u := sessionUser(t, db, "jeanne@editeur.example")
		createSession(t, db, ctx, newSession(u.ID, "s1"))
		createSession(t, db, ctx, newSession(u.ID, "s2"))
		j := &segur.Jeton{FournisseurID: u.FournisseurID, UtilisateurID: u.ID, Empreinte: empreinte("jeton jeanne"), Prefixe: "sgr_jea"}
		if err := db.CreateJeton(ctx, j); err != nil {
			t.Fatal(err)
		}
		autre := &segur.Jeton{FournisseurID: u.FournisseurID, Empreinte: empreinte("jeton cli"), Prefixe: "sgr_cli"}
		if err := db.CreateJeton(ctx, autre); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindJetonByEmpreinte(ctx, j.Empreinte); got.UtilisateurID != u.ID {
			t.Fatalf("token: got user %d, want %d", got.UtilisateurID, u.ID)
		}
		v, err := db.DesactiverUtilisateur(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertStamp(t, "DesactiveLe", v.DesactiveLe)
		assertGone(t, db, ctx, "s1", "session inconnue")
		assertGone(t, db, ctx, "s2", "session inconnue")
		if got, _ := db.FindJetonByEmpreinte(ctx, j.Empreinte); got.RevoqueLe.IsZero() {
			t.Error("the user's token is not revoked")
		}
		if got, _ := db.FindJetonByEmpreinte(ctx, autre.Empreinte); !got.RevoqueLe.IsZero() {
			t.Error("the vendor's token of segur admin is revoked")
		}
		// Nothing new opens for a disabled user.
		assertCode(t, db.CreateSession(ctx, newSession(u.ID, "s3")), segur.EFORBIDDEN)
		assertCode(t, db.CreateJeton(ctx, &segur.Jeton{FournisseurID: u.FournisseurID, UtilisateurID: u.ID, Empreinte: empreinte("j2"), Prefixe: "sgr_j2"}), segur.EFORBIDDEN)
		_, err = db.DesactiverUtilisateur(ctx, u.ID)
		assertCode(t, err, segur.ECONFLICT)

		evs := assertEvents(t, db, "utilisateur:jeanne@editeur.example", "utilisateur.creer", "session.ouvrir", "session.ouvrir", "utilisateur.desactiver")
		avant, apres := avantApres(t, evs[3])
		if avant["actif"] != true || apres["actif"] != false {
			t.Errorf("audit: got avant %v, apres %v", avant, apres)
		}
		var d correction
		json.Unmarshal([]byte(evs[3].Details), &d)
		if d.Sessions != 2 || !reflect.DeepEqual(d.Jetons, []string{"sgr_jea"}) {
			t.Errorf("audit: got %d sessions, tokens %v; want 2, [sgr_jea]", d.Sessions, d.Jetons)
		}
		assertEvents(t, db, "jeton:sgr_jea", "jeton.creer", "jeton.revoquer")

		// Re-enabled: a new session opens, the old ones and the token stay ended.
		if _, err := db.ReactiverUtilisateur(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		assertGone(t, db, ctx, "s1", "session inconnue")
		if got, _ := db.FindJetonByEmpreinte(ctx, j.Empreinte); got.RevoqueLe.IsZero() {
			t.Error("re-enabling revived the token")
		}
		createSession(t, db, ctx, newSession(u.ID, "s4"))
		assertFound(t, db, ctx, "s4")
		_, err = db.ReactiverUtilisateur(ctx, u.ID)
		assertCode(t, err, segur.ECONFLICT)
		e := assertEvents(t, db, "utilisateur:jeanne@editeur.example", "utilisateur.creer", "session.ouvrir", "session.ouvrir", "utilisateur.desactiver", "utilisateur.reactiver", "session.ouvrir")[4]
		if avant, apres := avantApres(t, e); avant["actif"] != false || apres["actif"] != true {
			t.Errorf("audit: got avant %v, apres %v", avant, apres)
		}
	})

	t.Run("the last administrator remains", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		cli := segur.WithActeur(t.Context(), segur.Acteur{Login: "cli", Adresse: "hôte"})
		seul := agent(t, db, "seul@asp.example", segur.RoleInstructeur, segur.RoleAdmin)
		_, err := db.DesactiverUtilisateur(cli, seul.ID)
		assertCode(t, err, segur.EFORBIDDEN)
		_, err = db.ChangeRolesUtilisateur(cli, seul.ID, []segur.Role{segur.RoleInstructeur})
		assertCode(t, err, segur.EINVALID)
		// A disabled administrator does not count.
		autre := agent(t, db, "autre@asp.example", segur.RoleAdmin)
		if _, err := db.DesactiverUtilisateur(cli, autre.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.ChangeRolesUtilisateur(cli, seul.ID, []segur.Role{segur.RoleInstructeur})
		assertCode(t, err, segur.EINVALID)
		if u, _ := db.FindUtilisateurByID(t.Context(), seul.ID); !u.Actif() || !u.A(segur.RoleAdmin) {
			t.Fatalf("the last administrator lost his role or his access: %+v", u)
		}
		// Oneself: neither disabled nor stripped of the admin role.
		moi := segur.WithActeur(t.Context(), segur.Acteur{Login: "seul@asp.example", Adresse: "192.0.2.1"})
		if _, err := db.ReactiverUtilisateur(cli, autre.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.DesactiverUtilisateur(moi, seul.ID)
		assertCode(t, err, segur.EFORBIDDEN)
		_, err = db.ChangeRolesUtilisateur(moi, seul.ID, []segur.Role{segur.RoleInstructeur})
		assertCode(t, err, segur.EINVALID)
		// Another administrator may, now that there are two.
		u, err := db.ChangeRolesUtilisateur(cli, seul.ID, []segur.Role{segur.RolePayeur, segur.RoleInstructeur})
		if err != nil || u.RolesTexte() != "instructeur, payeur" {
			t.Fatalf("got %+v, %v; want instructeur, payeur", u, err)
		}
		if got, _ := db.FindUtilisateurByID(t.Context(), seul.ID); got.RolesTexte() != "instructeur, payeur" {
			t.Errorf("stored: got %s", got.RolesTexte())
		}
		evs, _ := db.FindEvenements(t.Context(), "utilisateur:seul@asp.example")
		e := evs[len(evs)-1]
		if avant, apres := avantApres(t, e); e.Action != "utilisateur.roles" || e.Acteur.Login != "cli" ||
			!reflect.DeepEqual(avant["roles"], []any{"instructeur", "admin"}) || !reflect.DeepEqual(apres["roles"], []any{"instructeur", "payeur"}) {
			t.Errorf("audit: got %s %s", e.Action, e.Details)
		}
		// Now autre is the last one.
		_, err = db.DesactiverUtilisateur(cli, autre.ID)
		assertCode(t, err, segur.EFORBIDDEN)
	})

	t.Run("password reset", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		u := agent(t, db, "paul@asp.example", segur.RoleInstructeur)
		createSession(t, db, ctx, newSession(u.ID, "p1"))
		d := demandeLien("ignoré", "jeton de paul", segur.LienReinitialisation)
		v, err := db.ReinitialiserMotDePasse(ctx, u.ID, d)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindUtilisateurByID(ctx, u.ID); got.MotDePasse != "" || v.MotDePasse != "" {
			t.Error("the password in use was kept")
		}
		// Told apart from an account never activated: no invitation.
		if got, _ := db.FindUtilisateurByID(ctx, u.ID); !got.ReinitialiseLe.Equal(testNow().Truncate(time.Microsecond)) || !v.ReinitialiseLe.Equal(got.ReinitialiseLe) {
			t.Errorf("reset at %v (returned %v), want %v", got.ReinitialiseLe, v.ReinitialiseLe, testNow())
		}
		_, err = db.CreateInvitation(ctx, demandeLien("paul@asp.example", "invitation", segur.LienActivation))
		assertCode(t, err, segur.ECONFLICT)
		assertGone(t, db, ctx, "p1", "session inconnue")
		if n := nombreLiens(t, db, empreinte("jeton de paul")); n != 1 {
			t.Errorf("got %d links, want 1", n)
		}
		cs := courrielsTotal(t, db)
		if len(cs) != 1 || cs[0].A[0] != "paul@asp.example" || cs[0].Sujet != "[Ségur numérique] Votre mot de passe a été réinitialisé" {
			t.Fatalf("mails: got %+v", cs)
		}
		evs := assertEvents(t, db, "utilisateur:paul@asp.example", "utilisateur.creer", "session.ouvrir", "utilisateur.reinitialiser", "utilisateur.lien")
		if avant, apres := avantApres(t, evs[2]); avant["mot_de_passe"] != true || apres["mot_de_passe"] != false {
			t.Errorf("audit: got avant %v, apres %v", avant, apres)
		}
		// The link sets a new password, once.
		if _, err := db.UseLienCompte(ctx, empreinte("jeton de paul"), "$argon2id$nouveau"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindUtilisateurByID(ctx, u.ID); !got.ReinitialiseLe.IsZero() {
			t.Errorf("new password chosen, still reset at %v", got.ReinitialiseLe)
		}
		// A disabled user is not reset, and gets no « mot de passe oublié ».
		if _, err := db.DesactiverUtilisateur(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.ReinitialiserMotDePasse(ctx, u.ID, demandeLien("", "autre", segur.LienReinitialisation))
		assertCode(t, err, segur.ECONFLICT)
		if _, err := db.CreateDemandeReinitialisation(ctx, demandeLien("paul@asp.example", "oubli", segur.LienReinitialisation), testNow()); err != nil {
			t.Fatal(err)
		}
		if n := len(courrielsTotal(t, db)); n != 1 {
			t.Errorf("disabled user: got %d mails, want the first only", n)
		}
	})

	t.Run("vendor suspended, contact changed", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		g, err := db.SuspendreFournisseur(ctx, f.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		assertStamp(t, "SuspenduLe", g.SuspenduLe)
		if got, _ := db.FindFournisseurByID(ctx, f.ID); !reflect.DeepEqual(got, g) {
			t.Errorf("got %+v, want %+v", got, g)
		}
		_, err = db.SuspendreFournisseur(ctx, f.ID, true)
		assertCode(t, err, segur.ECONFLICT)
		// The deposit's transaction reads the suspension.
		err = db.WithDepotTx(ctx, f.ID, func(ctx context.Context, tx segur.DepotTx) error {
			quand, err := tx.SuspenduLe(ctx, f.ID)
			if err == nil && !quand.Equal(stored) {
				t.Errorf("SuspenduLe: got %v, want %v", quand, stored)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SuspendreFournisseur(ctx, f.ID, false); err != nil {
			t.Fatal(err)
		}
		_, err = db.SuspendreFournisseur(ctx, f.ID, false)
		assertCode(t, err, segur.ECONFLICT)

		_, err = db.ChangeEmailFournisseur(ctx, f.ID, "pas une adresse")
		assertCode(t, err, segur.EINVALID)
		_, err = db.ChangeEmailFournisseur(ctx, 999, "a@b.fr")
		assertCode(t, err, segur.ENOTFOUND)
		if _, err := db.ChangeEmailFournisseur(ctx, f.ID, " compta@editeur.example "); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindFournisseurByID(ctx, f.ID); got.Email != "compta@editeur.example" || got.Suspendu() {
			t.Errorf("got %+v", got)
		}
		evs := assertEvents(t, db, "fournisseur:88558855858745", "fournisseur.creer", "fournisseur.suspendre", "fournisseur.retablir", "fournisseur.email")
		for i, want := range []struct{ avant, apres any }{{false, true}, {true, false}} {
			if avant, apres := avantApres(t, evs[i+1]); avant["suspendu"] != want.avant || apres["suspendu"] != want.apres {
				t.Errorf("%s: got avant %v, apres %v", evs[i+1].Action, avant, apres)
			}
		}
		if avant, apres := avantApres(t, evs[3]); avant["email"] != "contact@editeur.example" || apres["email"] != "compta@editeur.example" {
			t.Errorf("email: got avant %v, apres %v", avant, apres)
		}
	})

	t.Run("campaign window ended earlier or later", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		paris, _ := time.LoadLocation("Europe/Paris")
		f := &segur.Fenetre{Logiciel: hop.LogicielRI, Type: segur.TypeAvance, Debut: stored.Add(-time.Hour), Fin: stored.Add(24 * time.Hour)}
		if err := db.CreateFenetre(ctx, f); err != nil {
			t.Fatal(err)
		}
		_, _, err := db.ChangeFinFenetre(ctx, f.ID, stored.Add(-time.Minute), paris)
		assertCode(t, err, segur.EINVALID)
		_, _, err = db.ChangeFinFenetre(ctx, 999, stored.Add(time.Hour), paris)
		assertCode(t, err, segur.ENOTFOUND)
		avant, apres, err := db.ChangeFinFenetre(ctx, f.ID, stored.Add(48*time.Hour), paris)
		if err != nil || !avant.Fin.Equal(f.Fin) || !apres.Fin.Equal(stored.Add(48*time.Hour)) {
			t.Fatalf("later: got %+v → %+v, %v", avant, apres, err)
		}
		_, apres, err = db.ChangeFinFenetre(ctx, f.ID, time.Time{}, paris)
		if err != nil || !apres.Fin.Equal(stored) {
			t.Fatalf("close now: got %+v, %v; want the end now", apres, err)
		}
		if got, _ := db.FindFenetreByID(ctx, f.ID); !got.Fin.Equal(stored) {
			t.Errorf("stored: got %v", got.Fin)
		}
		if err := segur.DepotOuvert([]segur.Fenetre{*apres}, hop.LogicielRI, segur.TypeAvance, stored, paris); !segur.IsCode(err, segur.EFORBIDDEN) {
			t.Errorf("deposit after closing: got %v, want EFORBIDDEN", err)
		}
		// Closed: no more changes.
		_, _, err = db.ChangeFinFenetre(ctx, f.ID, stored.Add(time.Hour), paris)
		assertCode(t, err, segur.EINVALID)
		evs := assertEvents(t, db, "fenetre:"+itoaID(int64(f.ID)), "fenetre.creer", "fenetre.modifier", "fenetre.fermer")
		if a, b := avantApres(t, evs[2]); a["fin"] == b["fin"] {
			t.Errorf("close: got avant %v, apres %v", a, b)
		}
		// Opened, then closed: never cancelled.
		_, err = db.AnnulerFenetre(ctx, f.ID, paris)
		assertCode(t, err, segur.EINVALID)
	})

	t.Run("campaign window to come cancelled", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		paris, _ := time.LoadLocation("Europe/Paris")
		ouverte := &segur.Fenetre{Logiciel: hop.LogicielDPI, Type: segur.TypeAvance, Debut: stored.Add(-time.Hour), Fin: stored.Add(24 * time.Hour)}
		avenir := &segur.Fenetre{Logiciel: hop.LogicielRI, Type: segur.TypeSolde, Debut: stored.Add(time.Hour), Fin: stored.Add(48 * time.Hour)}
		for _, f := range []*segur.Fenetre{ouverte, avenir} {
			if err := db.CreateFenetre(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		// The only RI solde window, to come: such deposits wait for it.
		fs, _ := db.FindFenetres(ctx)
		if err := segur.DepotOuvert(fs, hop.LogicielRI, segur.TypeSolde, stored, paris); !segur.IsCode(err, segur.EFORBIDDEN) {
			t.Fatalf("before the cancel: got %v, want EFORBIDDEN", err)
		}
		_, err := db.AnnulerFenetre(ctx, ouverte.ID, paris)
		assertCode(t, err, segur.EINVALID)
		_, err = db.AnnulerFenetre(ctx, 999, paris)
		assertCode(t, err, segur.ENOTFOUND)
		avant, err := db.AnnulerFenetre(ctx, avenir.ID, paris)
		if err != nil || !avant.Debut.Equal(avenir.Debut) || !avant.Fin.Equal(avenir.Fin) {
			t.Fatalf("cancel: got %+v, %v", avant, err)
		}
		_, err = db.FindFenetreByID(ctx, avenir.ID)
		assertCode(t, err, segur.ENOTFOUND)
		fs, _ = db.FindFenetres(ctx)
		if len(fs) != 1 || fs[0].ID != ouverte.ID {
			t.Errorf("windows after the cancel: got %+v, want the open one only", fs)
		}
		// No window of the type any more: its deposits are open again.
		if err := segur.DepotOuvert(fs, hop.LogicielRI, segur.TypeSolde, stored, paris); err != nil {
			t.Errorf("after the cancel: got %v, want open", err)
		}
		_, err = db.AnnulerFenetre(ctx, avenir.ID, paris)
		assertCode(t, err, segur.ENOTFOUND)
		evs := assertEvents(t, db, "fenetre:"+itoaID(int64(avenir.ID)), "fenetre.creer", "fenetre.annuler")
		var d struct{ Avant, Apres map[string]any }
		if err := json.Unmarshal([]byte(evs[1].Details), &d); err != nil || d.Avant["debut"] == nil || d.Avant["fin"] == nil || d.Apres != nil {
			t.Errorf("audit: got %s (%v), want the dates before and none after", evs[1].Details, err)
		}
	})
}

func itoaID(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
