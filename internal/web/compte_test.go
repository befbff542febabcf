package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// exempleCompte is the account page with every part shown: the errors of
// the three fields, a new token, an active token and a revoked one.
func exempleCompte(u *segur.Utilisateur) PageCompte {
	return PageCompte{
		Base: Base{Titre: "Mon compte", Nav: "compte", Utilisateur: u, Erreurs: []ErreurChamp{
			{"actuel", "Mot de passe actuel incorrect."},
			{"nouveau", "Le nouveau mot de passe doit compter 12 caractères au moins."},
			{"confirmation", "La confirmation ne correspond pas au nouveau mot de passe."}}},
		Jetons: []JetonVue{
			{ID: 1, Prefixe: "sgr_AbCdEf", Cree: "25/11/2026 à 10:00", Expire: "25/11/2027 à 10:00", DernierUsage: "jamais"},
			{ID: 2, Prefixe: "sgr_GhIjKl", Cree: "24/11/2026 à 09:00", Expire: "24/11/2027 à 09:00", DernierUsage: "24/11/2026 à 09:05", Revoque: "25/11/2026 à 11:00"},
			{ID: 3, Prefixe: "sgr_MnOpQr", Cree: "20/11/2025 à 08:00", Expire: "20/11/2026 à 08:00", Expiree: true, DernierUsage: "19/11/2026 à 17:45"}},
		NouveauJeton:       "sgr_AbCdEf0123456789abcdefghijklmnopqrstuvwxyzABC",
		ErreurActuel:       "Mot de passe actuel incorrect.",
		ErreurNouveau:      "Le nouveau mot de passe doit compter 12 caractères au moins.",
		ErreurConfirmation: "La confirmation ne correspond pas au nouveau mot de passe.",
		Banque: &BanqueVendeur{IBANFin: "0189", BIC: "AGRIFRPP", Contact: "fraude@asp.example",
			EnAttente: &ChangementVendeur{IBANFin: "7819", BIC: "BNPAFRPP", ProposeLe: "25/11/2026"}},
	}
}

