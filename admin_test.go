package segur

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/segur-numerique/segur/hop"
)

// champs returns the fields of the refusals of err, in order.
func champs(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var fs Fautes
	if !errors.As(err, &fs) || len(fs) == 0 {
		t.Fatalf("got %T %v, want a Fautes", err, err)
	}
	var se *Error
	if !errors.As(err, &se) || se.Code != EINVALID || se.Message != fs[0].Err.Message {
		t.Errorf("errors.As: got %v, want the first refusal's *Error", se)
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.Champ)
	}
	return out
}

// TestFournisseurVerifier: the field of each refusal of Valider.
func TestFournisseurChamps(t *testing.T) {
	ok := Fournisseur{SIRET: "35600000000048", Nom: "La Poste", Email: "contact@laposte.fr", IBAN: "FR76 3000 6000 0112 3456 7890 189", BIC: "agrifrpp"}
	for _, c := range []struct {
		name  string
		mut   func(*Fournisseur)
		force bool
		want  string
	}{
		{"valide", func(*Fournisseur) {}, false, ""},
		{"SIRET de test", func(f *Fournisseur) { f.SIRET = "88558855858745" }, false, "siret"},
		{"SIRET de test forcé", func(f *Fournisseur) { f.SIRET = "88558855858745" }, true, ""},
		{"SIRET court", func(f *Fournisseur) { f.SIRET = "1234" }, true, "siret"},
		{"sans nom", func(f *Fournisseur) { f.Nom = " " }, false, "nom"},
		{"e-mail", func(f *Fournisseur) { f.Email = "x" }, false, "email"},
		{"BIC sans IBAN", func(f *Fournisseur) { f.IBAN = "" }, false, "iban"},
		{"IBAN sans BIC", func(f *Fournisseur) { f.BIC = "" }, false, "bic"},
		{"IBAN faux", func(f *Fournisseur) { f.IBAN = "FR7630006000011234567890188" }, false, "iban"},
		{"BIC faux", func(f *Fournisseur) { f.BIC = "AGRI" }, false, "bic"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := ok
			c.mut(&f)
			err := f.Valider(c.force)
			if err != nil && !IsCode(err, EINVALID) {
				t.Errorf("got %v, want an EINVALID", err)
			}
			got := champs(t, err)
			if c.want == "" && got != nil || c.want != "" && !reflect.DeepEqual(got, []string{c.want}) {
				t.Errorf("got fields %q, want %q", got, c.want)
			}
		})
	}
}

func TestProduitChamps(t *testing.T) {
	for _, c := range []struct {
		name string
		p    Produit
		want string
	}{
		{"valide", Produit{NumeroAns: " 1234567890 ", Logiciel: hop.LogicielRI, Nom: "RI"}, ""},
		{"court", Produit{NumeroAns: "123", Logiciel: hop.LogicielRI, Nom: "RI"}, "numeroAns"},
		{"logiciel", Produit{NumeroAns: "1234567890", Logiciel: "XYZ", Nom: "RI"}, "logiciel"},
		{"nom", Produit{NumeroAns: "1234567890", Logiciel: hop.LogicielDPI}, "nom"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := champs(t, c.p.Valider())
			if c.want == "" && got != nil || c.want != "" && !reflect.DeepEqual(got, []string{c.want}) {
				t.Errorf("got fields %q, want %q", got, c.want)
			}
		})
	}
}

func TestUtilisateurValider(t *testing.T) {
	agent := []Role{RoleInstructeur, RoleAdmin}
	for _, c := range []struct {
		name string
		u    Utilisateur
		want []string
	}{
		{"agent", Utilisateur{Login: " Marie@ASP.fr ", Nom: " Marie ", Roles: agent}, nil},
		{"fournisseur", Utilisateur{Login: "jean@x.fr", Nom: "Jean", Roles: []Role{RoleFournisseur}, FournisseurID: 1}, nil},
		{"tout faux", Utilisateur{Login: "jean", Nom: " "}, []string{"login", "nom", "roles"}},
		// Logins receive mail: the format's rule accepts these, the outbox's refuses them.
		{"login accentué", Utilisateur{Login: "élodie@x.fr", Nom: "Élodie", Roles: agent}, []string{"login"}},
		{"login à virgule", Utilisateur{Login: "a,b@x.fr", Nom: "A", Roles: agent}, []string{"login"}},
		{"login à deux points", Utilisateur{Login: "jean@x..fr", Nom: "Jean", Roles: agent}, []string{"login"}},
		{"fournisseur sans fournisseur", Utilisateur{Login: "jean@x.fr", Nom: "Jean", Roles: []Role{RoleFournisseur}}, []string{"fournisseur"}},
		{"agent d'un fournisseur", Utilisateur{Login: "jean@x.fr", Nom: "Jean", Roles: agent, FournisseurID: 1}, []string{"fournisseur"}},
		{"cumul", Utilisateur{Login: "jean@x.fr", Nom: "Jean", Roles: []Role{RoleFournisseur, RoleAdmin}, FournisseurID: 1}, []string{"roles"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := c.u
			if got := champs(t, u.Valider()); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got fields %q, want %q", got, c.want)
			}
			if c.want == nil && (u.Login != "marie@asp.fr" && u.Login != "jean@x.fr" || u.Nom != "Marie" && u.Nom != "Jean") {
				t.Errorf("got %q %q, want them normalised", u.Login, u.Nom)
			}
		})
	}
}

func TestFenetreValider(t *testing.T) {
	debut := time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC)
	fin := debut.Add(24 * time.Hour)
	for _, c := range []struct {
		name string
		f    Fenetre
		want []string
	}{
		{"valide", Fenetre{Logiciel: "ri", Type: "Avance", Debut: debut, Fin: fin}, nil},
		{"vide", Fenetre{}, []string{"logiciel", "type", "debut", "fin"}},
		{"à l'envers", Fenetre{Logiciel: hop.LogicielRI, Type: TypeSolde, Debut: fin, Fin: debut}, []string{"fin"}},
		{"d'un instant", Fenetre{Logiciel: hop.LogicielRI, Type: TypeSolde, Debut: debut, Fin: debut}, []string{"fin"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.f
			if got := champs(t, f.Valider()); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got fields %q, want %q", got, c.want)
			}
			if c.want == nil && (f.Logiciel != hop.LogicielRI || f.Type != TypeAvance) {
				t.Errorf("got %q %q, want them normalised", f.Logiciel, f.Type)
			}
		})
	}
	f := Fenetre{Debut: debut, Fin: fin}
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{{debut.Add(-time.Nanosecond), false}, {debut, true}, {fin.Add(-time.Nanosecond), true}, {fin, false}} {
		if got := f.Ouverte(tc.at); got != tc.want {
			t.Errorf("Ouverte(%v): got %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestParseTypeDemande(t *testing.T) {
	for in, want := range map[string]TypeDemande{"avance": TypeAvance, " SOLDE ": TypeSolde} {
		if got, err := ParseTypeDemande(in); err != nil || got != want {
			t.Errorf("ParseTypeDemande(%q): got %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseTypeDemande("acompte"); !IsCode(err, EINVALID) {
		t.Errorf("ParseTypeDemande(acompte): got %v, want EINVALID", err)
	}
}
