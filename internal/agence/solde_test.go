package agence

import (
	"context"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// solde pays the advance of asp and deposits its balance of an invoice of
// facture cents HT.
func (b *banc) solde(t *testing.T, asp string, n int, facture int64) {
	t.Helper()
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "jean@lebeaulogiciel.fr"})
	d, err := b.db.FindDemandeByASP(ctx, asp)
	if err != nil {
		t.Fatal(err)
	}
	if d.Statut == segur.DemandeDecidee {
		if _, err := segurtest.Appliquer(ctx, b.db, asp, segur.Demarche{Action: segur.ActionPayerAvance, Roles: []segur.Role{segur.RolePayeur}, Login: "paul@asp.fr"},
			segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
			t.Fatal(err)
		}
	}
	err = b.db.WithDepotTx(ctx, b.f.ID, func(ctx context.Context, tx segur.DepotTx) error {
		dep := &segur.Depot{FournisseurID: b.f.ID, Type: segur.TypeSolde, NumeroAns: "1234567890", Logiciel: hop.LogicielRI,
			NomFichier: "JSON-1234567890-20260602-00" + string(rune('2'+n)) + ".json", Recu: b.now, Date: hop.Date{Annee: 2026, Mois: 6, Jour: 2}, Ordinal: n + 2,
			JSON: segur.BlobRef{SHA256: strings.Repeat(string(rune('a'+n)), 64), Taille: 10}, Statut: segur.DepotTraite, ImpID: "DEP-2026-000000" + string(rune('2'+n))}
		if err := tx.CreateDepot(ctx, dep); err != nil {
			return err
		}
		s := segur.DemandeSolde{DepotID: dep.ID, DonneesSolde: hop.DonneesSolde{NumLigne: 1, NumeroASP: asp, NumeroEditeur: d.NumeroEditeur,
			NumeroFacture: "FA-1", DateFacture: hop.Date{Annee: 2026, Mois: 6, Jour: 1}, MontantFactureHTCents: facture,
			DateMiseEnService: hop.Date{Annee: 2026, Mois: 5, Jour: 30},
			Pieces:            []hop.Piece{{NomFichier: "HOP-RI-Va1-FAC-" + d.NumeroEditeur + ".pdf", Format: "PDF", Type: hop.TypeFacture}}}}
		dep.Lignes = []segur.LigneDepot{{NumLigne: 1, NumeroEditeur: d.NumeroEditeur, Code: hop.CodeAcceptee, Libelle: hop.LibelleAcceptee, NumeroASP: asp}}
		soldes := []segur.DemandeSolde{s}
		m := segur.Demarche{Action: segur.ActionDeposerSolde, Roles: []segur.Role{segur.RoleFournisseur}, Login: "jean@lebeaulogiciel.fr"}
		if err := segur.DeposerSoldes(ctx, tx, soldes, m, segur.ProgrammeParDefaut, ""); err != nil {
			return err
		}
		return tx.FinishSolde(ctx, dep, soldes)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestValiderSolde: the validation computes the balance from the last
// balance deposited (min(financed, invoice) − advance), the store records
// it, and the vendor is mailed; a refusal needs a reason and is mailed.
func TestValiderSolde(t *testing.T) {
	// Financed 10 000 € (advance 3 000 €): an invoice of 12 000 € pays
	// 7 000 €; of 2 000 €, 1 000 € to recover; of 3 000 €, settled.
	b, asps := nouveauBanc(t, 10_000_00, 10_000_00, 10_000_00)
	ctx := context.Background()
	want := []struct {
		facture          int64
		statut           segur.StatutDemande
		payer, recouvrer int64
	}{
		{12_000_00, segur.DemandeSoldeValidee, 7_000_00, 0},
		{2_000_00, segur.DemandeReversementOrdonne, 0, 1_000_00},
		{3_000_00, segur.DemandeSoldee, 0, 0},
	}
	for i, asp := range asps {
		for _, a := range []segur.Action{segur.ActionPrendre, segur.ActionValider} {
			if _, err := b.agir(t, asp, a, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.agir(t, asp, segur.ActionValiderSolde, ""); !segur.IsCode(err, segur.EFORBIDDEN) {
			t.Errorf("%s: validating a balance never deposited: got %v, want EFORBIDDEN", asp, err)
		}
		b.solde(t, asp, i, want[i].facture)
		if _, err := b.agir(t, asp, segur.ActionPrendreSolde, ""); err != nil {
			t.Fatal(err)
		}
		c, err := b.agir(t, asp, segur.ActionValiderSolde, "")
		if err != nil || c.Vers != want[i].statut {
			t.Fatalf("%s: %+v %v, want %s", asp, c, err, want[i].statut)
		}
		d, _ := b.db.FindDemandeByASP(ctx, asp)
		if d.SoldeAPayer != want[i].payer || d.ARecouvrer != want[i].recouvrer {
			t.Errorf("%s: got %d to pay, %d to recover; want %d, %d", asp, d.SoldeAPayer, d.ARecouvrer, want[i].payer, want[i].recouvrer)
		}
		// An amount to recover raises its order of recovery, as a document.
		docs, _ := b.db.FindDocuments(ctx, asp)
		ordres := 0
		for _, o := range docs {
			if o.Type == segur.DocumentReversement {
				ordres++
				if c.Document != o.Fichier.SHA256 {
					t.Errorf("%s: the history does not name the order %s", asp, o.Reference)
				}
			}
		}
		if want := map[bool]int{true: 1, false: 0}[want[i].recouvrer > 0]; ordres != want {
			t.Errorf("%s: %d orders of recovery, want %d", asp, ordres, want)
		}
	}
	mails, _, _ := b.db.FindCourriels(ctx, "", 20, 0)
	n := 0
	for _, m := range mails {
		if strings.Contains(m.Sujet, "validation de votre demande de solde") {
			n++
			if strings.Contains(m.Corps, asps[0]) && !strings.Contains(m.Corps, "un solde de 7\u202f000,00\u202f€ vous sera versé") {
				t.Errorf("mail of %s: %q", asps[0], m.Corps)
			}
		}
	}
	if n != 3 {
		t.Errorf("got %d validation mails, want 3", n)
	}
}

func TestRefuserSolde(t *testing.T) {
	b, asps := nouveauBanc(t, 10_000_00)
	asp := asps[0]
	for _, a := range []segur.Action{segur.ActionPrendre, segur.ActionValider} {
		if _, err := b.agir(t, asp, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	b.solde(t, asp, 0, 9_000_00)
	if _, err := b.agir(t, asp, segur.ActionPrendreSolde, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b.agir(t, asp, segur.ActionRefuserSolde, " "); !segur.IsCode(err, segur.EINVALID) {
		t.Fatalf("refusal without a reason: got %v, want EINVALID", err)
	}
	c, err := b.agir(t, asp, segur.ActionRefuserSolde, "PV de VSR non signé")
	if err != nil || c.Vers != segur.DemandeSoldeRefusee || c.Raison != "PV de VSR non signé" {
		t.Fatalf("refusal: %+v %v", c, err)
	}
	mails, _, _ := b.db.FindCourriels(context.Background(), "", 20, 0)
	found := false
	for _, m := range mails {
		found = found || strings.Contains(m.Sujet, "refus de votre demande de solde") && strings.Contains(m.Corps, "PV de VSR non signé")
	}
	if !found {
		t.Errorf("no refusal mail in %+v", mails)
	}
	// Deposited again after the refusal, then validated on the new one.
	b.solde(t, asp, 1, 10_000_00)
	if _, err := b.agir(t, asp, segur.ActionPrendreSolde, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b.agir(t, asp, segur.ActionValiderSolde, ""); err != nil {
		t.Fatal(err)
	}
	if d, _ := b.db.FindDemandeByASP(context.Background(), asp); d.SoldeAPayer != 7_000_00 {
		t.Errorf("balance of the last deposit: got %d, want 7 000 €", d.SoldeAPayer)
	}
}