// TestTemplateCompte executes the account page with sample data, for a
// vendor and for an agent, who has no tokens.
func TestTemplateCompte(t *testing.T) {
	s := &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := s.parse(); err != nil {
		t.Fatal(err)
	}
	executer := func(p PageCompte) string {
		t.Helper()
		var buf bytes.Buffer
		if err := s.pages["compte.html"].ExecuteTemplate(&buf, "layout", p); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	p := exempleCompte(&segur.Utilisateur{Login: "jean@x.fr", Nom: "Jean Dupont", Roles: []segur.Role{segur.RoleFournisseur}})
	body := executer(p)
	for _, want := range []string{
		`<html lang="fr"`, `aria-current="page">Mon compte</a>`,
		fmt.Sprintf("%d caractères au moins\u202f;", auth.MinPassword), // the hint says the rule
		`href="#actuel"`, `id="actuel-erreur"`, `aria-describedby="nouveau-erreur"`, `id="confirmation-erreur"`,
		"Copiez ce jeton maintenant : il ne sera plus affiché.",
		"<code>sgr_AbCdEf…</code>", "jamais", "révoqué le 25/11/2026 à 11:00",
		`action="/compte/jetons/1/revoquer"`, `action="/compte/jetons"`,
		`<th scope="col">Expire le</th>`, "25/11/2027 à 10:00", "expiré le 20/11/2026 à 08:00", "19/11/2026 à 17:45",
		`action="/compte/jetons/1/renouveler"`, `action="/compte/jetons/3/renouveler"`, `action="/compte/jetons/3/revoquer"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("vendor's page lacks %q", want)
		}
	}
	if n := strings.Count(body, p.NouveauJeton); n != 1 {
		t.Errorf("new token shown %d times, want 1", n)
	}
	if strings.Contains(body, `action="/compte/jetons/2/revoquer"`) || strings.Contains(body, `action="/compte/jetons/2/renouveler"`) {
		t.Error("a revoked token has a « Révoquer » or « Renouveler » button")
	}

	body = executer(PageCompte{Base: Base{Titre: "Mon compte", Nav: "compte",
		Utilisateur: &segur.Utilisateur{Login: "agent@asp.fr", Nom: "Agent", Roles: []segur.Role{segur.RoleInstructeur}}}})
	if !strings.Contains(body, `action="/compte/mot-de-passe"`) || strings.Contains(body, "Jetons d'API") {
		t.Errorf("agent's page: want the password form and no tokens\n%s", body)
	}
}

// connecter logs c in as the test vendor's user.
func connecter(t *testing.T, p *portail, c *http.Client, motDePasse string) {
	t.Helper()
	code, body := lecteur{t}.lire(c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {motDePasse}}))
	if code != http.StatusOK || !strings.Contains(body, "<h1>Tableau de bord</h1>") {
		t.Fatalf("login: got %d, want the dashboard", code)
	}
}

func TestMotDePasseRefus(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	c := client(t)
	connecter(t, p, c, "mot de passe de test")
	for _, tc := range []struct {
		name, actuel, nouveau, confirmation string
		champ, message                      string
	}{
		{"actuel faux", "mot de passe faux", "un nouveau mot de passe", "un nouveau mot de passe",
			"actuel", "Mot de passe actuel incorrect."},
		{"actuel vide", "", "un nouveau mot de passe", "un nouveau mot de passe",
			"actuel", "Saisissez votre mot de passe actuel."},
		{"trop court", "mot de passe de test", "court", "court",
			"nouveau", fmt.Sprintf("Le nouveau mot de passe doit compter %d caractères au moins.", auth.MinPassword)},
		{"11 caractères", "mot de passe de test", "éééééàààààç", "éééééàààààç",
			"nouveau", fmt.Sprintf("Le nouveau mot de passe doit compter %d caractères au moins.", auth.MinPassword)},
		{"inchangé", "mot de passe de test", "mot de passe de test", "mot de passe de test",
			"nouveau", "Le nouveau mot de passe doit être différent de l'actuel."},
		{"confirmation différente", "mot de passe de test", "un nouveau mot de passe", "un nouveau mot de pass",
			"confirmation", "La confirmation ne correspond pas au nouveau mot de passe."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := L.lire(c.PostForm(p.srv.URL+"/compte/mot-de-passe", url.Values{
				"actuel": {tc.actuel}, "nouveau": {tc.nouveau}, "confirmation": {tc.confirmation}}))
			if code != http.StatusUnprocessableEntity {
				t.Errorf("got %d, want 422", code)
			}
			// Beside the field and in the summary, which links to it.
			if n := strings.Count(body, tc.message); n != 2 {
				t.Errorf("got the message %q %d times, want 2", tc.message, n)
			}
			if !strings.Contains(body, `id="`+tc.champ+`-erreur"`) || !strings.Contains(body, `href="#`+tc.champ+`"`) {
				t.Errorf("no error beside #%s, or no link to it", tc.champ)
			}
			// Passwords are never sent back.
			if tc.actuel != "" && strings.Contains(body, tc.actuel) {
				t.Error("the page holds the password typed")
			}
		})
	}
	// Still logged in, with the same password.
	code, body := L.lire(c.Get(p.srv.URL + "/compte"))
	if code != http.StatusOK || !strings.Contains(body, "<h1>Mon compte</h1>") {
		t.Errorf("after the refusals: got %d, want the account page", code)
	}
}

// TestMotDePasseEssais: wrong current passwords count with failed logins,
// so a stolen session cannot guess the password.
func TestMotDePasseEssais(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	c := client(t)
	connecter(t, p, c, "mot de passe de test")
	changer := func(actuel string) (int, string) {
		return L.lire(c.PostForm(p.srv.URL+"/compte/mot-de-passe", url.Values{
			"actuel": {actuel}, "nouveau": {"un nouveau mot de passe"}, "confirmation": {"un nouveau mot de passe"}}))
	}
	for range segur.MaxEchecsPaire {
		changer("mot de passe faux")
	}
	code, body := changer("mot de passe de test")
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Trop d'essais") {
		t.Errorf("got %d, want 429 « Trop d'essais »", code)
	}
	p.now = p.now.Add(time.Minute)
	code, body = changer("mot de passe de test")
	if code != http.StatusOK || !strings.Contains(body, "Mot de passe changé : reconnectez-vous.") {
		t.Errorf("a minute after: got %d, want the change", code)
	}
}

func TestMotDePasseChange(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	c, autre := client(t), client(t)
	connecter(t, p, c, "mot de passe de test")
	connecter(t, p, autre, "mot de passe de test")

	code, body := L.lire(c.PostForm(p.srv.URL+"/compte/mot-de-passe", url.Values{
		"actuel": {"mot de passe de test"}, "nouveau": {"une phrase de passe neuve"}, "confirmation": {"une phrase de passe neuve"}}))
	if code != http.StatusOK || !strings.Contains(body, "<h1>Connexion</h1>") || !strings.Contains(body, "Mot de passe changé : reconnectez-vous.") {
		t.Fatalf("change: got %d, want the login page with its message\n%s", code, body)
	}
	// Every session is closed: this browser's and the other one's.
	for name, cl := range map[string]*http.Client{"this browser": c, "another browser": autre} {
		if _, body := L.lire(cl.Get(p.srv.URL + "/compte")); !strings.Contains(body, "<h1>Connexion</h1>") {
			t.Errorf("%s: still logged in after the change", name)
		}
	}
	code, body = L.lire(c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"mot de passe de test"}}))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Adresse électronique ou mot de passe incorrect.") {
		t.Errorf("old password: got %d, want 422", code)
	}
	connecter(t, p, c, "une phrase de passe neuve")
	u, err := p.db.FindUtilisateurByLogin(context.Background(), "jean@lebeaulogiciel.fr")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.MotDePasse, "$argon2id$") {
		t.Errorf("got hash %q, want argon2id", u.MotDePasse)
	}
}

var motifJeton = regexp.MustCompile(auth.TokenPrefix + `[A-Za-z0-9_-]{43}`)

func TestJetons(t *testing.T) {
	L := lecteur{t}
	ctx := context.Background()
	p := newPortail(t)
	f, err := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	if err != nil {
		t.Fatal(err)
	}
	c := client(t)

	// Without a session, no token is made.
	code, body := L.lire(c.PostForm(p.srv.URL+"/compte/jetons", nil))
	if !strings.Contains(body, "<h1>Connexion</h1>") {
		t.Errorf("without a session: got %d, want the login page", code)
	}
	if js, _ := p.db.FindJetons(ctx, f.ID); len(js) != 0 {
		t.Fatalf("got %d tokens without a session, want 0", len(js))
	}

	connecter(t, p, c, "mot de passe de test")
	if _, body := L.lire(c.Get(p.srv.URL + "/compte")); !strings.Contains(body, "Aucun jeton pour l'instant.") {
		t.Error("no « Aucun jeton » before the first")
	}

	// Create: the token is on the page, once; the store has its digest.
	code, body = L.lire(c.PostForm(p.srv.URL+"/compte/jetons", nil))
	if code != http.StatusOK || !strings.Contains(body, "Copiez ce jeton maintenant : il ne sera plus affiché.") {
		t.Fatalf("create: got %d, want the page with the new token", code)
	}
	tok := motifJeton.FindString(body)
	if tok == "" {
		t.Fatalf("no token on the page\n%s", body)
	}
	if n := strings.Count(body, tok); n != 1 {
		t.Errorf("token shown %d times, want 1", n)
	}
	j, err := p.db.FindJetonByEmpreinte(ctx, auth.TokenDigest(tok))
	if err != nil {
		t.Fatalf("the token shown is not stored: %v", err)
	}
	if j.FournisseurID != f.ID || j.Prefixe != tok[:len(j.Prefixe)] || !j.RevoqueLe.IsZero() {
		t.Errorf("got %+v, want an active token of vendor %d", j, f.ID)
	}
	prefixe := "<code>" + j.Prefixe + "…</code>"
	if !strings.Contains(body, prefixe) || !strings.Contains(body, "jamais") || !strings.Contains(body, "actif") {
		t.Errorf("the list lacks %s, never used and active", prefixe)
	}

	// Afterwards, the list shows its prefix only, and its last use.
	if err := p.db.TouchJeton(ctx, j.ID, time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	_, body = L.lire(c.Get(p.srv.URL + "/compte"))
	if strings.Contains(body, tok) || !strings.Contains(body, prefixe) {
		t.Errorf("the list shows the token, or not its prefix")
	}
	if !strings.Contains(body, "25/11/2026 à 10:30") { // Paris time
		t.Errorf("no last use « 25/11/2026 à 10:30 »")
	}

	// Revoke: without confirmer=1, the confirmation names the token and
	// says what follows; the token stays active.
	revoquer := fmt.Sprintf("/compte/jetons/%d/revoquer", j.ID)
	paris, _ := time.LoadLocation("Europe/Paris")
	code, body = L.lire(c.PostForm(p.srv.URL+revoquer, nil))
	for _, want := range []string{"Confirmer : révocation du jeton " + j.Prefixe + "…",
		"Le jeton " + j.Prefixe + "…, créé le " + j.CreeLe.In(paris).Format("02/01/2006 à 15:04") + " (dernier usage le 25/11/2026 à 10:30), sera révoqué.",
		"Les logiciels qui l'utilisent seront refusés aussitôt par l'API (réponse 401)", `action="` + revoquer + `"`,
		`<input type="hidden" name="confirmer" value="1">`, `id="confirmer">Confirmer</button>`, `id="confirmation-annuler" href="/compte">Annuler</a>`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("unconfirmed revocation (%d) lacks %q", code, want)
		}
	}
	if j, err := p.db.FindJetonByEmpreinte(ctx, auth.TokenDigest(tok)); err != nil || !j.RevoqueLe.IsZero() {
		t.Errorf("unconfirmed revocation: got %v, %v; want the token active", j, err)
	}
	code, body = L.lire(c.PostForm(p.srv.URL+revoquer, url.Values{"confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "Jeton "+j.Prefixe+"… révoqué") || !strings.Contains(body, "révoqué le ") {
		t.Errorf("revoke: got %d, want the list with the token revoked", code)
	}
	if strings.Contains(body, revoquer) {
		t.Error("a revoked token still has its « Révoquer » button")
	}
	if j, err := p.db.FindJetonByEmpreinte(ctx, auth.TokenDigest(tok)); err != nil || j.RevoqueLe.IsZero() {
		t.Errorf("got %v, %v; want the token revoked", j, err)
	}
	// Revoked already: nothing to confirm.
	if code, body := L.lire(c.PostForm(p.srv.URL+revoquer, nil)); code != http.StatusOK || !strings.Contains(body, "est déjà révoqué depuis le ") ||
		strings.Contains(body, `id="confirmer"`) {
		t.Errorf("revoking a revoked token: got %d, want no « Confirmer »", code)
	}

	// Another vendor's token, an unknown one: not found, and untouched.
	autre := &segur.Fournisseur{SIRET: "73282932000074", Nom: "Autre Éditeur", Email: "contact@autre.fr"}
	if err := p.db.CreateFournisseur(ctx, autre); err != nil {
		t.Fatal(err)
	}
	_, digest, prefix, _ := auth.NewToken()
	sien := &segur.Jeton{FournisseurID: autre.ID, Empreinte: digest, Prefixe: prefix}
	if err := p.db.CreateJeton(ctx, sien); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{fmt.Sprint(sien.ID), "999", "abc", "-1"} {
		code, body := L.lire(c.PostForm(p.srv.URL+"/compte/jetons/"+id+"/revoquer", url.Values{"confirmer": {"1"}}))
		if code != http.StatusNotFound || !strings.Contains(body, "Page introuvable") {
			t.Errorf("revoke %s: got %d, want the 404 page", id, code)
		}
	}
	if j, err := p.db.FindJetonByEmpreinte(ctx, digest); err != nil || !j.RevoqueLe.IsZero() {
		t.Errorf("the other vendor's token: got %v, %v; want it active", j, err)
	}
	if _, body := L.lire(c.Get(p.srv.URL + "/compte")); strings.Contains(body, prefix) {
		t.Error("the list shows another vendor's token")
	}
}

// TestJetonRenouveler: the tokens' page shows each token's expiry and last
// use (Paris time); an expired token says so; « Renouveler » pushes its
// expiry a year from now, audited, the same token; a revoked token or
// another vendor's is not renewed.
func TestJetonRenouveler(t *testing.T) {
	L := lecteur{t}
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	p := newPortail(t)
	f, err := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	format := func(t time.Time) string { return t.In(paris).Format("02/01/2006 à 15:04") }
	// A token made 13 months ago, used a month ago: expired.
	maintenant := p.now
	p.now = maintenant.AddDate(0, -13, 0)
	_, digest, prefix, _ := auth.NewToken()
	vieux := &segur.Jeton{FournisseurID: f.ID, Empreinte: digest, Prefixe: prefix}
	if err := p.db.CreateJeton(ctx, vieux); err != nil {
		t.Fatal(err)
	}
	p.now = maintenant
	usage := time.Date(maintenant.Year(), maintenant.Month(), 1, 16, 45, 0, 0, time.UTC).AddDate(0, -1, 0)
	if err := p.db.TouchJeton(ctx, vieux.ID, usage); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	connecter(t, p, c, "mot de passe de test")
	code, body := L.lire(c.Get(p.srv.URL + "/compte"))
	for _, want := range []string{"<code>" + prefix + "…</code>", "expiré le " + format(vieux.ExpireLe), format(usage), "Un jeton vaut un an",
		`action="/compte/jetons/` + fmt.Sprint(vieux.ID) + `/renouveler"`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("tokens' page (%d) lacks %q", code, want)
		}
	}
	if strings.Contains(body, ">actif<") {
		t.Error("an expired token shown active")
	}

	// Renewed: a year from now, the same token, the flash says until when.
	code, body = L.lire(c.PostForm(p.srv.URL+"/compte/jetons/"+fmt.Sprint(vieux.ID)+"/renouveler", nil))
	j, err := p.db.FindJetonByEmpreinte(ctx, digest)
	if err != nil || !j.ExpireLe.Equal(maintenant.AddDate(1, 0, 0).UTC().Truncate(time.Microsecond)) || j.Expire(maintenant) {
		t.Fatalf("renewed: %+v %v, want an expiry a year from now", j, err)
	}
	if want := "Jeton " + prefix + "… renouvelé : il ouvre l'API jusqu'au " + format(j.ExpireLe) + " (heure de Paris), sans rien changer dans vos logiciels."; code != http.StatusOK ||
		!strings.Contains(body, want) || !strings.Contains(body, ">actif<") || strings.Contains(body, "expiré le") {
		t.Errorf("after renewal: got %d, want the flash %q and the token active", code, want)
	}
	if evs, _ := p.db.FindEvenements(ctx, "jeton:"+prefix); len(evs) != 2 || evs[1].Action != "jeton.renouveler" || evs[1].Acteur.Login != "jean@lebeaulogiciel.fr" {
		t.Errorf("audit of the renewal: %+v", evs)
	}

	// Revoked: not renewed, said on the page; its expiry unchanged.
	if err := p.db.RevokeJeton(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	code, body = L.lire(c.PostForm(p.srv.URL+"/compte/jetons/"+fmt.Sprint(j.ID)+"/renouveler", nil))
	if want := "Le jeton " + prefix + "… est révoqué : il ne se renouvelle pas\u202f; créez-en un autre."; code != http.StatusConflict || !strings.Contains(body, want) {
		t.Errorf("renewing a revoked token: got %d, want 409 %q", code, want)
	}
	// Another vendor's, an unknown one: not found, untouched.
	autre := &segur.Fournisseur{SIRET: "73282932000074", Nom: "Autre Éditeur", Email: "contact@autre.fr"}
	if err := p.db.CreateFournisseur(ctx, autre); err != nil {
		t.Fatal(err)
	}
	_, d2, p2, _ := auth.NewToken()
	sien := &segur.Jeton{FournisseurID: autre.ID, Empreinte: d2, Prefixe: p2}
	if err := p.db.CreateJeton(ctx, sien); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{fmt.Sprint(sien.ID), "999", "abc"} {
		if code, _ := L.lire(c.PostForm(p.srv.URL+"/compte/jetons/"+id+"/renouveler", nil)); code != http.StatusNotFound {
			t.Errorf("renew %s: got %d, want 404", id, code)
		}
	}
	if got, _ := p.db.FindJetonByEmpreinte(ctx, d2); !got.ExpireLe.Equal(sien.ExpireLe) {
		t.Errorf("another vendor's token renewed: %v, want %v", got.ExpireLe, sien.ExpireLe)
	}
}

// TestCompteAgent: an agent's account page lists his own tokens, for the
// agency's read-only API (sga_…): created and shown once, renewed,
// revoked after confirmation; another agent's token is not found.
func TestCompteAgent(t *testing.T) {
	L := lecteur{t}
	ctx := context.Background()
	p := newPortail(t)
	h, _ := auth.HashPassword("mot de passe de l'agent")
	agent := &segur.Utilisateur{Login: "agent@asp.fr", Nom: "Agent", Roles: []segur.Role{segur.RoleInstructeur}, MotDePasse: h}
	if err := p.db.CreateUtilisateur(ctx, agent); err != nil {
		t.Fatal(err)
	}
	autre := &segur.Utilisateur{Login: "autre@asp.fr", Nom: "Autre", Roles: []segur.Role{segur.RolePayeur}, MotDePasse: h}
	if err := p.db.CreateUtilisateur(ctx, autre); err != nil {
		t.Fatal(err)
	}
	if err := p.db.CreateJetonAgent(ctx, &segur.Jeton{UtilisateurID: autre.ID, Empreinte: auth.TokenDigest("sga_autre"), Prefixe: "sga_aut"}); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	L.lire(c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"agent@asp.fr"}, "motdepasse": {"mot de passe de l'agent"}}))
	code, body := L.lire(c.Get(p.srv.URL + "/compte"))
	if code != http.StatusOK || !strings.Contains(body, `action="/compte/mot-de-passe"`) || !strings.Contains(body, "API de l'agence") ||
		!strings.Contains(body, "Aucun jeton pour l'instant.") || strings.Contains(body, "sga_aut") {
		t.Errorf("got %d, want the password form and the agent's tokens, none yet\n%s", code, body)
	}
	code, body = L.lire(c.PostForm(p.srv.URL+"/compte/jetons", nil))
	tok := regexp.MustCompile(`sga_[A-Za-z0-9_-]{43}`).FindString(body)
	if code != http.StatusOK || tok == "" || strings.Count(body, tok) != 1 {
		t.Fatalf("create: got %d and token %q, want it shown once", code, tok)
	}
	j, err := p.db.FindJetonAgentByEmpreinte(ctx, auth.TokenDigest(tok))
	if err != nil || j.UtilisateurID != agent.ID {
		t.Fatalf("the token shown: got %+v, %v; want the agent's", j, err)
	}
	if _, body := L.lire(c.Get(p.srv.URL + "/compte")); strings.Contains(body, tok) || !strings.Contains(body, j.Prefixe+"…") || !strings.Contains(body, "jamais") {
		t.Error("the list shows the token whole, or not its prefix and its use")
	}
	if code, body := L.lire(c.PostForm(fmt.Sprintf("%s/compte/jetons/%d/renouveler", p.srv.URL, j.ID), nil)); code != http.StatusOK || !strings.Contains(body, "renouvelé") {
		t.Errorf("renew: got %d, want the page saying it is renewed", code)
	}
	// Another agent's token is not found, and stays.
	js, _ := p.db.FindJetonsAgent(ctx, autre.ID)
	if code, _ := L.lire(c.PostForm(fmt.Sprintf("%s/compte/jetons/%d/revoquer", p.srv.URL, js[0].ID), url.Values{"confirmer": {"1"}})); code != http.StatusNotFound {
		t.Errorf("revoking another agent's token: got %d, want 404", code)
	}
	revoque := fmt.Sprintf("%s/compte/jetons/%d/revoquer", p.srv.URL, j.ID)
	if code, body := L.lire(c.PostForm(revoque, nil)); code != http.StatusOK || !strings.Contains(body, "sera révoqué") || !strings.Contains(body, "leurs lectures échoueront") {
		t.Errorf("revoke: got %d, want the confirmation first", code)
	}
	if j, _ := p.db.FindJetonAgentByEmpreinte(ctx, auth.TokenDigest(tok)); !j.RevoqueLe.IsZero() {
		t.Fatal("revoked before confirmation")
	}
	L.lire(c.PostForm(revoque, url.Values{"confirmer": {"1"}}))
	if j, _ := p.db.FindJetonAgentByEmpreinte(ctx, auth.TokenDigest(tok)); j.RevoqueLe.IsZero() {
		t.Error("not revoked after confirmation")
	}
	if js, _ := p.db.FindJetonsAgent(ctx, autre.ID); !js[0].RevoqueLe.IsZero() {
		t.Error("another agent's token revoked")
	}
}

// TestParcoursCompte goes through the account page in a real Chromium: a
// wrong current password, a token created then revoked; every page
// checked with axe-core.
func TestParcoursCompte(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	ctx, do, texte := parcours(t)

	do("connexion", chromedp.Navigate(p.srv.URL+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), "jean@lebeaulogiciel.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de test"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("caption")))
	do("mon compte", chromedp.Click(chromedp.CSS(`.fr-nav a[href="/compte"]`)), chromedp.WaitVisible(chromedp.CSS("#actuel")))
	if got := texte("h1"); got != "Mon compte" {
		t.Errorf("got title %q, want « Mon compte »", got)
	}
	segurtest.Screenshot(t, ctx, "01-compte")
	segurtest.Axe(t, ctx)

	do("mot de passe faux",
		chromedp.SendKeys(chromedp.CSS("#actuel"), "mot de passe faux"),
		chromedp.SendKeys(chromedp.CSS("#nouveau"), "une phrase de passe neuve"),
		chromedp.SendKeys(chromedp.CSS("#confirmation"), "une phrase de passe neuve"),
		chromedp.Click(chromedp.CSS(`form[action="/compte/mot-de-passe"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#actuel-erreur")))
	if got := texte("#actuel-erreur"); got != "Mot de passe actuel incorrect." {
		t.Errorf("got %q beside the field", got)
	}
	segurtest.Screenshot(t, ctx, "02-mot-de-passe-faux")
	segurtest.Axe(t, ctx)

	do("créer un jeton", chromedp.Click(chromedp.CSS(`form[action="/compte/jetons"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#nouveau-jeton")))
	tok := texte("#nouveau-jeton")
	if !motifJeton.MatchString(tok) {
		t.Fatalf("got token %q", tok)
	}
	// innerText is as shown: the DSFR writes badges in capitals.
	if got := strings.ToLower(texte("tbody")); !strings.Contains(got, strings.ToLower(tok[:10])+"…") || !strings.Contains(got, "actif") {
		t.Errorf("the list lacks the new token: %q", got)
	}
	segurtest.Screenshot(t, ctx, "03-jeton-cree")
	segurtest.Axe(t, ctx)

	// Revoking asks first, in a dialog that names the token.
	do("révoquer", chromedp.Click(chromedp.CSS(`form[action$="/revoquer"] button`)), chromedp.WaitVisible(chromedp.CSS("dialog #confirmer")))
	if got := texte("dialog"); !strings.Contains(got, "Confirmer : révocation du jeton "+tok[:10]+"…") || !strings.Contains(got, "refusés aussitôt") {
		t.Errorf("the revocation's dialog: %q", got)
	}
	segurtest.Screenshot(t, ctx, "04-jeton-confirmer")
	segurtest.Axe(t, ctx)
	// The revoked badge, not the alert: the token's alert is one too.
	do("confirmer", chromedp.Click(chromedp.CSS("dialog #confirmer")), chromedp.WaitVisible(chromedp.CSS("tbody .fr-badge--error")))
	if got := texte(".fr-alert--success"); got != "Jeton "+tok[:10]+"… révoqué : il n'ouvre plus l'API." {
		t.Errorf("got %q after revoking", got)
	}
	if got := strings.ToLower(texte("tbody")); !strings.Contains(got, "révoqué le") {
		t.Errorf("the list does not show the token revoked: %q", got)
	}
	segurtest.Screenshot(t, ctx, "05-jeton-revoque")
	segurtest.Axe(t, ctx)
}
