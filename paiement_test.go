package segur

import (
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/hop"
)

func TestPaiementDu(t *testing.T) {
	for _, tt := range []struct {
		statut  StatutDemande
		finance int64
		solde   int64
		nature  NaturePaiement
		montant int64
		du      bool
	}{
		{DemandeDecidee, 13_750_00, 0, PaiementAvance, 4_125_00, true},
		{DemandeConventionSignee, 48_000_01, 0, PaiementAvance, 14_400_00, true}, // 14 400,003 → half up
		{DemandeDecidee, 5, 0, PaiementAvance, 2, true},                          // 1,5 cent → 2
		{DemandeConventionASigner, 48_000_00, 0, "", 0, false},                   // not before signing
		{DemandeSoldeValidee, 10_000_00, 7_000_00, PaiementSolde, 7_000_00, true},
		{DemandeSoldeValidee, 10_000_00, 0, "", 0, false}, // nothing to pay
		{DemandeAvancePayee, 10_000_00, 0, "", 0, false},
		{DemandeEnInstruction, 0, 0, "", 0, false},
	} {
		d := &Demande{ID: 7, NumeroASP: "ASP-2026-0000007", Statut: tt.statut, MontantFinance: tt.finance, SoldeAPayer: tt.solde, FournisseurID: 3}
		p, ok := PaiementDu(d)
		if ok != tt.du || ok && (p.Nature != tt.nature || p.Montant != tt.montant || p.DemandeID != 7 || p.FournisseurID != 3) {
			t.Errorf("%s (financé %d, solde %d): got %+v %v, want %s %d %v", tt.statut, tt.finance, tt.solde, p, ok, tt.nature, tt.montant, tt.du)
		}
	}
	if PaiementAvance.Action() != ActionPayerAvance || PaiementSolde.Action() != ActionPayerSolde {
		t.Error("natures: wrong actions")
	}
}

func dus() []Paiement {
	return []Paiement{
		{DemandeID: 1, NumeroASP: "ASP-2026-0000001", FournisseurID: 2, Nature: PaiementAvance, Montant: 100},
		{DemandeID: 2, NumeroASP: "ASP-2026-0000002", FournisseurID: 1, Nature: PaiementAvance, Montant: 200},
		{DemandeID: 3, NumeroASP: "ASP-2026-0000003", FournisseurID: 3, Nature: PaiementSolde, Montant: 300},
		{DemandeID: 4, NumeroASP: "ASP-2026-0000004", FournisseurID: 2, Nature: PaiementSolde, Montant: 400},
	}
}

func TestChoisirPaiements(t *testing.T) {
	banque := map[FournisseurID]bool{1: true, 2: true}
	got, err := ChoisirPaiements(dus(), nil, banque)
	if err != nil {
		t.Fatal(err)
	}
	var asps []string
	for _, p := range got {
		asps = append(asps, p.NumeroASP)
	}
	if want := "ASP-2026-0000002 ASP-2026-0000001 ASP-2026-0000004"; strings.Join(asps, " ") != want {
		t.Errorf("all: got %v, want %s (vendor 3 has no bank details)", asps, want)
	}
	got, err = ChoisirPaiements(dus(), []string{"ASP-2026-0000004", " ASP-2026-0000004", "ASP-2026-0000002"}, banque)
	if err != nil || len(got) != 2 || got[0].NumeroASP != "ASP-2026-0000002" {
		t.Errorf("chosen: got %+v %v", got, err)
	}
	for _, tt := range []struct {
		name string
		asps []string
		code ErrorCode
		msg  string
	}{
		{"not due", []string{"ASP-2026-0000009", "ASP-2026-0000008"}, ECONFLICT, "ASP-2026-0000009 et ASP-2026-0000008"},
		{"no bank details", []string{"ASP-2026-0000003"}, EINVALID, "n'a pas de coordonnées bancaires"},
	} {
		_, err := ChoisirPaiements(dus(), tt.asps, banque)
		if !IsCode(err, tt.code) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: got %v, want %s with %q", tt.name, err, tt.code, tt.msg)
		}
	}
	if _, err := ChoisirPaiements(nil, nil, banque); !IsCode(err, EINVALID) {
		t.Errorf("nothing due: got %v, want EINVALID", err)
	}
}

