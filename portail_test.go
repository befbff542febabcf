package segur

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/hop"
)

func TestFournisseurValider(t *testing.T) {
	ok := Fournisseur{SIRET: "35600000000048", Nom: "La Poste", Email: "contact@laposte.fr", IBAN: "FR76 3000 6000 0112 3456 7890 189", BIC: "agrifrpp"}
	cases := []struct {
		name  string
		mut   func(*Fournisseur)
		force bool
		want  string // part of the message, "" when valid
	}{
		{name: "valide", mut: func(*Fournisseur) {}},
		{name: "sans banque", mut: func(f *Fournisseur) { f.IBAN, f.BIC = "", "" }},
		{name: "SIRET de test refusé", mut: func(f *Fournisseur) { f.SIRET = "88558855858745" }, want: "--force"},
		{name: "SIRET de test forcé", mut: func(f *Fournisseur) { f.SIRET = "88558855858745" }, force: true},
		{name: "SIRET court", mut: func(f *Fournisseur) { f.SIRET = "1234" }, force: true, want: "14 chiffres"},
		{name: "sans nom", mut: func(f *Fournisseur) { f.Nom = " " }, want: "raison sociale"},
		{name: "e-mail", mut: func(f *Fournisseur) { f.Email = "Jean <j@x.fr>" }, want: "e-mail"},
		{name: "IBAN sans BIC", mut: func(f *Fournisseur) { f.BIC = "" }, want: "ensemble"},
		{name: "IBAN faux", mut: func(f *Fournisseur) { f.IBAN = "FR7630006000011234567890188" }, want: "IBAN"},
		{name: "BIC faux", mut: func(f *Fournisseur) { f.BIC = "AGRI" }, want: "BIC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := ok
			c.mut(&f)
			err := f.Valider(c.force)
			if c.want == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				if f.IBAN != "" && f.IBAN != "FR7630006000011234567890189" || f.BIC != "" && f.BIC != "AGRIFRPP" {
					t.Errorf("got IBAN %q BIC %q, want them normalised", f.IBAN, f.BIC)
				}
				return
			}
			var se *Error
			if !errors.As(err, &se) || se.Code != EINVALID || !strings.Contains(se.Message, c.want) {
				t.Errorf("got %v, want an invalid error saying %q", err, c.want)
			}
		})
	}
}

func TestProduitValider(t *testing.T) {
	for _, c := range []struct {
		p    Produit
		want bool
	}{
		{Produit{NumeroAns: "1234567890", Logiciel: hop.LogicielRI, Nom: "RI Beau"}, true},
		{Produit{NumeroAns: "12345678", Logiciel: hop.LogicielRI, Nom: "RI Beau"}, false},
		{Produit{NumeroAns: "1234567890", Logiciel: "XX", Nom: "RI Beau"}, false},
		{Produit{NumeroAns: "1234567890", Logiciel: hop.LogicielPFI, Nom: ""}, false},
	} {
		if err := c.p.Valider(); (err == nil) != c.want {
			t.Errorf("%+v: got %v, want valid=%v", c.p, err, c.want)
		}
	}
}

func TestDepotOuvert(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	at := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
		if err != nil {
			panic(err)
		}
		return t
	}
	fen := []Fenetre{
		{Logiciel: hop.LogicielRI, Type: TypeAvance, Debut: at("2026-12-01 14:00"), Fin: at("2027-03-31 12:00")},
		{Logiciel: hop.LogicielRI, Type: TypeAvance, Debut: at("2027-06-01 09:00"), Fin: at("2027-06-30 18:00")},
	}
	cases := []struct {
		name string
		l    hop.Logiciel
		when string
		want string // "" when open
	}{
		{"ouverte", hop.LogicielRI, "2027-01-15 10:00", ""},
		{"à l'ouverture", hop.LogicielRI, "2026-12-01 14:00", ""},
		{"à la fermeture", hop.LogicielRI, "2027-03-31 12:00", "01/06/2027 à 09:00"},
		{"avant", hop.LogicielRI, "2026-11-30 23:59", "01/12/2026 à 14:00"},
		{"après tout", hop.LogicielRI, "2027-07-01 00:00", "a fermé le 30/06/2027 à 18:00"},
		{"pas de campagne pour DPI", hop.LogicielDPI, "2020-01-01 00:00", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := DepotOuvert(fen, c.l, TypeAvance, at(c.when), paris)
			if c.want == "" {
				if err != nil {
					t.Errorf("got %v, want open", err)
				}
				return
			}
			var se *Error
			if !errors.As(err, &se) || !strings.Contains(se.Message, c.want) || se.Code != EFORBIDDEN {
				t.Errorf("got %v, want a refusal saying %q", err, c.want)
			}
		})
	}
}

