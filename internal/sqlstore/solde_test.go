package sqlstore

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// avancePayee moves request asp to avance_payee as the agency does: taken,
// validated for montant cents, its advance paid.
func avancePayee(t testing.TB, db *DB, ctx context.Context, asp string, montant int64) {
	t.Helper()
	inst, payeur := []segur.Role{segur.RoleInstructeur}, []segur.Role{segur.RolePayeur}
	for _, m := range []segur.Demarche{
		{Action: segur.ActionPrendre, Roles: inst, Login: "marie@asp.fr"},
		{Action: segur.ActionValider, Roles: inst, Login: "marie@asp.fr", MontantFinance: montant},
		{Action: segur.ActionPayerAvance, Roles: payeur, Login: "paul@asp.fr"},
	} {
		if _, err := db.AppliquerDemarche(ctx, asp, m, segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
			t.Fatalf("%s on %s: %v", m.Action, asp, err)
		}
	}
}

// depotSolde returns a processed balance deposit of vendor f, of ordinal n.
func depotSolde(f segur.FournisseurID, n int) *segur.Depot {
	d := nouveauDepot(f, n, fmt.Sprintf("solde %d", n), fmt.Sprintf("zip solde %d", n))
	d.Type = segur.TypeSolde
	d.ImpID = fmt.Sprintf("DEP-2026-%07d", 100+n)
	d.Retour = segur.BlobRef{SHA256: sha(fmt.Sprintf("retour solde %d", n)), Taille: 900}
	return d
}

// donneesSolde is a balance line of request asp, numeroEditeur ed.
func donneesSolde(n int, asp, ed string, montant int64) hop.DonneesSolde {
	return hop.DonneesSolde{NumLigne: n, NumeroASP: asp, NumeroEditeur: ed, NumeroFacture: "FA-" + ed,
		DateFacture: hop.Date{Annee: 2026, Mois: 5, Jour: 20}, MontantFactureHTCents: montant,
		DateMiseEnService: hop.Date{Annee: 2026, Mois: 5, Jour: 2}, Pieces: []hop.Piece{
			{NomFichier: "HOP-RI-Va1-FAC-" + ed + ".pdf", Format: "PDF", Type: hop.TypeFacture},
			{NomFichier: "HOP-RI-Va1-VSR-" + ed + ".png", Format: "PNG", Type: hop.TypePVVSR}}}
}

var deposerSolde = segur.Demarche{Action: segur.ActionDeposerSolde, Roles: []segur.Role{segur.RoleFournisseur}, Login: "jean@editeur.example"}

// enregistrerSolde records balance deposit d: an accepted line for each
// balance, then rejected lines.
func enregistrerSolde(db *DB, ctx context.Context, d *segur.Depot, soldes []hop.DonneesSolde, rejetees ...string) ([]segur.DemandeSolde, error) {
	var out []segur.DemandeSolde
	err := db.WithDepotTx(ctx, d.FournisseurID, func(ctx context.Context, tx segur.DepotTx) error {
		if err := tx.CreateDepot(ctx, d); err != nil {
			return err
		}
		d.Lignes = nil
		for _, s := range soldes {
			d.Lignes = append(d.Lignes, segur.LigneDepot{NumLigne: s.NumLigne, NumeroEditeur: s.NumeroEditeur,
				Code: hop.CodeAcceptee, Libelle: hop.LibelleAcceptee, NumeroASP: s.NumeroASP})
			out = append(out, segur.DemandeSolde{DepotID: d.ID, DonneesSolde: s})
		}
		for i, code := range rejetees {
			d.Lignes = append(d.Lignes, segur.LigneDepot{NumLigne: len(soldes) + i + 1, NumeroEditeur: "RJ00" + fmt.Sprint(i),
				Code: code, Libelle: hop.Erreur{Code: code, Valeur: "« ASP-2026-9999999 »", Offset: -1}.Libelle()})
		}
		if err := segur.DeposerSoldes(ctx, tx, out, deposerSolde, segur.ProgrammeParDefaut, segur.ActeurFrom(ctx).Adresse); err != nil {
			return err
		}
		return tx.FinishSolde(ctx, d, out)
	})
	return out, err
}

func runSoldeSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("soldes", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f, g := fixture(t, db, "88558855858745"), fixture(t, db, "73282932000074")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""}, ligne{"00002", ""})
		a, b := ds[0].NumeroASP, ds[1].NumeroASP
		autre := enregistrer(t, db, ctx, nouveauDepot(g.ID, 9, "json g", ""), ligne{"G0001", ""})[0].NumeroASP
		avancePayee(t, db, ctx, a, 10_000_00)

		// What the balance controls ask, seen from f.
		var etats map[string]hop.EtatAvance
		inTx(t, db, ctx, f.ID, func(tx segur.DepotTx) error {
			var err error
			etats, err = tx.FindEtatsAvances(ctx, f.ID, []string{a, b, autre, "ASP-2026-9999999"})
			return err
		})
		want := map[string]hop.EtatAvance{
			a:     segur.EtatAvance(segur.DemandeAvancePayee, "00001"),
			b:     segur.EtatAvance(segur.DemandeDeposee, "00002"),
			autre: {Connue: true, AutreFournisseur: true},
		}
		if !reflect.DeepEqual(etats, want) {
			t.Errorf("FindEtatsAvances: got %+v, want %+v", etats, want)
		}

		// A balance deposit: its lines, the balance, the request moved.
		d := depotSolde(f.ID, 2)
		soldes, err := enregistrerSolde(db, ctx, d, []hop.DonneesSolde{donneesSolde(1, a, "00001", 12_000_00)}, hop.CodeSoldeAvanceNonPayee)
		if err != nil {
			t.Fatalf("FinishSolde: %v", err)
		}
		// Its zip waits for the antivirus, with the balance's pieces, each
		// scanned on its own.
		todo, err := db.FindFichiersAAnalyser(ctx, 10)
		if i := slices.IndexFunc(todo, func(f segur.FichierAAnalyser) bool { return f.DepotID == d.ID }); err != nil || i < 0 ||
			todo[i].SHA256 != sha("zip solde 2") || len(todo[i].Pieces) != 2 || todo[i].Pieces[0].NomFichier != "HOP-RI-Va1-FAC-00001.pdf" ||
			todo[i].Pieces[1].NomFichier != "HOP-RI-Va1-VSR-00001.png" {
			t.Errorf("the balance deposit to scan: got %+v %v", todo, err)
		}
		got, err := db.FindDepotByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Type != segur.TypeSolde || len(got.Lignes) != 2 || got.Lignes[0].NumeroASP != a || got.Lignes[0].Code != hop.CodeAcceptee ||
			got.Lignes[1].NumeroASP != "" || got.Lignes[1].Code != hop.CodeSoldeAvanceNonPayee || got.Retour != d.Retour {
			t.Errorf("balance deposit: got %+v", got)
		}
		dm, err := db.FindDemandeByASP(ctx, a)
		if err != nil || dm.Statut != segur.DemandeSoldeDeposee || dm.DepotID != ds[0].DepotID {
			t.Errorf("request after its balance: %+v %v", dm, err)
		}
		h, _ := db.FindHistorique(ctx, a)
		if last := h[len(h)-1]; last.Action != segur.ActionDeposerSolde || last.Par != "jean@editeur.example" || last.Adresse != acteur.Adresse {
			t.Errorf("history: got %+v", last)
		}
		lus, err := db.FindSoldes(ctx, a)
		if err != nil || len(lus) != 1 {
			t.Fatalf("FindSoldes: %+v %v", lus, err)
		}
		if s := lus[0]; s.ID != soldes[0].ID || s.DepotID != d.ID || !s.CreeLe.Equal(soldes[0].CreeLe) || !reflect.DeepEqual(s.DonneesSolde, soldes[0].DonneesSolde) {
			t.Errorf("FindSoldes: got %+v, want %+v", s, soldes[0])
		}
		if none, err := db.FindSoldes(ctx, b); err != nil || none == nil || len(none) != 0 {
			t.Errorf("FindSoldes without a balance: got %v, %v; want an empty slice", none, err)
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE soldes SET numero_facture = 'x'`); err == nil {
			t.Error("balance updated, want soldes append-only")
		}
		if _, err := db.w.ExecContext(ctx, `DELETE FROM soldes`); err == nil {
			t.Error("balance deleted, want soldes append-only")
		}

		// A request that cannot take a balance (deposited twice, or its
		// advance not paid) refuses the whole deposit: nothing recorded.
		for _, asp := range []string{a, b} {
			d := depotSolde(f.ID, 3)
			_, err := enregistrerSolde(db, ctx, d, []hop.DonneesSolde{donneesSolde(1, asp, "00001", 1_00)})
			if err == nil {
				t.Fatalf("balance on %s: got no error", asp)
			}
			assertCode(t, err, segur.ECONFLICT)
		}
		if deps, n, _ := db.FindDepots(ctx, f.ID, 0, 0); n != 2 || len(deps) != 2 {
			t.Errorf("deposits after two refused balances: got %d, want 2", n)
		}
		if lus, _ := db.FindSoldes(ctx, a); len(lus) != 1 {
			t.Errorf("balances after refused deposits: got %d, want 1", len(lus))
		}

		// Its instruction: refused, deposited again, validated.
		inst := []segur.Role{segur.RoleInstructeur}
		p := segur.ProgrammeParDefaut
		for _, m := range []segur.Demarche{
			{Action: segur.ActionPrendreSolde, Roles: inst, Login: "marie@asp.fr"},
			{Action: segur.ActionRefuserSolde, Roles: inst, Login: "marie@asp.fr", Raison: "facture illisible"},
		} {
			if _, err := db.AppliquerDemarche(ctx, a, m, p, segur.Suites{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := enregistrerSolde(db, ctx, depotSolde(f.ID, 4), []hop.DonneesSolde{donneesSolde(1, a, "00001", 9_000_00)}); err != nil {
			t.Fatalf("balance after a refusal: %v", err)
		}
		lus, _ = db.FindSoldes(ctx, a)
		if len(lus) != 2 || lus[0].MontantFactureHTCents != 12_000_00 || lus[1].MontantFactureHTCents != 9_000_00 {
			t.Errorf("balances oldest first: got %+v", lus)
		}
		for _, m := range []segur.Demarche{
			{Action: segur.ActionPrendreSolde, Roles: inst, Login: "marie@asp.fr"},
			{Action: segur.ActionValiderSolde, Roles: inst, Login: "marie@asp.fr", SoldeAPayer: 6_000_00},
		} {
			if _, err := db.AppliquerDemarche(ctx, a, m, p, segur.Suites{Attendu: ""}); err != nil {
				t.Fatal(err)
			}
		}
		if dm, _ := db.FindDemandeByASP(ctx, a); dm.Statut != segur.DemandeSoldeValidee || dm.SoldeAPayer != 6_000_00 || dm.ARecouvrer != 0 {
			t.Errorf("after validation: %+v", dm)
		}
	})
}