func TestLot(t *testing.T) {
	quand := time.Date(2026, 6, 2, 10, 0, 0, 0, time.UTC)
	ps, _ := ChoisirPaiements(dus(), nil, map[FournisseurID]bool{1: true, 2: true, 3: true})
	l, err := NouveauLot(ps, "paul@asp.fr", quand)
	if err != nil {
		t.Fatal(err)
	}
	l.ID = 12
	if l.Etat != LotBrouillon || l.Nombre != 4 || l.Montant != 1000 || l.Total() != 1000 || l.Reference() != "LOT-000012" {
		t.Errorf("new batch: %+v", l)
	}
	vs := l.Versements()
	if len(vs) != 3 || vs[0].FournisseurID != 1 || vs[1].Montant != 500 || len(vs[1].Paiements) != 2 || vs[2].Rang != 3 {
		t.Errorf("versements: %+v", vs)
	}
	if got := ReferenceAvis(l.ID, vs[1].Rang); got != "AVIS-000012-2" {
		t.Errorf("notice reference: got %s", got)
	}
	if _, err := NouveauLot(append(ps, ps[0]), "x", quand); !IsCode(err, EINVALID) {
		t.Errorf("a request twice: got %v", err)
	}
	if _, err := NouveauLot(nil, "x", quand); !IsCode(err, EINVALID) {
		t.Errorf("empty batch: got %v", err)
	}

	// Paid before approval: refused.
	if err := l.MarquerPaye("paul@asp.fr", hop.Date{Annee: 2026, Mois: 6, Jour: 2}, hop.Date{Annee: 2026, Mois: 6, Jour: 2}, quand); !IsCode(err, EFORBIDDEN) {
		t.Errorf("paid as a draft: got %v", err)
	}
	// The decider of a request never approves it, nor does the one who
	// prepared the batch.
	decideurs := map[string][]string{"ASP-2026-0000001": {"marie@asp.fr"}, "ASP-2026-0000004": {"jean@asp.fr", "Marie@ASP.fr"}}
	err = l.Approuver("marie@asp.fr", decideurs, quand)
	if !IsCode(err, EFORBIDDEN) || !strings.Contains(err.Error(), "les demandes ASP-2026-0000001 et ASP-2026-0000004") || l.Etat != LotBrouillon {
		t.Fatalf("approval by the decider: got %v, state %s", err, l.Etat)
	}
	for _, login := range []string{"paul@asp.fr", " Paul@ASP.fr "} {
		err := l.Approuver(login, decideurs, quand)
		if want := "séparation des tâches : vous avez préparé le lot LOT-000012\u202f; un autre payeur doit l'approuver"; !IsCode(err, EFORBIDDEN) || !strings.Contains(err.Error(), want) ||
			l.Etat != LotBrouillon || l.ApprouvePar != "" {
			t.Fatalf("approval by its preparer %q: got %v, state %s; want EFORBIDDEN %q", login, err, l.Etat, want)
		}
	}
	if !l.PrepareePar("PAUL@asp.fr") || l.PrepareePar("anne@asp.fr") {
		t.Errorf("PrepareePar: paul %v, anne %v; want true, false", l.PrepareePar("PAUL@asp.fr"), l.PrepareePar("anne@asp.fr"))
	}
	if err := l.Approuver("anne@asp.fr", decideurs, quand); err != nil || l.Etat != LotApprouve || l.ApprouvePar != "anne@asp.fr" {
		t.Fatalf("approval by another payer: got %v, %+v", err, l)
	}
	if err := l.Approuver("luc@asp.fr", decideurs, quand); !IsCode(err, EFORBIDDEN) {
		t.Errorf("approved twice: got %v", err)
	}
	if err := l.Annuler("paul@asp.fr", quand); !IsCode(err, EFORBIDDEN) {
		t.Errorf("cancelled once approved: got %v", err)
	}
	for _, tt := range []struct {
		le   hop.Date
		code ErrorCode
	}{
		{hop.Date{Annee: 2026, Mois: 6, Jour: 3}, EINVALID}, // tomorrow
		{hop.Date{Annee: 2026, Mois: 2, Jour: 30}, EINVALID},
	} {
		if err := l.MarquerPaye("paul@asp.fr", tt.le, hop.Date{Annee: 2026, Mois: 6, Jour: 2}, quand); !IsCode(err, tt.code) {
			t.Errorf("paid on %v: got %v, want %s", tt.le, err, tt.code)
		}
	}
	if err := l.MarquerPaye("anne@asp.fr", hop.Date{Annee: 2026, Mois: 6, Jour: 1}, hop.Date{Annee: 2026, Mois: 6, Jour: 2}, quand); err != nil || l.Etat != LotPaye || l.PayeLe != (hop.Date{Annee: 2026, Mois: 6, Jour: 1}) {
		t.Fatalf("paid: %v %+v", err, l)
	}
	if err := l.MarquerPaye("anne@asp.fr", hop.Date{Annee: 2026, Mois: 6, Jour: 1}, hop.Date{Annee: 2026, Mois: 6, Jour: 2}, quand); !IsCode(err, EFORBIDDEN) {
		t.Errorf("paid twice: got %v", err)
	}

	brouillon, _ := NouveauLot(ps, "paul@asp.fr", quand)
	if err := brouillon.Annuler("paul@asp.fr", quand); err != nil || brouillon.Etat != LotAnnule {
		t.Errorf("cancel a draft: %v %s", err, brouillon.Etat)
	}
	if err := brouillon.Approuver("anne@asp.fr", nil, quand); !IsCode(err, EFORBIDDEN) {
		t.Errorf("approve a cancelled batch: got %v", err)
	}
}

