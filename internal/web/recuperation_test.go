package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
)

// courrielsA returns the mails of the outbox to a whose subject is sujet,
// newest first.
func courrielsA(t *testing.T, p *portail, a, sujet string) []segur.Courriel {
	t.Helper()
	cs, _, err := p.db.FindCourriels(context.Background(), "", 500, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []segur.Courriel
	for _, c := range cs {
		if len(c.A) == 1 && c.A[0] == a && c.Sujet == sujet {
			out = append(out, c)
		}
	}
	return out
}

var lienMotDePasse = regexp.MustCompile(`https://portail\.example(/motdepasse/nouveau\?jeton=[A-Za-z0-9_-]{43})\n`)

// lienDuCourriel returns the path and query of the link of the newest mail
// to a whose subject is sujet.
func lienDuCourriel(t *testing.T, p *portail, a, sujet string) string {
	t.Helper()
	cs := courrielsA(t, p, a, sujet)
	if len(cs) == 0 {
		t.Fatalf("no mail « %s » to %s in the outbox", sujet, a)
	}
	m := lienMotDePasse.FindStringSubmatch(cs[0].Corps)
	if m == nil {
		t.Fatalf("mail « %s » to %s without a link:\n%s", sujet, a, cs[0].Corps)
	}
	return m[1]
}

// jetonDe is the token of a link's path.
func jetonDe(t *testing.T, lien string) string {
	t.Helper()
	u, err := url.Parse(lien)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("jeton")
}

const sujetReinitialisation = "[Ségur numérique] Réinitialisation de votre mot de passe"

// sansRedirection is a client that stops at a redirection, to read it.
func sansRedirection(t *testing.T) *http.Client {
	c := client(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// TestMotDePasseOublie plays « mot de passe oublié » through the handlers:
// the same answer for a known and an unknown address, the link mailed, the
// password rules, the link used once, replaced by a newer one, expired
// after an hour, and the other sessions closed.
func TestMotDePasseOublie(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	const jean, ancien = "jean@lebeaulogiciel.fr", "mot de passe de test"
	demander := func(login string) (int, string) {
		t.Helper()
		return L.lire(client(t).PostForm(p.srv.URL+"/motdepasse/oublie", url.Values{"login": {login}}))
	}
	connecter := func(c *http.Client, login, mdp string) int {
		t.Helper()
		resp, err := c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {login}, "motdepasse": {mdp}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	if _, body := L.lire(client(t).Get(p.srv.URL + "/connexion")); !strings.Contains(body, "href=\"/motdepasse/oublie\">Mot de passe oublié\u202f?</a>") {
		t.Errorf("login page without « Mot de passe oublié ? »\n%s", body)
	}
	if code, body := L.lire(client(t).Get(p.srv.URL + "/motdepasse/oublie")); code != http.StatusOK || !strings.Contains(body, `action="/motdepasse/oublie"`) {
		t.Fatalf("GET /motdepasse/oublie: got %d\n%s", code, body)
	}
	if code, body := demander("pas-une-adresse"); code != http.StatusUnprocessableEntity || !strings.Contains(body, `<a href="#login">`) || !strings.Contains(body, `id="login-erreur"`) {
		t.Errorf("an invalid address: got %d, want 422 with the field's error\n%s", code, body)
	}

	// A session of Jean's, open before the reset: it ends with it.
	avant := client(t)
	if code := connecter(avant, jean, ancien); code != http.StatusOK {
		t.Fatalf("login: got %d", code)
	}

	// Known and unknown: the same page, but the address echoed.
	code1, connu := demander("Jean@LeBeauLogiciel.fr")
	code2, inconnu := demander("personne@nulle-part.fr")
	if code1 != http.StatusOK || code2 != http.StatusOK || !strings.Contains(connu, msgDemandeLien) {
		t.Fatalf("got %d and %d, want 200 and « %s »\n%s", code1, code2, msgDemandeLien, connu)
	}
	if a, b := strings.ReplaceAll(connu, jean, "X"), strings.ReplaceAll(inconnu, "personne@nulle-part.fr", "X"); a != b {
		t.Errorf("a known and an unknown address get different pages:\n%s\n---\n%s", a, b)
	}
	if n := len(courrielsA(t, p, "personne@nulle-part.fr", sujetReinitialisation)); n != 0 {
		t.Errorf("unknown address: got %d mails, want none", n)
	}
	cs := courrielsA(t, p, jean, sujetReinitialisation)
	if len(cs) != 1 || !strings.Contains(cs[0].Corps, "valable une heure et une seule fois") || !strings.Contains(cs[0].Corps, "votre mot de passe actuel reste valable") {
		t.Fatalf("got %d mails to Jean, want 1 with the link's validity\n%v", len(cs), cs)
	}
	// Audited on the account, as asked from the client's address.
	evs, err := p.db.FindEvenements(context.Background(), "utilisateur:"+jean)
	if err != nil {
		t.Fatal(err)
	}
	if e := evs[len(evs)-1]; e.Action != "utilisateur.lien" || e.Acteur.Login != jean || e.Acteur.Adresse != "127.0.0.1" || strings.Contains(e.Details, "jeton") {
		t.Errorf("audit event of the request: got %+v", e)
	}
	// The request touched nothing: the password still opens the account.
	if code := connecter(client(t), jean, ancien); code != http.StatusOK {
		t.Errorf("login after a reset request: got %d, want 200 (the password in use stays)", code)
	}

	// A newer request replaces the link.
	premier := lienDuCourriel(t, p, jean, sujetReinitialisation)
	demander(jean)
	lien := lienDuCourriel(t, p, jean, sujetReinitialisation)
	if lien == premier {
		t.Fatal("the second request mailed the same link")
	}
	if code, body := L.lire(client(t).Get(p.srv.URL + premier)); code != http.StatusGone || !strings.Contains(body, "Ce lien n'est plus valable") ||
		!strings.Contains(body, `href="/motdepasse/oublie"`) {
		t.Errorf("the replaced link: got %d, want 410 offering a new request\n%s", code, body)
	}

	resp, err := client(t).Get(p.srv.URL + lien)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("the link's page: got %d, Referrer-Policy %q; want 200, no-referrer", resp.StatusCode, resp.Header.Get("Referrer-Policy"))
	}
	jeton := jetonDe(t, lien)
	choisir := func(nouveau, confirmation string) (int, string) {
		t.Helper()
		return L.lire(client(t).PostForm(p.srv.URL+"/motdepasse/nouveau", url.Values{"jeton": {jeton}, "nouveau": {nouveau}, "confirmation": {confirmation}}))
	}
	for _, tc := range []struct {
		name, nouveau, confirmation string
		champs                      map[string]string
	}{
		{"trop court", "court", "court", map[string]string{"nouveau": "Le nouveau mot de passe doit compter 12 caractères au moins."}},
		{"confirmation", "une longue phrase de passe", "une autre phrase", map[string]string{"confirmation": "La confirmation ne correspond pas au nouveau mot de passe."}},
		{"vide", "", "x", map[string]string{"nouveau": "Le nouveau mot de passe doit compter 12 caractères au moins.",
			"confirmation": "La confirmation ne correspond pas au nouveau mot de passe."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := choisir(tc.nouveau, tc.confirmation)
			attendre(t, code, body, http.StatusUnprocessableEntity, tc.champs)
			if !strings.Contains(body, `name="jeton" value="`+jeton+`"`) || !strings.Contains(body, jean) {
				t.Error("the refused form lost its link or its account")
			}
		})
	}

	const nouveau = "une nouvelle phrase de passe"
	c := sansRedirection(t)
	resp, err = c.PostForm(p.srv.URL+"/motdepasse/nouveau", url.Values{"jeton": {jeton}, "nouveau": {nouveau}, "confirmation": {nouveau}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/connexion?motdepasse=choisi" {
		t.Fatalf("new password: got %d to %q, want 303 to the login page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := L.lire(client(t).Get(p.srv.URL + "/connexion?motdepasse=choisi")); !strings.Contains(body, "Nouveau mot de passe enregistré") {
		t.Errorf("login page after the reset: no message\n%s", body)
	}
	// The session opened before is closed; the old password no longer works.
	if _, body := L.lire(avant.Get(p.srv.URL + "/tableau")); !strings.Contains(body, `id="login"`) {
		t.Error("the session opened before the reset still works")
	}
	if code := connecter(client(t), jean, ancien); code != http.StatusUnprocessableEntity {
		t.Errorf("old password: got %d, want 422", code)
	}
	if code := connecter(client(t), jean, nouveau); code != http.StatusOK {
		t.Errorf("new password: got %d, want 200", code)
	}
	// Used once.
	if code, body := choisir("encore une autre phrase", "encore une autre phrase"); code != http.StatusGone || !strings.Contains(body, "Demander un nouveau lien") {
		t.Errorf("the used link: got %d, want 410\n%s", code, body)
	}
	if code, _ := L.lire(client(t).Get(p.srv.URL + "/motdepasse/nouveau?jeton=inconnu")); code != http.StatusGone {
		t.Errorf("an unknown link: got %d, want 410", code)
	}

	// A link expires after an hour.
	demander(jean)
	lien = lienDuCourriel(t, p, jean, sujetReinitialisation)
	p.now = p.now.Add(time.Hour)
	if code, body := L.lire(client(t).Get(p.srv.URL + lien)); code != http.StatusGone || !strings.Contains(body, "Ce lien n'est plus valable") {
		t.Errorf("a link after an hour: got %d, want 410", code)
	}
}

// TestMotDePasseOublieFrein: reset requests are throttled per address
// asked and per client, unknown addresses as known ones; a throttled
// request mails nothing and the password keeps working.
func TestMotDePasseOublieFrein(t *testing.T) {
	L := lecteur{t}
	demander := func(p *portail, login string) (int, string, string) {
		t.Helper()
		resp, err := client(t).PostForm(p.srv.URL+"/motdepasse/oublie", url.Values{"login": {login}})
		code, body := L.lire(resp, err)
		return code, body, resp.Header.Get("Retry-After")
	}
	t.Run("par adresse demandée", func(t *testing.T) {
		p := newPortail(t)
		for _, login := range []string{"jean@lebeaulogiciel.fr", "personne@nulle-part.fr"} {
			for i := range segur.LimiteReinitialisationLogin.Max {
				if code, _, _ := demander(p, login); code != http.StatusOK {
					t.Fatalf("%s, request %d: got %d, want 200", login, i+1, code)
				}
			}
			code, body, apres := demander(p, login)
			if code != http.StatusTooManyRequests || apres != "300" || !strings.Contains(body, "Trop de demandes pour cette adresse ou depuis votre connexion : réessayez dans 5 minutes.") {
				t.Errorf("%s, one request too many: got %d, Retry-After %q, want 429 in 5 minutes\n%s", login, code, apres, body)
			}
		}
		if n := len(courrielsA(t, p, "jean@lebeaulogiciel.fr", sujetReinitialisation)); n != segur.LimiteReinitialisationLogin.Max {
			t.Errorf("got %d mails to Jean, want %d", n, segur.LimiteReinitialisationLogin.Max)
		}
		// Not locked out: the password still opens the account.
		if code, _ := L.lire(client(t).PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"mot de passe de test"}})); code != http.StatusOK {
			t.Errorf("login after the throttled requests: got %d, want 200", code)
		}
		// The window passes.
		p.now = p.now.Add(segur.FenetreEchecs)
		if code, _, _ := demander(p, "jean@lebeaulogiciel.fr"); code != http.StatusOK {
			t.Errorf("after the window: got %d, want 200", code)
		}
	})
	t.Run("par client", func(t *testing.T) {
		p := newPortail(t)
		for i := range segur.LimiteReinitialisationAdresse.Max {
			if code, _, _ := demander(p, "inconnu"+string(rune('a'+i))+"@exemple.fr"); code != http.StatusOK {
				t.Fatalf("request %d: got %d, want 200", i+1, code)
			}
		}
		if code, _, apres := demander(p, "jean@lebeaulogiciel.fr"); code != http.StatusTooManyRequests || apres != "60" {
			t.Errorf("one request too many from the client: got %d, Retry-After %q, want 429, 60", code, apres)
		}
		if n := len(courrielsA(t, p, "jean@lebeaulogiciel.fr", sujetReinitialisation)); n != 0 {
			t.Errorf("got %d mails to Jean, want none", n)
		}
	})
}

// TestMotDePasseOublieProConnect: when agents sign in through ProConnect
// only, an agent's reset request mails how to sign in, and no link; a
// vendor still gets its link.
func TestMotDePasseOublieProConnect(t *testing.T) {
	L := lecteur{t}
	p := newPortailAvec(t, "", func(s *Server) { s.AgentsProConnectSeulement = true })
	agentClient(t, p, "agent@asp.fr", segur.RoleInstructeur)
	for _, login := range []string{"agent@asp.fr", "jean@lebeaulogiciel.fr"} {
		if code, body := L.lire(client(t).PostForm(p.srv.URL+"/motdepasse/oublie", url.Values{"login": {login}})); code != http.StatusOK || !strings.Contains(body, msgDemandeLien) {
			t.Fatalf("%s: got %d\n%s", login, code, body)
		}
	}
	cs := courrielsA(t, p, "agent@asp.fr", sujetReinitialisation)
	if len(cs) != 1 || strings.Contains(cs[0].Corps, "/motdepasse/nouveau") || !strings.Contains(cs[0].Corps, "S'identifier avec ProConnect") ||
		!strings.Contains(cs[0].Corps, "https://portail.example/connexion") {
		t.Errorf("the agent's mail: want ProConnect's way and no link\n%v", cs)
	}
	lienDuCourriel(t, p, "jean@lebeaulogiciel.fr", sujetReinitialisation)
}

// exemplesRecuperation are the sample data of the pages of the links.
func exemplesRecuperation() map[string]exemple {
	return map[string]exemple{
		"motdepasse-oublie.html": {PageMotDePasseOublie{Base: Base{Titre: "Mot de passe oublié", Erreurs: []ErreurChamp{{"login", "Saisissez l'adresse."}}},
			Login: "jean@x.fr", ErreurLogin: "Saisissez l'adresse."},
			"<h1>Mot de passe oublié</h1>", []string{`value="jean@x.fr"`, `href="#login"`, `id="login-erreur"`, "Recevoir un lien"}},
		"motdepasse-nouveau.html": {PageMotDePasseNouveau{Base: Base{Titre: "Activer votre compte", Erreurs: []ErreurChamp{{"nouveau", "Trop court."}}},
			Jeton: "abc", Login: "jean@x.fr", Activation: true, ErreurNouveau: "Trop court."},
			"<h1>Activer votre compte</h1>", []string{`name="jeton" value="abc"`, `href="#nouveau"`, `id="nouveau-erreur"`, "jean@x.fr"}},
	}
}

// TestInviteProConnect: the administration shows « Compte à activer » for
// an account without password, but not for an agent when agents sign in
// through ProConnect only (none has one).
func TestInviteProConnect(t *testing.T) {
	agent := segur.Utilisateur{Login: "agent@asp.fr", Roles: []segur.Role{segur.RoleInstructeur}}
	vendeur := segur.Utilisateur{Login: "lea@editeur.fr", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: 1}
	for _, tc := range []struct {
		seulement          bool
		u                  segur.Utilisateur
		motDePasse, invite bool
	}{
		{false, agent, false, true},
		{false, agent, true, false},
		{true, agent, false, false},
		{true, vendeur, false, true},
		{true, vendeur, true, false},
	} {
		s := &Server{AgentsProConnectSeulement: tc.seulement, Paris: time.UTC}
		if tc.motDePasse {
			tc.u.MotDePasse = "$argon2id$…"
		}
		if got := s.utilisateurAdmin(tc.u, nil).Invite; got != tc.invite {
			t.Errorf("ProConnect only %v, %s, password %v: got Invite %v, want %v", tc.seulement, tc.u.Login, tc.motDePasse, got, tc.invite)
		}
	}
}

// TestCompteSansMotDePasse: an account not yet activated, signed in
// through ProConnect, cannot change a password it does not have: the
// account page says how to choose one.
func TestCompteSansMotDePasse(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	u := &segur.Utilisateur{Login: "agent@asp.fr", Nom: "Agent", Roles: []segur.Role{segur.RoleInstructeur}}
	d := segur.DemandeLien{Login: u.Login, Empreinte: empreinte("x"), URL: "https://portail.example/l", Connexion: "https://portail.example/connexion"}
	if err := p.db.CreateUtilisateurInvite(ctx, u, d); err != nil {
		t.Fatal(err)
	}
	const token = "session-de-l-agent-sans-mot-de-passe"
	if err := p.db.CreateSession(ctx, &segur.Session{Empreinte: empreinte(token), UtilisateurID: u.ID, CSRF: strings.Repeat("c", 43)}); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	base, _ := url.Parse(p.srv.URL)
	c.Jar.SetCookies(base, []*http.Cookie{{Name: cookieSession, Value: token}})
	code, body := L.lire(c.PostForm(p.srv.URL+"/compte/mot-de-passe", url.Values{"actuel": {""}, "nouveau": {"une longue phrase"}, "confirmation": {"une longue phrase"}}))
	attendre(t, code, body, http.StatusUnprocessableEntity, map[string]string{"actuel": "Votre compte n'a pas encore de mot de passe : choisissez-le avec « Mot de passe oublié\u202f? » sur la page de connexion."})
}
