package segur

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/hop"
)

func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want time.Duration
	}{
		{-1, time.Minute}, {0, time.Minute}, {1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute},
		{6, 32 * time.Minute}, {7, time.Hour}, {8, time.Hour}, {100, time.Hour}, {1 << 40, time.Hour},
	} {
		if got := Backoff(tt.n); got != tt.want {
			t.Errorf("Backoff(%d): got %v, want %v", tt.n, got, tt.want)
		}
	}
	// Never shorter than the wait before: the delay only grows.
	for n := 1; n < 100; n++ {
		if Backoff(n+1) < Backoff(n) {
			t.Errorf("Backoff(%d) = %v < Backoff(%d) = %v", n+1, Backoff(n+1), n, Backoff(n))
		}
	}
}

func TestParseEtatCourriel(t *testing.T) {
	for _, e := range EtatsCourriel {
		if got, err := ParseEtatCourriel(string(e)); err != nil || got != e {
			t.Errorf("ParseEtatCourriel(%s): got %q, %v; want %q", e, got, err, e)
		}
		if e.Libelle() == string(e) {
			t.Errorf("%s: got no label", e)
		}
	}
	if _, err := ParseEtatCourriel("perdu"); !IsCode(err, EINVALID) {
		t.Errorf("ParseEtatCourriel(perdu): got %v, want EINVALID", err)
	}
}

