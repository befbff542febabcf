package segur

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/hop"
)

// TestEtatAvance: what the balance controls are told of each status of a
// request, and the code a balance line quoting it gets.
func TestEtatAvance(t *testing.T) {
	data, err := os.ReadFile("hop/testdata/JSON-1234567890-20220315-001.json")
	if err != nil {
		t.Fatal(err)
	}
	decl := hop.Declaration{NomFichier: "JSON-1234567890-20220315-001.json", Logiciel: hop.LogicielRI, Date: hop.Date{Annee: 2022, Mois: 3, Jour: 15}}
	for _, tt := range []struct {
		statut StatutDemande
		code   string
	}{
		{DemandeDecidee, hop.CodeSoldeAvanceNonPayee},
		{DemandeRefusee, hop.CodeSoldeAvanceNonPayee},
		{DemandeReversementOrdonne, hop.CodeSoldeAvanceNonPayee},
		{DemandeSoldeDeposee, hop.CodeSoldeDejaDepose},
		{DemandeSoldeEnInstruction, hop.CodeSoldeDejaDepose},
		{DemandeSoldeValidee, hop.CodeSoldeDejaDepose},
		{DemandeSoldee, hop.CodeSoldeDejaDepose},
		{DemandeAvancePayee, hop.CodeAcceptee},
		{DemandeSoldeRefusee, hop.CodeAcceptee},
	} {
		t.Run(string(tt.statut), func(t *testing.T) {
			e := EtatAvance(tt.statut, "00001")
			res, err := hop.ControlerSolde(data, decl, hop.Options{PortailSolde: etatsAvances{"ASP-2021-0000001": e}})
			if err != nil || res.Rejet != nil {
				t.Fatalf("got %v %v, want the file through control 1", err, res.Rejet)
			}
			d := res.Demandes[0]
			if d.Code() != tt.code {
				t.Errorf("got %s « %s », want %s", d.Code(), d.Libelle(), tt.code)
			}
			if !d.Acceptee() && !strings.Contains(d.Libelle(), "« "+tt.statut.Libelle()+" »") {
				t.Errorf("got « %s », want the status « %s » named", d.Libelle(), tt.statut.Libelle())
			}
		})
	}
}

func TestCalculerSolde(t *testing.T) {
	p := ProgrammeParDefaut
	for _, tt := range []struct {
		name             string
		regime           string
		finance, facture int64
		payer, recouvrer int64
		contient         string
	}{
		{"facture égale au financement", "HT", 13_750_00, 13_750_00, 9_625_00, 0, "solde à payer : 9\u202f625,00\u202f€"},
		{"facture au-dessus : le financement retenu", "HT", 10_000_00, 12_000_00, 7_000_00, 0, "retenu : le moindre des deux, 10\u202f000,00\u202f€"},
		{"facture sous l'avance : à recouvrer", "HT", 10_000_00, 2_000_00, 0, 1_000_00, "solde négatif : 1\u202f000,00\u202f€ à recouvrer"},
		{"TTC : la facture avec la TVA", "TTC", 12_000_00, 10_000_00, 8_400_00, 0, "soit 12\u202f000,00\u202f€ TTC (TVA de 20,00 %)"},
		{"facture égale à l'avance", "HT", 10_000_00, 3_000_00, 0, 0, "solde à payer : 0,00\u202f€"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := &Demande{MontantFinance: tt.finance, DonneesDemande: hop.DonneesDemande{RegimeTVA: tt.regime}}
			s := &DemandeSolde{DonneesSolde: hop.DonneesSolde{NumeroFacture: "FA-1", DateFacture: hop.Date{Annee: 2022, Mois: 3, Jour: 1}, MontantFactureHTCents: tt.facture}}
			r := CalculerSolde(d, s, p)
			if r.APayer != tt.payer || r.ARecouvrer != tt.recouvrer || !strings.Contains(r.Calcul, tt.contient) {
				t.Errorf("got %d to pay, %d to recover, %q; want %d, %d, %q", r.APayer, r.ARecouvrer, r.Calcul, tt.payer, tt.recouvrer, tt.contient)
			}
		})
	}
}

// TestCourrielSolde: the mails of a balance's refusal and validation.
func TestCourrielSolde(t *testing.T) {
	quand := time.Date(2026, 7, 2, 14, 0, 0, 0, time.UTC)
	lien := "https://segur.asp.example/espace/demandes/ASP-2026-0000001"
	for _, tt := range []struct {
		golden           string
		c                Changement
		payer, recouvrer int64
		contient         string
	}{
		{"solde_refusee", Changement{De: DemandeSoldeEnInstruction, Vers: DemandeSoldeRefusee, Action: ActionRefuserSolde,
			Raison: "Le procès-verbal de VSR n'est pas signé par le client."}, 0, 0, "Motif du refus :\n  Le procès-verbal de VSR n'est pas signé par le client."},
		{"solde_validee", Changement{De: DemandeSoldeEnInstruction, Vers: DemandeSoldeValidee, Action: ActionValiderSolde}, 9_625_00, 0, "un solde de 9\u202f625,00\u202f€ vous sera versé"},
		{"solde_soldee", Changement{De: DemandeSoldeEnInstruction, Vers: DemandeSoldee, Action: ActionValiderSolde}, 0, 0, "aucun solde n'est à payer"},
		{"solde_reversement", Changement{De: DemandeSoldeEnInstruction, Vers: DemandeReversementOrdonne, Action: ActionValiderSolde}, 0, 1_000_00, "1\u202f000,00\u202f€ sont à reverser"},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			d := &Demande{NumeroASP: "ASP-2026-0000001", NumeroAns: "1234567890", Statut: tt.c.De, SoldeAPayer: tt.payer, ARecouvrer: tt.recouvrer,
				DonneesDemande: hop.DonneesDemande{NumeroEditeur: "00001"}}
			tt.c.Par, tt.c.Quand = "instructeur@asp.example", quand
			c, ok := CourrielDemarche(tt.c, d, "Le Beau Logiciel", []string{"contact@lebeaulogiciel.fr"}, lien)
			if !ok {
				t.Fatal("got no mail, want one")
			}
			if !strings.Contains(c.Corps, tt.contient) || c.PieceNom != "" || !strings.Contains(c.Corps, lien) {
				t.Errorf("got %q (piece %q), want %q in it, no attachment", c.Corps, c.PieceNom, tt.contient)
			}
			if err := c.Valider(); err != nil {
				t.Errorf("Valider: %v", err)
			}
			golden(t, "courriel-"+tt.golden+".txt", []byte("Sujet : "+c.Sujet+"\n\n"+c.Corps))
		})
	}
	if _, ok := CourrielDemarche(Changement{De: DemandeAvancePayee, Vers: DemandeSoldeDeposee, Action: ActionDeposerSolde}, &Demande{}, "x", nil, ""); ok {
		t.Error("a balance deposited: got a mail, want none (the returned file tells)")
	}
}
