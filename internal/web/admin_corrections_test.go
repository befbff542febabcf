package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// exemplesCorrections are the corrections' pages with typed sample data,
// every optional part shown, for TestTemplates.
func exemplesCorrections() map[string]exemple {
	u := &segur.Utilisateur{ID: 1, Login: "marie@asp.fr", Nom: "Marie", Roles: []segur.Role{segur.RoleAdmin}}
	base := func(titre string, erreurs ...ErreurChamp) BaseAdmin {
		return BaseAdmin{Base: Base{Titre: titre, Nav: "admin", Utilisateur: u, Flash: "Fait.", Erreurs: erreurs}, Fil: filAdmin}
	}
	hist := []EvenementAdmin{{"25/11/2026 à 10:00", "marie@asp.fr", "Rôles changés : instructeur → instructeur, payeur"}}
	return map[string]exemple{
		"admin-utilisateur.html": {PageAdminUtilisateur{BaseAdmin: base("Paul", ErreurChamp{"roles", "Cochez un rôle."}),
			Compte: UtilisateurAdmin{ID: 7, Login: "paul@asp.fr", Nom: "Paul", Roles: "instructeur", Cree: "x", Desactive: true, DesactiveLe: "26/11/2026 à 09:00"},
			Agent:  true, Roles: casesRolesAgence([]string{"instructeur"}), Historique: hist},
			"Changer les rôles", []string{`action="/agence/admin/utilisateurs/7/roles"`, `id="roles-erreur"`, `id="role-instructeur" name="roles" value="instructeur" checked`,
				"désactivé le 26/11/2026 à 09:00", `action="/agence/admin/utilisateurs/7/reactiver"`, "Rôles changés : instructeur → instructeur, payeur"}},
		"admin-fenetre.html": {PageAdminFenetre{BaseAdmin: base("Campagne RI, demandes de type avance", ErreurChamp{"fin", "La fermeture est passée."}),
			Fenetre:    FenetreAdmin{ID: 3, Logiciel: "RI", Type: "avance", Debut: "01/12/2026 à 14:00", Fin: "31/03/2027 à 12:00", Etat: "ouverte"},
			Modifiable: true, Ouverte: true, Fin: "2027-03-31T12:00", Historique: hist},
			"Changer la fermeture", []string{`action="/agence/admin/fenetres/3"`, `action="/agence/admin/fenetres/3/fermer"`, `value="2027-03-31T12:00"`, `id="fin-erreur"`}},
	}
}

// routesCorrections are the corrections' routes, for the access tests.
var routesCorrections = []struct{ method, path string }{
	{"GET", "/agence/admin/utilisateurs/1"},
	{"POST", "/agence/admin/utilisateurs/1/roles"},
	{"POST", "/agence/admin/utilisateurs/1/desactiver"},
	{"POST", "/agence/admin/utilisateurs/1/reactiver"},
	{"POST", "/agence/admin/utilisateurs/1/reinitialiser"},
	{"POST", "/agence/admin/fournisseurs/1/email"},
	{"POST", "/agence/admin/fournisseurs/1/suspendre"},
	{"POST", "/agence/admin/fournisseurs/1/retablir"},
	{"GET", "/agence/admin/fenetres/1"},
	{"POST", "/agence/admin/fenetres/1"},
	{"POST", "/agence/admin/fenetres/1/fermer"},
	{"POST", "/agence/admin/fenetres/1/annuler"},
}

