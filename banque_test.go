package segur

import (
	"strings"
	"testing"
	"time"
)

const (
	ibanAncien  = "FR7630006000011234567890189"
	ibanNouveau = "FR7630004008230001234567819"
)

func TestValiderCoordonnees(t *testing.T) {
	for _, tt := range []struct {
		name, iban, bic      string
		wantIBAN, wantBIC    string
		wantChamp, wantTexte string
	}{
		{"typed with spaces and lower case", "fr76 3000 4008 2300 0123 4567 819", " bnpa frpp ", ibanNouveau, "BNPAFRPP", "", ""},
		{"a foreign SEPA IBAN", "DE89370400440532013000", "COBADEFFXXX", "DE89370400440532013000", "COBADEFFXXX", "", ""},
		{"IBAN key wrong", "FR7730004008230001234567819", "BNPAFRPP", "", "", "iban", "clé de contrôle"},
		{"RIB key wrong, IBAN key right", "FR4930004008230001234567820", "BNPAFRPP", "", "", "iban", "clé RIB"},
		{"IBAN missing", "", "BNPAFRPP", "", "", "iban", "saisissez le nouvel IBAN"},
		{"BIC of 9 characters", ibanNouveau, "BNPAFRPP1", "", "", "bic", "8 ou 11"},
		{"BIC missing", ibanNouveau, "", "", "", "bic", "saisissez le nouveau BIC"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			iban, bic, err := ValiderCoordonnees(tt.iban, tt.bic)
			if tt.wantChamp == "" {
				if err != nil || iban != tt.wantIBAN || bic != tt.wantBIC {
					t.Fatalf("got %q %q %v, want %q %q", iban, bic, err, tt.wantIBAN, tt.wantBIC)
				}
				return
			}
			fs, ok := err.(Fautes)
			if !ok || len(fs) != 1 || fs[0].Champ != tt.wantChamp || !strings.Contains(fs[0].Err.Message, tt.wantTexte) {
				t.Fatalf("got %v, want a refusal of field %s saying %q", err, tt.wantChamp, tt.wantTexte)
			}
		})
	}
}

func TestChangementBanque(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	quand := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	f := &Fournisseur{ID: 7, SIRET: "88558855858745", Nom: "Le Beau Logiciel", Email: "contact@beau.example", IBAN: ibanAncien, BIC: "AGRIFRPP"}
	rib := Justificatif{Fichier: BlobRef{SHA256: strings.Repeat("a", 64), Taille: 1000}, Format: "PDF", Nom: "rib.pdf"}

	c, err := f.ProposerBanque(ibanNouveau, "BNPAFRPP", rib, "alice@asp.fr", nil, quand)
	if err != nil || c.Etat != BanqueEnAttente || c.AncienIBAN != ibanAncien || c.IBAN != ibanNouveau || c.ProposePar != "alice@asp.fr" {
		t.Fatalf("ProposerBanque: %+v %v", c, err)
	}
	if _, err := f.ProposerBanque(ibanNouveau, "BNPAFRPP", rib, "bob@asp.fr", c, quand); !IsCode(err, ECONFLICT) {
		t.Errorf("a second pending proposal: got %v, want ECONFLICT", err)
	}
	if _, err := f.ProposerBanque(ibanAncien, "AGRIFRPP", rib, "alice@asp.fr", nil, quand); err == nil || !strings.Contains(err.Error(), "déjà les coordonnées") {
		t.Errorf("the same details: got %v", err)
	}
	if _, err := f.ProposerBanque(ibanNouveau, "BNPAFRPP", Justificatif{}, "alice@asp.fr", nil, quand); err == nil || !strings.Contains(err.Error(), "relevé d'identité bancaire") {
		t.Errorf("without a statement: got %v", err)
	}
	exe := rib
	exe.Format = ""
	if _, err := f.ProposerBanque(ibanNouveau, "BNPAFRPP", exe, "alice@asp.fr", nil, quand); err == nil || !strings.Contains(err.Error(), "format non reconnu") {
		t.Errorf("a statement of unknown format: got %v", err)
	}

	// The proposer never approves, whatever the case of the login.
	err = c.Approuver("Alice@ASP.fr", quand, paris)
	if !IsCode(err, EFORBIDDEN) || !strings.Contains(err.Error(), "Séparation des tâches : ") {
		t.Fatalf("approval by the proposer: got %v, want EFORBIDDEN", err)
	}
	if c.Etat != BanqueEnAttente {
		t.Fatalf("state after a refused approval: %s", c.Etat)
	}
	if err := c.Approuver("bob@asp.fr", quand, paris); err != nil || c.Etat != BanqueApprouve || c.DecidePar != "bob@asp.fr" {
		t.Fatalf("approval by another administrator: %+v %v", c, err)
	}
	if err := c.Rejeter("bob@asp.fr", "erreur", quand, paris); !IsCode(err, ECONFLICT) {
		t.Errorf("rejecting an approved change: got %v, want ECONFLICT", err)
	}

	d, _ := f.ProposerBanque(ibanNouveau, "BNPAFRPP", rib, "alice@asp.fr", nil, quand)
	if err := d.Rejeter("alice@asp.fr", "  ", quand, paris); err == nil || !strings.Contains(err.Error(), "motif") {
		t.Errorf("a rejection without reason: got %v", err)
	}
	if err := d.Rejeter("alice@asp.fr", "RIB illisible", quand, paris); err != nil || d.Etat != BanqueRejete || d.Motif != "RIB illisible" {
		t.Errorf("withdrawal by the proposer: %+v %v", d, err)
	}
}