// TestJetonExpiration: a token opens the API for a year after its creation
// or renewal; expired, it is refused with its date in Paris time and how to
// renew it; its use is written once a minute at most.
func TestJetonExpiration(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	cree := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	j := Jeton{Prefixe: "sgr_AbCdEf", CreeLe: cree, ExpireLe: ExpirationJeton(cree)}
	if want := time.Date(2027, 11, 25, 9, 0, 0, 0, time.UTC); !j.ExpireLe.Equal(want) {
		t.Errorf("ExpirationJeton: got %v, want %v", j.ExpireLe, want)
	}
	for _, tt := range []struct {
		name string
		now  time.Time
		want string // "" if authorised
	}{
		{"the day after its creation", cree.AddDate(0, 0, 1), ""},
		{"a second before its expiry", j.ExpireLe.Add(-time.Second), ""},
		{"at its expiry", j.ExpireLe, "jeton d'API sgr_AbCdEf… expiré le 25/11/2027 à 10:00 (heure de Paris) : renouvelez-le pour un an dans votre espace fournisseur, page « Mon compte », bouton « Renouveler », puis réessayez"},
		{"two years on", cree.AddDate(2, 0, 0), "expiré le 25/11/2027 à 10:00"},
	} {
		err := j.Autoriser(tt.now, paris)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: got %v, want authorised", tt.name, err)
		case tt.want != "" && (!IsCode(err, EUNAUTHORIZED) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: got %v, want EUNAUTHORIZED %q", tt.name, err, tt.want)
		}
	}
	// Renewed after its expiry: a year from the renewal.
	renouvele := cree.AddDate(2, 0, 0)
	if err := j.Renouveler(renouvele); err != nil || !j.ExpireLe.Equal(renouvele.AddDate(1, 0, 0)) || j.Autoriser(renouvele, paris) != nil {
		t.Errorf("renewed: %v, expires %v; want authorised until %v", err, j.ExpireLe, renouvele.AddDate(1, 0, 0))
	}
	// Revoked: refused, and not renewed.
	j.RevoqueLe = renouvele
	if err := j.Autoriser(renouvele, paris); !IsCode(err, EUNAUTHORIZED) || !strings.Contains(err.Error(), "révoqué") {
		t.Errorf("revoked: got %v, want EUNAUTHORIZED « révoqué »", err)
	}
	avant := j.ExpireLe
	if err := j.Renouveler(renouvele.AddDate(0, 6, 0)); !IsCode(err, ECONFLICT) || !j.ExpireLe.Equal(avant) {
		t.Errorf("renewing a revoked token: got %v, expiry %v; want ECONFLICT, %v unchanged", err, j.ExpireLe, avant)
	}

	// Its use: written when none is, or a minute after the last.
	var u Jeton
	if !u.UsageANoter(cree) {
		t.Error("first use: not to write")
	}
	u.DernierUsage = cree
	for d, want := range map[time.Duration]bool{0: false, 59 * time.Second: false, UsageJeton: true, time.Hour: true} {
		if got := u.UsageANoter(cree.Add(d)); got != want {
			t.Errorf("use %v after the last: to write %v, want %v", d, got, want)
		}
	}
}