// fenetreOuverte opens a window of RI advances, open from an hour ago to
// ten days on.
func fenetreOuverte(t *testing.T, p *portail) *segur.Fenetre {
	t.Helper()
	f := &segur.Fenetre{Logiciel: hop.LogicielRI, Type: segur.TypeAvance, Debut: p.now.Add(-time.Hour), Fin: p.now.Add(10 * 24 * time.Hour)}
	if err := p.db.CreateFenetre(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCorrectionsAcces: an instructor (no role admin) and a vendor posting
// to the corrections get 403, and nothing changes, confirmed or not.
func TestCorrectionsAcces(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	fen := fenetreOuverte(t, p)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	clients := map[string]*http.Client{
		"vendor":     vendeur,
		"instructor": agentClient(t, p, "instructeur@asp.fr", segur.RoleInstructeur),
	}
	jean, err := p.db.FindUtilisateurByLogin(ctx, "jean@lebeaulogiciel.fr")
	if err != nil || jean.ID != 1 {
		t.Fatalf("got %+v, %v; want jean as user 1", jean, err)
	}
	form := url.Values{"confirmer": {"1"}, "roles": {"admin"}, "email": {"pirate@exemple.fr"}, "fin": {p.now.Add(time.Hour).In(time.UTC).Format(datetimeLocal)}}
	for name, c := range clients {
		for _, rt := range routesCorrections {
			var code int
			var body string
			if rt.method == "GET" {
				code, body = L.lire(c.Get(p.srv.URL + rt.path))
			} else {
				code, body = L.lire(c.PostForm(p.srv.URL+rt.path, form))
			}
			if code != http.StatusForbidden || !strings.Contains(body, "réservée aux agents") {
				t.Errorf("%s %s %s: got %d, want 403 « réservée aux agents »", name, rt.method, rt.path, code)
			}
		}
	}
	u, _ := p.db.FindUtilisateurByLogin(ctx, "jean@lebeaulogiciel.fr")
	f, _ := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	g, _ := p.db.FindFenetreByID(ctx, fen.ID)
	if !u.Actif() || u.RolesTexte() != "fournisseur" || u.MotDePasse != jean.MotDePasse || f.Suspendu() || f.Email != "contact@lebeaulogiciel.fr" || !g.Fin.Equal(fen.Fin.Truncate(time.Microsecond)) {
		t.Errorf("a refused POST changed something: user %+v, vendor %+v, window %+v", u, f, g)
	}
	for _, objet := range []string{"utilisateur:jean@lebeaulogiciel.fr", "fournisseur:88558855858745"} {
		evs, _ := p.db.FindEvenements(ctx, objet)
		for _, e := range evs {
			if strings.Contains(e.Action, "desactiver") || strings.Contains(e.Action, "suspendre") || e.Action == "fournisseur.email" || e.Action == "utilisateur.roles" {
				t.Errorf("a refused POST audited %s", e.Action)
			}
		}
	}
}

// correctionDetails reads the before and after of an audit event.
func correctionDetails(t *testing.T, e segur.Evenement) (avant, apres map[string]any) {
	t.Helper()
	var d struct{ Avant, Apres map[string]any }
	if err := json.Unmarshal([]byte(e.Details), &d); err != nil || d.Avant == nil || d.Apres == nil {
		t.Fatalf("event %s: details %s: want avant and apres (%v)", e.Action, e.Details, err)
	}
	return d.Avant, d.Apres
}

// dernierEvenement returns the last event of objet, which must be action.
func dernierEvenement(t *testing.T, p *portail, objet, action string) segur.Evenement {
	t.Helper()
	evs, err := p.db.FindEvenements(context.Background(), objet)
	if err != nil || len(evs) == 0 {
		t.Fatalf("events of %s: %v, %v", objet, evs, err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Action == action {
			return evs[i]
		}
	}
	t.Fatalf("events of %s: no %s", objet, action)
	return segur.Evenement{}
}

// TestAdminDesactiver disables a vendor's user: its open session ends at
// once, it cannot sign in (a clear message with the right password only),
// and re-enabled it signs in again without its old session.
func TestAdminDesactiver(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	admin := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	jean, _ := p.db.FindUtilisateurByLogin(ctx, "jean@lebeaulogiciel.fr")
	page := p.srv.URL + cheminUtilisateur(jean.ID)
	moi, _ := p.db.FindUtilisateurByLogin(ctx, "admin@asp.fr")

	// Oneself: refused, no confirmation, nothing changed.
	code, body := L.lire(admin.PostForm(p.srv.URL+cheminUtilisateur(moi.ID)+"/desactiver", url.Values{"confirmer": {"1"}}))
	if code != http.StatusForbidden || !strings.Contains(body, "Vous ne pouvez pas désactiver votre propre compte") {
		t.Errorf("disabling oneself: got %d\n%s", code, body)
	}
	if u, _ := p.db.FindUtilisateurByID(ctx, moi.ID); !u.Actif() {
		t.Fatal("the admin disabled himself")
	}
	if _, body := L.lire(admin.Get(p.srv.URL + cheminUtilisateur(moi.ID))); strings.Contains(body, "/desactiver") {
		t.Error("own page: want no « Désactiver » button")
	}
	// Unknown user.
	for _, path := range []string{"/agence/admin/utilisateurs/999/desactiver", "/agence/admin/utilisateurs/abc/desactiver"} {
		if code, body := L.lire(admin.PostForm(p.srv.URL+path, url.Values{"confirmer": {"1"}})); code != http.StatusNotFound || !strings.Contains(body, "Ce compte n'existe pas.") {
			t.Errorf("POST %s: got %d, want 404", path, code)
		}
	}

	// Unconfirmed: what will happen, nothing done.
	code, body = L.lire(admin.PostForm(page+"/desactiver", nil))
	if code != http.StatusOK || !strings.Contains(body, "Confirmer : désactiver le compte de Jean Dupont") || !strings.Contains(body, "leur prochaine requête sera refusée") {
		t.Fatalf("unconfirmed: got %d\n%s", code, body)
	}
	if u, _ := p.db.FindUtilisateurByID(ctx, jean.ID); !u.Actif() {
		t.Fatal("unconfirmed: the user is disabled")
	}
	if code, _ := L.lire(vendeur.Get(p.srv.URL + "/depots")); code != http.StatusOK {
		t.Fatalf("vendor before: got %d", code)
	}
	code, body = L.lire(admin.PostForm(page+"/desactiver", url.Values{"confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "Compte de jean@lebeaulogiciel.fr désactivé : ses sessions sont fermées") || !strings.Contains(body, "désactivé le") {
		t.Fatalf("disable: got %d\n%s", code, body)
	}
	// The session ends at once: the next page is the login page.
	if _, body := L.lire(vendeur.Get(p.srv.URL + "/depots")); !strings.Contains(body, "<h1>Connexion</h1>") {
		t.Errorf("old session after disabling: want the login page\n%s", body)
	}
	// The right password: the account is said disabled; a wrong one, and
	// an unknown login, get the usual message and nothing more.
	for _, tc := range []struct {
		login, mdp string
		code       int
		want       string
	}{
		{"jean@lebeaulogiciel.fr", "mot de passe de test", http.StatusForbidden, segur.MsgCompteDesactive},
		{"jean@lebeaulogiciel.fr", "mauvais", http.StatusUnprocessableEntity, "Adresse électronique ou mot de passe incorrect."},
		{"personne@lebeaulogiciel.fr", "mauvais", http.StatusUnprocessableEntity, "Adresse électronique ou mot de passe incorrect."},
	} {
		code, body := L.lire(client(t).PostForm(p.srv.URL+"/connexion", url.Values{"login": {tc.login}, "motdepasse": {tc.mdp}}))
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("login %s/%s: got %d, want %d « %s »", tc.login, tc.mdp, code, tc.code, tc.want)
		}
		if tc.code != http.StatusForbidden && strings.Contains(body, "désactivé") {
			t.Errorf("login %s/%s: the page tells the account is disabled to who lacks its password", tc.login, tc.mdp)
		}
	}
	// Disabled again: a conflict, shown on its page.
	if code, body := L.lire(admin.PostForm(page+"/desactiver", url.Values{"confirmer": {"1"}})); code != http.StatusConflict || !strings.Contains(body, "est déjà désactivé") {
		t.Errorf("disable twice: got %d", code)
	}
	avant, apres := correctionDetails(t, dernierEvenement(t, p, "utilisateur:jean@lebeaulogiciel.fr", "utilisateur.desactiver"))
	if avant["actif"] != true || apres["actif"] != false {
		t.Errorf("audit: got avant %v, apres %v", avant, apres)
	}

	// Re-enabled: the password opens a new session; the old one stays gone.
	if code, body := L.lire(admin.PostForm(page+"/reactiver", nil)); code != http.StatusOK || !strings.Contains(body, "Compte de jean@lebeaulogiciel.fr réactivé") {
		t.Fatalf("enable: got %d\n%s", code, body)
	}
	if _, body := L.lire(vendeur.Get(p.srv.URL + "/depots")); !strings.Contains(body, "<h1>Connexion</h1>") {
		t.Error("old session after re-enabling: want the login page")
	}
	connecter(t, p, client(t), "mot de passe de test")
	if _, body := L.lire(admin.Get(page)); !strings.Contains(body, "Compte réactivé") || !strings.Contains(body, "Compte désactivé : sessions fermées") {
		t.Errorf("history: want the disabling and the re-enabling\n%s", body)
	}
}

// TestAdminRoles changes an agent's roles: they apply at its next page;
// bad input and one's own admin role are refused, nothing changed.
func TestAdminRoles(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	admin := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	paul := agentClient(t, p, "paul@asp.fr", segur.RoleInstructeur)
	u, _ := p.db.FindUtilisateurByLogin(ctx, "paul@asp.fr")
	moi, _ := p.db.FindUtilisateurByLogin(ctx, "admin@asp.fr")
	jean, _ := p.db.FindUtilisateurByLogin(ctx, "jean@lebeaulogiciel.fr")
	roles := func(id segur.UtilisateurID, v url.Values) (int, string) {
		return L.lire(admin.PostForm(p.srv.URL+cheminUtilisateur(id)+"/roles", v))
	}
	if code, _ := L.lire(paul.Get(p.srv.URL + "/agence/paiements")); code != http.StatusForbidden {
		t.Fatalf("instructor before: got %d on the payments, want 403", code)
	}
	for _, tc := range []struct {
		name   string
		id     segur.UtilisateurID
		form   url.Values
		status int
		champs map[string]string
	}{
		{"aucun", u.ID, url.Values{}, 422, map[string]string{"roles": "Cochez un ou plusieurs rôles de l'agence\u202f; pour retirer tout accès, désactivez le compte."}},
		{"inconnu", u.ID, url.Values{"roles": {"chef"}}, 422, map[string]string{"roles": "Rôle « chef » inconnu ; attendu : fournisseur, instructeur, payeur ou admin."}},
		{"fournisseur", u.ID, url.Values{"roles": {"fournisseur"}}, 422, map[string]string{"roles": "Un agent ne devient pas salarié d'un fournisseur : créez un compte de rôle fournisseur."}},
		{"inchangés", u.ID, url.Values{"roles": {"instructeur"}}, 422, map[string]string{"roles": "Ce sont déjà les rôles de paul@asp.fr : rien n'est changé."}},
		{"son propre rôle admin", moi.ID, url.Values{"roles": {"instructeur"}}, 422, map[string]string{"roles": "Vous ne pouvez pas retirer votre propre rôle admin : un autre administrateur le peut."}},
		{"salarié d'un fournisseur", jean.ID, url.Values{"roles": {"instructeur"}}, 422, map[string]string{"roles": "Le compte jean@lebeaulogiciel.fr est celui d'un salarié de fournisseur : son rôle fournisseur ne change pas."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := roles(tc.id, tc.form)
			attendre(t, code, body, tc.status, tc.champs)
		})
	}
	for _, id := range []segur.UtilisateurID{u.ID, moi.ID, jean.ID} {
		v, _ := p.db.FindUtilisateurByID(ctx, id)
		if want := map[segur.UtilisateurID]string{u.ID: "instructeur", moi.ID: "admin", jean.ID: "fournisseur"}[id]; v.RolesTexte() != want {
			t.Errorf("%s: got roles %s after refusals, want %s", v.Login, v.RolesTexte(), want)
		}
	}
	code, body := roles(u.ID, url.Values{"roles": {"payeur", "instructeur"}})
	if code != http.StatusOK || !strings.Contains(body, "Rôles de paul@asp.fr changés : instructeur, payeur (avant : instructeur).") {
		t.Fatalf("change: got %d\n%s", code, body)
	}
	// At once: Paul's next page knows his new role.
	if code, _ := L.lire(paul.Get(p.srv.URL + "/agence/paiements")); code != http.StatusOK {
		t.Errorf("instructor+payer after: got %d on the payments, want 200", code)
	}
	avant, apres := correctionDetails(t, dernierEvenement(t, p, "utilisateur:paul@asp.fr", "utilisateur.roles"))
	if b, _ := json.Marshal([]any{avant["roles"], apres["roles"]}); string(b) != `[["instructeur"],["instructeur","payeur"]]` {
		t.Errorf("audit: got %s", b)
	}
	if e := dernierEvenement(t, p, "utilisateur:paul@asp.fr", "utilisateur.roles"); e.Acteur.Login != "admin@asp.fr" {
		t.Errorf("audit: got actor %s, want admin@asp.fr", e.Acteur.Login)
	}
}

// TestAdminReinitialiser resets an agent's password: the old one stops
// working, its session ends, a mail brings a single-use link.
func TestAdminReinitialiser(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	admin := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	paul := agentClient(t, p, "paul@asp.fr", segur.RoleInstructeur)
	u, _ := p.db.FindUtilisateurByLogin(ctx, "paul@asp.fr")
	page := p.srv.URL + cheminUtilisateur(u.ID)
	code, body := L.lire(admin.PostForm(page+"/reinitialiser", nil))
	if code != http.StatusOK || !strings.Contains(body, "Confirmer : réinitialiser le mot de passe de Agent paul@asp.fr") {
		t.Fatalf("unconfirmed: got %d\n%s", code, body)
	}
	if v, _ := p.db.FindUtilisateurByID(ctx, u.ID); v.MotDePasse != u.MotDePasse || len(courrielsA(t, p, "paul@asp.fr", "[Ségur numérique] Votre mot de passe a été réinitialisé")) != 0 {
		t.Fatal("unconfirmed: the password changed or a mail left")
	}
	code, body = L.lire(admin.PostForm(page+"/reinitialiser", url.Values{"confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "Mot de passe de paul@asp.fr réinitialisé") {
		t.Fatalf("reset: got %d\n%s", code, body)
	}
	if _, body := L.lire(paul.Get(p.srv.URL + "/agence/demandes")); !strings.Contains(body, "<h1>Connexion</h1>") {
		t.Error("session after the reset: want the login page")
	}
	if code, _ := L.lire(client(t).PostForm(p.srv.URL+"/connexion", url.Values{"login": {"paul@asp.fr"}, "motdepasse": {"mot de passe de l'agent"}})); code != http.StatusUnprocessableEntity {
		t.Errorf("old password after the reset: got %d, want 422", code)
	}
	// Reset, the account is not one to activate: no invitation, but the
	// reset link to send again.
	_, body = L.lire(admin.Get(page))
	if !strings.Contains(body, "mot de passe réinitialisé le") || strings.Contains(body, "à activer") ||
		!strings.Contains(body, "Renvoyer le lien de réinitialisation") {
		t.Errorf("page after the reset: want « mot de passe réinitialisé le » and its link to send again\n%s", body)
	}
	_, body = L.lire(admin.Get(p.srv.URL + "/agence/admin/utilisateurs"))
	if i := strings.Index(body, ">paul@asp.fr</a>"); i < 0 || !strings.Contains(body[i:], "mot de passe réinitialisé") ||
		strings.Contains(body[i:min(len(body), i+2000)], "Renvoyer l'invitation<span class=\"fr-sr-only\"> à paul@asp.fr") {
		t.Errorf("users after the reset: want paul's badge and no invitation to send again\n%s", body)
	}
	if code, body := L.lire(admin.PostForm(p.srv.URL+"/agence/admin/utilisateurs/invitation", url.Values{"login": {"paul@asp.fr"}})); code != http.StatusBadRequest ||
		!strings.Contains(body, "son mot de passe a été réinitialisé : renvoyez le lien de réinitialisation") {
		t.Errorf("invitation after the reset: got %d, want 400 and the reset link to send\n%s", code, body)
	}
	code, body = L.lire(admin.PostForm(page+"/reinitialiser", nil))
	if code != http.StatusOK || !strings.Contains(body, "Confirmer : renvoyer le lien de réinitialisation à Agent paul@asp.fr") {
		t.Fatalf("send again, unconfirmed: got %d\n%s", code, body)
	}
	code, body = L.lire(admin.PostForm(page+"/reinitialiser", url.Values{"confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "Nouveau lien de réinitialisation envoyé à paul@asp.fr") {
		t.Fatalf("send again: got %d\n%s", code, body)
	}
	mails := courrielsA(t, p, "paul@asp.fr", "[Ségur numérique] Votre mot de passe a été réinitialisé")
	if len(mails) != 2 {
		t.Fatalf("got %d reset mails, want 2", len(mails))
	}
	var liens []string
	for _, c := range mails {
		if m := lienMotDePasse.FindStringSubmatch(c.Corps); m != nil {
			liens = append(liens, m[1])
		}
	}
	if len(liens) != 2 || liens[0] == liens[1] {
		t.Fatalf("got links %q, want two different ones", liens)
	}
	const mdp = "une nouvelle phrase de Paul"
	// One of the two serves, the other does not: the first no longer
	// works once the second is sent.
	servis := 0
	for _, lien := range liens {
		essai := url.Values{"jeton": {jetonDe(t, lien)}, "nouveau": {mdp}, "confirmation": {mdp}}
		if code, _ := L.lire(client(t).PostForm(p.srv.URL+"/motdepasse/nouveau", essai)); code == http.StatusOK {
			servis++
		}
	}
	if servis != 1 {
		t.Fatalf("%d links served, want 1: the one sent last", servis)
	}
	if _, body := L.lire(admin.Get(page)); !strings.Contains(body, ">actif</p>") || strings.Contains(body, "réinitialisé le") {
		t.Errorf("page after the new password: want « actif »\n%s", body)
	}
	code, body = L.lire(admin.PostForm(page+"/reinitialiser", url.Values{"confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "Mot de passe de paul@asp.fr réinitialisé") {
		t.Fatalf("second reset: got %d\n%s", code, body)
	}
	lien := lienDuCourriel(t, p, "paul@asp.fr", "[Ségur numérique] Votre mot de passe a été réinitialisé")
	for _, c := range courrielsA(t, p, "paul@asp.fr", "[Ségur numérique] Votre mot de passe a été réinitialisé") {
		if m := lienMotDePasse.FindStringSubmatch(c.Corps); m != nil && m[1] != liens[0] && m[1] != liens[1] {
			lien = m[1]
		}
	}
	nouveau := url.Values{"jeton": {jetonDe(t, lien)}, "nouveau": {mdp}, "confirmation": {mdp}}
	if code, _ := L.lire(client(t).PostForm(p.srv.URL+"/motdepasse/nouveau", nouveau)); code != http.StatusOK {
		t.Fatalf("new password: got %d", code)
	}
	if code, _ := L.lire(client(t).PostForm(p.srv.URL+"/motdepasse/nouveau", nouveau)); code == http.StatusOK {
		t.Error("the link served twice")
	}
	if code, _ := L.lire(client(t).PostForm(p.srv.URL+"/connexion", url.Values{"login": {"paul@asp.fr"}, "motdepasse": {mdp}})); code != http.StatusOK {
		t.Errorf("new password: got %d", code)
	}
	avant, apres := correctionDetails(t, dernierEvenement(t, p, "utilisateur:paul@asp.fr", "utilisateur.reinitialiser"))
	if avant["mot_de_passe"] != true || apres["mot_de_passe"] != false {
		t.Errorf("audit: got avant %v, apres %v", avant, apres)
	}
}

// TestAdminFournisseurCorrections suspends a vendor (its deposits refused
// with the message, its pages still readable), re-enables it, and
// changes its contact address.
func TestAdminFournisseurCorrections(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	admin := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	f, _ := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	page := p.srv.URL + cheminFournisseur(int64(f.ID))

	// The contact address: refusals beside the field, nothing changed.
	for _, tc := range []struct {
		name, email, msg string
	}{
		{"vide", " ", "Saisissez la nouvelle adresse électronique de contact."},
		{"invalide", "Jean <j@x.fr>", "Adresse « Jean <j@x.fr> » : attendu une adresse nom@domaine.fr"},
		{"la même", "Contact@LeBeauLogiciel.fr", "C'est déjà l'adresse de contact de Le Beau Logiciel : rien n'est changé."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := L.lire(admin.PostForm(page+"/email", url.Values{"email": {tc.email}}))
			attendre(t, code, body, 422, map[string]string{"email": tc.msg})
		})
	}
	if g, _ := p.db.FindFournisseurByID(ctx, f.ID); g.Email != f.Email {
		t.Fatalf("refused address: got %s", g.Email)
	}
	code, body := L.lire(admin.PostForm(page+"/email", url.Values{"email": {" compta@lebeaulogiciel.fr "}}))
	if code != http.StatusOK || !strings.Contains(body, "Courriel de contact de Le Beau Logiciel changé : compta@lebeaulogiciel.fr (avant : contact@lebeaulogiciel.fr).") ||
		!strings.Contains(body, "Courriel de contact changé : contact@lebeaulogiciel.fr → compta@lebeaulogiciel.fr") {
		t.Fatalf("address: got %d\n%s", code, body)
	}
	avant, apres := correctionDetails(t, dernierEvenement(t, p, "fournisseur:88558855858745", "fournisseur.email"))
	if avant["email"] != "contact@lebeaulogiciel.fr" || apres["email"] != "compta@lebeaulogiciel.fr" {
		t.Errorf("audit: got avant %v, apres %v", avant, apres)
	}

	// Suspended, after its confirmation.
	if code, body := L.lire(admin.PostForm(page+"/suspendre", nil)); code != http.StatusOK || !strings.Contains(body, "Confirmer : suspendre Le Beau Logiciel") {
		t.Fatalf("unconfirmed: got %d\n%s", code, body)
	}
	if g, _ := p.db.FindFournisseurByID(ctx, f.ID); g.Suspendu() {
		t.Fatal("unconfirmed: the vendor is suspended")
	}
	if code, body := L.lire(admin.PostForm(page+"/suspendre", url.Values{"confirmer": {"1"}})); code != http.StatusOK || !strings.Contains(body, "Fournisseur Le Beau Logiciel suspendu") {
		t.Fatalf("suspend: got %d\n%s", code, body)
	}
	code, body = deposerLignes(t, vendeur, p, 1)
	if code != http.StatusForbidden || !strings.Contains(body, "Le compte de Le Beau Logiciel est suspendu") || !strings.Contains(body, "écrivez à") {
		t.Errorf("deposit of a suspended vendor: got %d\n%s", code, body)
	}
	if ds, _, _ := p.db.FindDepots(ctx, f.ID, 0, 0); len(ds) != 0 {
		t.Errorf("deposit of a suspended vendor: %d recorded", len(ds))
	}
	// Its user still reads its pages.
	for _, path := range []string{"/tableau", "/depots", "/demandes", "/compte"} {
		if code, _ := L.lire(vendeur.Get(p.srv.URL + path)); code != http.StatusOK {
			t.Errorf("suspended vendor's %s: got %d, want 200", path, code)
		}
	}
	avant, apres = correctionDetails(t, dernierEvenement(t, p, "fournisseur:88558855858745", "fournisseur.suspendre"))
	if avant["suspendu"] != false || apres["suspendu"] != true {
		t.Errorf("audit: got avant %v, apres %v", avant, apres)
	}
	// Re-enabled: it deposits again.
	if code, body := L.lire(admin.PostForm(page+"/retablir", nil)); code != http.StatusOK || !strings.Contains(body, "Fournisseur Le Beau Logiciel rétabli") {
		t.Fatalf("resume: got %d\n%s", code, body)
	}
	if code, body := deposerLignes(t, vendeur, p, 1); code != http.StatusOK {
		t.Errorf("deposit after resuming: got %d\n%s", code, body)
	}
}

// TestAdminFenetreCorrection moves a window's end later, refuses a past
// one, closes it now, and refuses any change once it is closed.
func TestAdminFenetreCorrection(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	admin := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	fen := fenetreOuverte(t, p)
	page := p.srv.URL + cheminFenetre(fen.ID)
	local := func(t time.Time) string { return t.In(mustParis()).Format(datetimeLocal) }
	for _, tc := range []struct {
		name, fin, msg string
	}{
		{"vide", "", "Saisissez la nouvelle date et l'heure de fermeture (heure de Paris)."},
		{"illisible", "demain", "Date et heure de fermeture illisibles : attendu jj/mm/aaaa et hh:mm."},
		{"passée", local(p.now.Add(-30 * time.Minute)), "est passée : choisissez maintenant ou plus tard."},
		{"avant l'ouverture", local(p.now.Add(-2 * time.Hour)), "est passée"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := L.lire(admin.PostForm(page, url.Values{"fin": {tc.fin}, "confirmer": {"1"}}))
			attendre(t, code, body, 422, map[string]string{"fin": tc.msg})
		})
	}
	if g, _ := p.db.FindFenetreByID(ctx, fen.ID); !g.Fin.Equal(fen.Fin.Truncate(time.Microsecond)) {
		t.Fatalf("refused end: got %v", g.Fin)
	}
	plusTard := p.now.Add(20 * 24 * time.Hour).Truncate(time.Minute)
	code, body := L.lire(admin.PostForm(page, url.Values{"fin": {local(plusTard)}}))
	if code != http.StatusOK || !strings.Contains(body, "Confirmer : changer la fermeture") || !strings.Contains(body, `name="fin" value="`+local(plusTard)+`"`) {
		t.Fatalf("unconfirmed: got %d\n%s", code, body)
	}
	code, body = L.lire(admin.PostForm(page, url.Values{"fin": {local(plusTard)}, "confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "ferme le "+plusTard.In(mustParis()).Format(dateHeure)) {
		t.Fatalf("later end: got %d\n%s", code, body)
	}
	if g, _ := p.db.FindFenetreByID(ctx, fen.ID); !g.Fin.Equal(plusTard) {
		t.Errorf("later end: got %v, want %v", g.Fin, plusTard)
	}
	// Closed now: deposits refused from then on; no more changes.
	code, body = L.lire(admin.PostForm(page+"/fermer", url.Values{"confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "est fermée depuis le") || !strings.Contains(body, "Cette campagne est close") {
		t.Fatalf("close: got %d\n%s", code, body)
	}
	g, _ := p.db.FindFenetreByID(ctx, fen.ID)
	if !g.Fin.Equal(p.now.Truncate(time.Microsecond)) {
		t.Errorf("close: got end %v, want now %v", g.Fin, p.now)
	}
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	if code, body := deposerLignes(t, vendeur, p, 1); code != http.StatusForbidden || !strings.Contains(body, "la campagne a fermé le") {
		t.Errorf("deposit after closing: got %d", code)
	}
	code, body = L.lire(admin.PostForm(page, url.Values{"fin": {local(p.now.Add(time.Hour))}, "confirmer": {"1"}}))
	attendre(t, code, body, 422, map[string]string{"fin": "une campagne close ne se modifie plus"})
	avant, apres := correctionDetails(t, dernierEvenement(t, p, "fenetre:"+itoa(int64(fen.ID)), "fenetre.fermer"))
	if avant["fin"] == apres["fin"] || apres["fin"] == nil {
		t.Errorf("audit: got avant %v, apres %v", avant, apres)
	}
}

// TestAdminFenetreAnnuler cancels a window to come, after its
// confirmation; an open one is refused. With no window of its type left,
// those deposits are open again.
func TestAdminFenetreAnnuler(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	admin := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	avenir := &segur.Fenetre{Logiciel: hop.LogicielRI, Type: segur.TypeAvance, Debut: p.now.Add(24 * time.Hour), Fin: p.now.Add(10 * 24 * time.Hour)}
	if err := p.db.CreateFenetre(ctx, avenir); err != nil {
		t.Fatal(err)
	}
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	if code, body := deposerLignes(t, vendeur, p, 1); code != http.StatusForbidden || !strings.Contains(body, "la prochaine campagne ouvre le") {
		t.Fatalf("deposit before the window: got %d, want 403", code)
	}
	page := p.srv.URL + cheminFenetre(avenir.ID)
	if _, body := L.lire(admin.Get(page)); !strings.Contains(body, `action="/agence/admin/fenetres/`+itoa(int64(avenir.ID))+`/annuler"`) || strings.Contains(body, "Fermer la campagne maintenant") {
		t.Fatalf("page of a window to come: want « Annuler la campagne », not « Fermer »\n%s", body)
	}
	code, body := L.lire(admin.PostForm(page+"/annuler", nil))
	if code != http.StatusOK || !strings.Contains(body, "Confirmer : annuler la campagne RI") || !strings.Contains(body, "aucun dépôt n'y a été fait") {
		t.Fatalf("unconfirmed: got %d\n%s", code, body)
	}
	if _, err := p.db.FindFenetreByID(ctx, avenir.ID); err != nil {
		t.Fatalf("unconfirmed: the window is gone (%v)", err)
	}
	code, body = L.lire(admin.PostForm(page+"/annuler", url.Values{"confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "est annulée.") || !strings.Contains(body, "<h1>Campagnes de dépôt</h1>") {
		t.Fatalf("cancel: got %d\n%s", code, body)
	}
	if _, err := p.db.FindFenetreByID(ctx, avenir.ID); !segur.IsCode(err, segur.ENOTFOUND) {
		t.Errorf("cancelled window: got %v, want it gone", err)
	}
	if code, body := deposerLignes(t, vendeur, p, 1); code != http.StatusOK {
		t.Errorf("deposit after the cancel: got %d\n%s", code, body)
	}
	evs, err := p.db.FindEvenements(ctx, "fenetre:"+itoa(int64(avenir.ID)))
	if err != nil || len(evs) == 0 || evs[len(evs)-1].Action != "fenetre.annuler" || evs[len(evs)-1].Acteur.Login != "admin@asp.fr" {
		t.Errorf("audit: got %+v, %v", evs, err)
	}
	// An open window is not cancelled: the refusal says why.
	ouverte := fenetreOuverte(t, p)
	code, body = L.lire(admin.PostForm(p.srv.URL+cheminFenetre(ouverte.ID)+"/annuler", url.Values{"confirmer": {"1"}}))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "elle ne s'annule plus") {
		t.Errorf("cancel an open window: got %d\n%s", code, body)
	}
	if _, err := p.db.FindFenetreByID(ctx, ouverte.ID); err != nil {
		t.Errorf("open window: %v", err)
	}
}

func mustParis() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return l
}