// TestChangementBanqueExpire: a proposal may be approved until
// ValiditeChangementBanque has passed, not from then on; expired, it is no
// longer pending: nothing to reject, and a new proposal may be made.
func TestChangementBanqueExpire(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	propose := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	expire := propose.Add(ValiditeChangementBanque)
	if want := time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC); !expire.Equal(want) {
		t.Fatalf("expiry: got %s, want %s (30 days)", expire, want)
	}
	f := &Fournisseur{ID: 7, SIRET: "88558855858745", Nom: "Le Beau Logiciel", IBAN: ibanAncien, BIC: "AGRIFRPP"}
	rib := Justificatif{Fichier: BlobRef{SHA256: strings.Repeat("a", 64), Taille: 1000}, Format: "PDF", Nom: "rib.pdf"}
	nouveau := func() *ChangementBanque {
		c, err := f.ProposerBanque(ibanNouveau, "BNPAFRPP", rib, "alice@asp.fr", nil, propose)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	t.Run("approved at the last instant", func(t *testing.T) {
		c := nouveau()
		if c.Expirer(expire.Add(-time.Microsecond)) || c.Etat != BanqueEnAttente {
			t.Fatalf("expired before its time: %+v", c)
		}
		if err := c.Approuver("bob@asp.fr", expire.Add(-time.Microsecond), paris); err != nil || c.Etat != BanqueApprouve {
			t.Fatalf("approval just before the expiry: %+v %v", c, err)
		}
		if c.Expirer(expire.Add(time.Hour)) || c.Etat != BanqueApprouve {
			t.Errorf("an approved change expired: %+v", c)
		}
	})

	t.Run("approval refused once expired", func(t *testing.T) {
		c := nouveau()
		err := c.Approuver("bob@asp.fr", expire, paris)
		if !IsCode(err, ECONFLICT) {
			t.Fatalf("approval at the expiry: got %v, want ECONFLICT", err)
		}
		for _, want := range []string{"proposé par alice@asp.fr le 02/03/2026", "a expiré le 01/04/2026 à 10:30 (heure de Paris)", "proposez de nouveau le changement", "dans les 30 jours"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("refusal: got %q, want it to contain %q", err, want)
			}
		}
		if c.Etat != BanqueExpire || !c.DecideLe.Equal(expire) || c.DecidePar != "" {
			t.Errorf("after the refusal: %+v, want expired at %s, by no one", c, expire)
		}
		if err := c.Rejeter("bob@asp.fr", "trop tard", expire.Add(time.Hour), paris); !IsCode(err, ECONFLICT) || !strings.Contains(err.Error(), "a expiré") {
			t.Errorf("rejecting an expired change: got %v, want ECONFLICT", err)
		}
		if c.Etat.Libelle() != "Expiré" {
			t.Errorf("label: got %q", c.Etat.Libelle())
		}
	})

	t.Run("a new proposal replaces an expired one", func(t *testing.T) {
		c := nouveau()
		if _, err := f.ProposerBanque(ibanNouveau, "BNPAFRPP", rib, "bob@asp.fr", c, expire.Add(-time.Second)); !IsCode(err, ECONFLICT) {
			t.Fatalf("a second proposal while the first may be approved: got %v, want ECONFLICT", err)
		}
		d, err := f.ProposerBanque(ibanNouveau, "BNPAFRPP", rib, "bob@asp.fr", c, expire)
		if err != nil || d.Etat != BanqueEnAttente || !d.ProposeLe.Equal(expire) {
			t.Fatalf("a new proposal once the first expired: %+v %v", d, err)
		}
		if c.Etat != BanqueExpire {
			t.Errorf("the replaced proposal: got %s, want expire", c.Etat)
		}
	})
}

func TestCourrielBanque(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip(err)
	}
	f := &Fournisseur{SIRET: "88558855858745", Nom: "Le Beau Logiciel", Email: "contact@beau.example"}
	c := &ChangementBanque{AncienIBAN: ibanAncien, IBAN: ibanNouveau, BIC: "BNPAFRPP", DecideLe: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
	m := CourrielBanque(c, f, []string{"contact@beau.example", "Contact@beau.example", "jean@beau.example"}, "fraude@asp.example", paris)
	if strings.Join(m.A, ",") != "contact@beau.example,jean@beau.example" {
		t.Errorf("recipients: got %v", m.A)
	}
	for _, want := range []string{"le 02/03/2026 à 10:30 (heure de Paris)", "IBAN FR** **** **** **** **** ***7 819", "fraude@asp.example", "tentative de fraude"} {
		if !strings.Contains(m.Corps, want) {
			t.Errorf("body: missing %q in\n%s", want, m.Corps)
		}
	}
	if strings.Contains(m.Corps, ibanNouveau) || strings.Contains(m.Corps, "30004") {
		t.Errorf("body: the new IBAN in full:\n%s", m.Corps)
	}
	if err := m.Valider(); err != nil {
		t.Errorf("Valider: %v", err)
	}
}
