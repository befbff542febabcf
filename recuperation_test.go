package segur

import (
	"strings"
	"testing"
)

func TestSansJeton(t *testing.T) {
	for _, tc := range []struct{ corps, want string }{
		{"rien\n", "rien\n"},
		{"lien :\nhttps://p.example/motdepasse/nouveau?jeton=AbC-_9\nfin\n", "lien :\nhttps://p.example/motdepasse/nouveau?jeton=(effacé après l'envoi)\nfin\n"},
		{"/motdepasse/nouveau?jeton=a /motdepasse/nouveau?jeton=b.", "/motdepasse/nouveau?jeton=(effacé après l'envoi) /motdepasse/nouveau?jeton=(effacé après l'envoi)."},
		{"/motdepasse/nouveau?jeton=", "/motdepasse/nouveau?jeton=(effacé après l'envoi)"},
	} {
		if got := SansJeton(tc.corps); got != tc.want {
			t.Errorf("SansJeton(%q): got %q, want %q", tc.corps, got, tc.want)
		}
	}
}

func TestDemandeLienCourriel(t *testing.T) {
	d := DemandeLien{Login: "paul@asp.example", Objet: LienActivation, Empreinte: make([]byte, 32),
		URL: LienMotDePasse("https://p.example/", "JETON"), Connexion: "https://p.example/connexion"}
	agent := &Utilisateur{Login: "paul@asp.example", Nom: "Paul", Roles: []Role{RoleInstructeur}}
	vendeur := &Utilisateur{Login: "lea@editeur.example", Nom: "Léa", Roles: []Role{RoleFournisseur}, FournisseurID: 1}
	if err := d.Valider(); err != nil {
		t.Fatalf("Valider: %v", err)
	}
	c := d.Courriel(agent)
	if err := c.Valider(); err != nil || c.Sujet != "[Ségur numérique] Activez votre compte" || c.A[0] != agent.Login ||
		!strings.Contains(c.Corps, "valable 7 jours et une seule fois :\nhttps://p.example/motdepasse/nouveau?jeton=JETON\n") {
		t.Errorf("activation: got %v, %+v", err, c)
	}
	d.AgentsProConnect = true
	if c := d.Courriel(agent); strings.Contains(c.Corps, "JETON") || !strings.Contains(c.Corps, "https://p.example/connexion") {
		t.Errorf("an agent through ProConnect got a link:\n%s", c.Corps)
	}
	d.Objet, d.Adresse = LienReinitialisation, "192.0.2.1"
	c = d.Courriel(vendeur)
	if err := c.Valider(); err != nil || c.Sujet != "[Ségur numérique] Réinitialisation de votre mot de passe" ||
		!strings.Contains(c.Corps, "valable une heure et une seule fois :\nhttps://p.example/motdepasse/nouveau?jeton=JETON\n") ||
		!strings.Contains(c.Corps, "votre mot de passe actuel reste valable") {
		t.Errorf("reset: got %v, %+v", err, c)
	}
	for _, bad := range []DemandeLien{{Objet: "autre", Empreinte: make([]byte, 32), URL: "u", Connexion: "c"},
		{Objet: LienActivation, Empreinte: make([]byte, 31), URL: "u", Connexion: "c"},
		{Objet: LienReinitialisation, Empreinte: make([]byte, 32), URL: "u", Connexion: "c", Login: "x@y.fr"}} {
		if err := bad.Valider(); !IsCode(err, EINVALID) {
			t.Errorf("Valider(%+v): got %v, want EINVALID", bad, err)
		}
	}
}
