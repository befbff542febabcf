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
	err = c.Approuver("Alice@ASP.fr", quand)
	if !IsCode(err, EFORBIDDEN) || !strings.Contains(err.Error(), "Séparation des tâches : ") {
		t.Fatalf("approval by the proposer: got %v, want EFORBIDDEN", err)
	}
	if c.Etat != BanqueEnAttente {
		t.Fatalf("state after a refused approval: %s", c.Etat)
	}
	if err := c.Approuver("bob@asp.fr", quand); err != nil || c.Etat != BanqueApprouve || c.DecidePar != "bob@asp.fr" {
		t.Fatalf("approval by another administrator: %+v %v", c, err)
	}
	if err := c.Rejeter("bob@asp.fr", "erreur", quand); !IsCode(err, ECONFLICT) {
		t.Errorf("rejecting an approved change: got %v, want ECONFLICT", err)
	}

	d, _ := f.ProposerBanque(ibanNouveau, "BNPAFRPP", rib, "alice@asp.fr", nil, quand)
	if err := d.Rejeter("alice@asp.fr", "  ", quand); err == nil || !strings.Contains(err.Error(), "motif") {
		t.Errorf("a rejection without reason: got %v", err)
	}
	if err := d.Rejeter("alice@asp.fr", "RIB illisible", quand); err != nil || d.Etat != BanqueRejete || d.Motif != "RIB illisible" {
		t.Errorf("withdrawal by the proposer: %+v %v", d, err)
	}
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