func TestVerifierStatuts(t *testing.T) {
	ps := dus()[:3]
	ok := map[string]StatutDemande{"ASP-2026-0000001": DemandeDecidee, "ASP-2026-0000002": DemandeConventionSignee, "ASP-2026-0000003": DemandeSoldeValidee}
	if err := VerifierStatuts(ps, ok); err != nil {
		t.Errorf("due: %v", err)
	}
	ok["ASP-2026-0000003"] = DemandeReversementOrdonne
	if err := VerifierStatuts(ps, ok); !IsCode(err, ECONFLICT) || !strings.Contains(err.Error(), "la demande ASP-2026-0000003 (« Reversement ordonné ») a changé") {
		t.Errorf("moved: got %v", err)
	}
}

func TestMasquerIBAN(t *testing.T) {
	for in, want := range map[string]string{
		"FR76 3000 6000 0112 3456 7890 189": "FR** **** **** **** **** ***0 189",
		"BE68539007547034":                  "BE** **** **** 7034",
		"FR1":                               "***",
	} {
		if got := MasquerIBAN(in); got != want {
			t.Errorf("MasquerIBAN(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestCourrielAvis(t *testing.T) {
	f := &Fournisseur{SIRET: "88558855858745", Nom: "Le Beau\nLogiciel", Email: "contact@lebeaulogiciel.fr", IBAN: "FR7630006000011234567890189"}
	a := &Avis{Reference: "AVIS-000012-1", LotID: 12, FournisseurID: 1, DatePaiement: hop.Date{Annee: 2026, Mois: 6, Jour: 1}, Montant: 4_125_00,
		Paiements: []Paiement{{NumeroASP: "ASP-2026-0000001", NumeroEditeur: "00001", Nature: PaiementAvance, Montant: 4_125_00}}}
	c := CourrielAvis(a, f, "https://portail.example/paiements")
	for _, want := range []string{"4\u202f125,00\u202f€ par virement", "le 01/06/2026", "Le Beau Logiciel (SIRET 88558855858745)",
		"IBAN FR** **** **** **** **** ***0 189", "ASP-2026-0000001 (numeroEditeur 00001) : avance (30 %), 4\u202f125,00\u202f€",
		"(AVIS-000012-1.pdf)", "https://portail.example/paiements\n"} {
		if !strings.Contains(c.Corps, want) {
			t.Errorf("body lacks %q:\n%s", want, c.Corps)
		}
	}
	if strings.Contains(c.Corps, "7890189") {
		t.Error("the body shows the whole IBAN")
	}
	if c.Sujet != "[Ségur numérique] Avis de paiement AVIS-000012-1 : 4\u202f125,00\u202f€" || c.PieceNom != "AVIS-000012-1.pdf" || c.Objet != "avis:AVIS-000012-1" {
		t.Errorf("mail: %q %q %q", c.Sujet, c.PieceNom, c.Objet)
	}
	// Valid once the caller attaches the PDF.
	c.PieceSHA256 = strings.Repeat("a", 64)
	if err := c.Valider(); err != nil {
		t.Errorf("Valider: %v", err)
	}
}