func TestAdresseCourrielValide(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"contact@lebeaulogiciel.fr", true},
		{"Jean.Dupont+segur@editeur-demo.example", true},
		{"", false},
		{"sans-arobase.fr", false},
		{"a@b@c.fr", false},
		{"a@fr", false},
		{"a@.fr", false},
		{"a@b.fr.", false},
		{"a@b..fr", false},
		{"a b@c.fr", false},
		{"a@c.fr, pirate@x.fr", false},
		{"a@c.fr;pirate@x.fr", false},
		{"a@c.fr\r\nBcc: pirate@x.fr", false},
		{"a@c.fr\nBcc: pirate@x.fr", false},
		{"<a@c.fr>", false},
		{`"a"@c.fr`, false},
		{"élodie@c.fr", false},
		{"a@c.fr\x00", false},
		{strings.Repeat("a", 65) + "@c.fr", false},
	} {
		if got := AdresseCourrielValide(tt.s); got != tt.want {
			t.Errorf("AdresseCourrielValide(%q): got %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestCourrielValider(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	ok := func() Courriel {
		return Courriel{A: []string{"contact@lebeaulogiciel.fr"}, Sujet: "[Ségur numérique] ASP-2026-0000001 : décision de financement",
			Corps: "Madame, Monsieur,\n", Objet: "demande:ASP-2026-0000001", PieceNom: "decision-ASP-2026-0000001.pdf", PieceSHA256: sha}
	}
	c := ok()
	if err := c.Valider(); err != nil {
		t.Fatalf("Valider: got %v, want nil", err)
	}
	for _, tt := range []struct {
		name string
		edit func(c *Courriel)
		msg  string
	}{
		{"no recipient", func(c *Courriel) { c.A = nil }, "aucun destinataire"},
		{"too many recipients", func(c *Courriel) {
			c.A = nil
			for i := range MaxDestinataires + 1 {
				c.A = append(c.A, fmt.Sprintf("a%d@b.fr", i))
			}
		}, "au plus"},
		{"recipient with a header", func(c *Courriel) { c.A = []string{"a@b.fr\r\nBcc: pirate@x.fr"} }, `a@b.fr\r\nBcc: pirate@x.fr`},
		{"subject with CRLF", func(c *Courriel) { c.Sujet = "Décision\r\nBcc: pirate@x.fr" }, "sujet"},
		{"subject with LF", func(c *Courriel) { c.Sujet = "Décision\nX-Spam: non" }, "sujet"},
		{"empty subject", func(c *Courriel) { c.Sujet = "  " }, "sujet"},
		{"long subject", func(c *Courriel) { c.Sujet = strings.Repeat("é", MaxSujet+1) }, "sujet"},
		{"empty body", func(c *Courriel) { c.Corps = "\n" }, "corps"},
		{"body not UTF-8", func(c *Courriel) { c.Corps = "caf\xe9" }, "corps"},
		{"objet with LF", func(c *Courriel) { c.Objet = "demande:x\nBcc: y" }, "objet"},
		{"attachment without its file", func(c *Courriel) { c.PieceSHA256 = "" }, "annoncée sans son fichier"},
		{"file without a name", func(c *Courriel) { c.PieceNom = "" }, "sans nom"},
		{"attachment name with CRLF", func(c *Courriel) { c.PieceNom = "a.pdf\r\nX: y" }, "nom de pièce jointe"},
		{"attachment name with a quote", func(c *Courriel) { c.PieceNom = `a".pdf` }, "nom de pièce jointe"},
		{"attachment name with a path", func(c *Courriel) { c.PieceNom = "../../etc/passwd" }, "nom de pièce jointe"},
		{"digest upper-case", func(c *Courriel) { c.PieceSHA256 = strings.ToUpper(sha) }, "SHA-256"},
		{"digest short", func(c *Courriel) { c.PieceSHA256 = "abcd" }, "SHA-256"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := ok()
			tt.edit(&c)
			err := c.Valider()
			if !IsCode(err, EINVALID) {
				t.Fatalf("got %v, want EINVALID", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %q, want it to contain %q", err, tt.msg)
			}
		})
	}
	c = ok()
	c.PieceNom, c.PieceSHA256 = "", ""
	if err := c.Valider(); err != nil {
		t.Errorf("without attachment: got %v, want nil", err)
	}
}

func TestCourrielDemarche(t *testing.T) {
	d := &Demande{NumeroASP: "ASP-2026-0000001", NumeroAns: "1234567890", Statut: DemandeEnInstruction,
		DonneesDemande: hop.DonneesDemande{NumeroEditeur: "00001"}}
	quand := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	a := []string{" contact@lebeaulogiciel.fr ", "Contact@LeBeauLogiciel.fr", "", "jean@lebeaulogiciel.fr"}
	lien := "https://segur.asp.example/espace/demandes/ASP-2026-0000001"
	for _, tt := range []struct {
		golden string
		c      Changement
		sujet  string
		piece  string
	}{
		{"refusee", Changement{De: DemandeEnInstruction, Vers: DemandeRefusee, Action: ActionRefuser,
			Raison: "L'établissement 999999999 est déjà financé\r\npar la demande ASP-2026-0000042."},
			"[Ségur numérique] ASP-2026-0000001 : refus de votre demande de financement", "refus-ASP-2026-0000001.pdf"},
		{"retiree", Changement{De: DemandeConventionASigner, Vers: DemandeRefusee, Action: ActionRetirer, Raison: "Délai de signature de deux mois dépassé."},
			"[Ségur numérique] ASP-2026-0000001 : retrait de la convention d'attribution", "retrait-ASP-2026-0000001.pdf"},
		{"a_completer", Changement{De: DemandeEnInstruction, Vers: DemandeACompleter, Action: ActionCompleter,
			Raison: "Bon de commande (HOP-RI-Va1-BDC-00001.pdf) : la signature du client manque."},
			"[Ségur numérique] ASP-2026-0000001 : pièce à compléter", ""},
		{"decidee", Changement{De: DemandeEnInstruction, Vers: DemandeDecidee, Action: ActionValider},
			"[Ségur numérique] ASP-2026-0000001 : décision de financement", "decision-ASP-2026-0000001.pdf"},
		{"convention_a_signer", Changement{De: DemandeEnInstruction, Vers: DemandeConventionASigner, Action: ActionValider},
			"[Ségur numérique] ASP-2026-0000001 : convention d'attribution à signer", "convention-ASP-2026-0000001.pdf"},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			tt.c.Par, tt.c.Quand = "instructeur@asp.example", quand
			c, ok := CourrielDemarche(tt.c, d, "Le Beau Logiciel", a, lien)
			if !ok {
				t.Fatal("got no mail, want one")
			}
			if c.Sujet != tt.sujet {
				t.Errorf("Sujet: got %q, want %q", c.Sujet, tt.sujet)
			}
			if c.PieceNom != tt.piece || c.PieceSHA256 != "" {
				t.Errorf("PieceNom, PieceSHA256: got %q, %q; want %q, \"\"", c.PieceNom, c.PieceSHA256, tt.piece)
			}
			if want := []string{"contact@lebeaulogiciel.fr", "jean@lebeaulogiciel.fr"}; strings.Join(c.A, ",") != strings.Join(want, ",") {
				t.Errorf("A: got %q, want %q", c.A, want)
			}
			if c.Objet != "demande:ASP-2026-0000001" || c.ID != 0 || c.Etat != "" {
				t.Errorf("got Objet %q, ID %d, Etat %q; want demande:ASP-2026-0000001, 0, \"\"", c.Objet, c.ID, c.Etat)
			}
			for _, part := range []string{"ASP-2026-0000001", "00001", "Le Beau Logiciel", lien, "L'Agence de services et de paiement"} {
				if !strings.Contains(c.Corps, part) {
					t.Errorf("Corps: want %q in it", part)
				}
			}
			if r := strings.ReplaceAll(tt.c.Raison, "\r\n", "\n"); r != "" && !strings.Contains(c.Corps, strings.ReplaceAll(r, "\n", "\n  ")) {
				t.Errorf("Corps: want the reason %q in it", r)
			}
			if strings.Contains(c.Corps, "\r") {
				t.Error("Corps: got a CR, want lines ending in LF")
			}
			c.PieceSHA256 = strings.Repeat("0", 64)
			if c.PieceNom == "" {
				c.PieceSHA256 = ""
			}
			if err := c.Valider(); err != nil {
				t.Errorf("Valider: %v", err)
			}
			golden(t, "courriel-"+tt.golden+".txt", []byte("Sujet : "+c.Sujet+"\nPièce jointe : "+c.PieceNom+"\n\n"+c.Corps))
		})
	}

	t.Run("without link", func(t *testing.T) {
		c, ok := CourrielDemarche(Changement{Vers: DemandeDecidee, Action: ActionValider}, d, "Le Beau Logiciel", a, "")
		if !ok || strings.Contains(c.Corps, "http") || !strings.Contains(c.Corps, "espace fournisseur.\n") {
			t.Errorf("got %v and body:\n%s\nwant a mail without link", ok, c.Corps)
		}
	})

	t.Run("not mailed", func(t *testing.T) {
		for _, c := range []Changement{
			{De: DemandeDeposee, Vers: DemandeEnInstruction, Action: ActionPrendre},
			{De: DemandeACompleter, Vers: DemandeEnInstruction, Action: ActionComplete},
			{De: DemandeConventionASigner, Vers: DemandeConventionSignee, Action: ActionSigner},
			{De: DemandeRefusee, Vers: DemandeEnInstruction, Action: ActionRouvrir},
		} {
			if m, ok := CourrielDemarche(c, d, "Le Beau Logiciel", a, lien); ok {
				t.Errorf("%s → %s: got a mail %q, want none", c.De, c.Vers, m.Sujet)
			}
		}
	})
}
