package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// enregistrerClients records a deposit of vendor f with one request per
// list of FINESS, each its clients.
func enregistrerClients(t testing.TB, db *DB, ctx context.Context, f segur.FournisseurID, ordinal int, clients ...[]string) []segur.Demande {
	t.Helper()
	d := nouveauDepot(f, ordinal, fmt.Sprint("json clients ", ordinal), "")
	var out []segur.Demande
	err := db.WithDepotTx(ctx, f, func(ctx context.Context, tx segur.DepotTx) error {
		if err := tx.CreateDepot(ctx, d); err != nil {
			return err
		}
		d.ImpID = segur.FormatImpID(d.Date.Annee, int64(d.ID))
		var numeros []string
		for i, cs := range clients {
			n := fmt.Sprintf("C%d-%d", ordinal, i)
			seq, err := tx.NextASP(ctx)
			if err != nil {
				return err
			}
			ld := segur.LigneDepot{NumLigne: i + 1, NumeroEditeur: n, Code: hop.CodeAcceptee, Libelle: hop.LibelleAcceptee, NumeroASP: segur.FormatNumeroASP(d.Date.Annee, seq)}
			dd := donnees(i+1, n)
			dd.Clients = nil
			for _, c := range cs {
				dd.Clients = append(dd.Clients, hop.Client{Contact: hop.Contact{Nom: "Établissement " + c, Email: "e@etab.example", Telephone: "0600000000"}, FINESSPMSI: c})
			}
			out = append(out, segur.Demande{NumeroASP: ld.NumeroASP, DepotID: d.ID, FournisseurID: f, NumeroAns: d.NumeroAns, Logiciel: d.Logiciel,
				Statut: segur.DemandeDeposee, DonneesDemande: dd})
			d.Lignes, numeros = append(d.Lignes, ld), append(numeros, n)
		}
		d.Retour = segur.BlobRef{SHA256: sha("retour " + d.NomFichier), Taille: 1100}
		return tx.FinishDepot(ctx, d, out, numeros)
	})
	if err != nil {
		t.Fatalf("WithDepotTx: %v", err)
	}
	for i := range out {
		got, err := db.FindDemandeByASP(ctx, out[i].NumeroASP)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = *got
	}
	return out
}

// calculer computes every marked request as the alerts' worker does
// (agence.CalculAlertes, which the store may not import): claim, compute
// with segur.Alertes, write.
func calculer(t testing.TB, db *DB, ctx context.Context) int {
	t.Helper()
	total := 0
	for {
		lot, err := db.PrendreAlertesACalculer(ctx, 3, time.Minute)
		if err != nil {
			t.Fatalf("PrendreAlertesACalculer: %v", err)
		}
		if len(lot) == 0 {
			return total
		}
		n, err := db.EnregistrerAlertes(ctx, attendues(t, db, ctx, lot))
		if err != nil {
			t.Fatalf("EnregistrerAlertes: %v", err)
		}
		total += n
	}
}

// attendues computes the codes of lot directly with segur.Alertes, every
// financing read.
func attendues(t testing.TB, db *DB, ctx context.Context, lot []segur.AlerteACalculer) []segur.AlertesCalculees {
	t.Helper()
	ref, _, err := db.FindReference(ctx)
	if err != nil {
		ref = nil
	}
	var out []segur.AlertesCalculees
	for _, a := range lot {
		fin, err := db.FindFinancements(ctx, a.Demande.Logiciel, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, segur.AlertesCalculees{DemandeID: a.Demande.ID, Seq: a.Seq,
			Codes: segur.CodesAlertes(segur.Alertes(&a.Demande, a.SIRET, ref, fin, segur.ProgrammeParDefaut))})
	}
	return out
}

func codesStockes(t testing.TB, db *DB, ctx context.Context, id segur.DemandeID) []string {
	t.Helper()
	codes, err := queryAll(ctx, db.r, func(s scanner) (string, error) {
		var c string
		return c, s.Scan(&c)
	}, "codes", `SELECT code FROM demandes_alertes WHERE demande_id = $1 ORDER BY code`, int64(id))
	if err != nil {
		t.Fatal(err)
	}
	return codes
}

// marquees returns the ASP numbers of the requests marked to compute.
func marquees(t testing.TB, db *DB, ctx context.Context) []string {
	t.Helper()
	asps, err := queryAll(ctx, db.r, func(s scanner) (string, error) {
		var c string
		return c, s.Scan(&c)
	}, "marquées", `SELECT d.numero_asp FROM alertes_a_calculer a JOIN demandes d ON d.id = a.demande_id ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	return asps
}

func numerosTries(ds ...segur.Demande) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.NumeroASP)
	}
	slices.Sort(out)
	return out
}

// finessCleFausse is a FINESS of 9 digits whose key is wrong.
func finessCleFausse() string {
	for n := 750000100; ; n++ {
		if f := fmt.Sprint(n); !hop.FINESSCleValide(f) {
			return f
		}
	}
}

func runCalculAlertesSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("alertes calculées", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745") // its SIRET key is wrong
		g := fixture(t, db, "73282932000074")
		if _, err := db.CreateReference(ctx, segur.Reference{
			"750000001": {FINESSPMSI: "750000001", Nom: "Clinique A", Plafonds: map[hop.Logiciel]int64{hop.LogicielRI: 1000_00, hop.LogicielDPI: 1000_00, hop.LogicielPFI: 1000_00}},
			"750000002": {FINESSPMSI: "750000002", Nom: "Hôpital B", Plafonds: map[hop.Logiciel]int64{hop.LogicielRI: 90000_00, hop.LogicielDPI: 90000_00, hop.LogicielPFI: 90000_00}},
		}); err != nil {
			t.Fatal(err)
		}
		fausse := finessCleFausse()
		gs := enregistrerClients(t, db, ctx, g.ID, 1, []string{"750000001"}, []string{"750000009"}, []string{"750000002"}, []string{"750000002"}, []string{fausse}, []string{"750000002"})
		fs := enregistrerClients(t, db, ctx, f.ID, 2, []string{"750000002"})
		plafond, hors, finance, double, cle, seule, siret := gs[0], gs[1], gs[2], gs[3], gs[4], gs[5], fs[0]
		if got, want := marquees(t, db, ctx), numerosTries(append(gs, fs...)...); !slices.Equal(got, want) {
			t.Errorf("deposited: marked %v, want %v", got, want)
		}
		if n := calculer(t, db, ctx); n != 7 {
			t.Errorf("computed %d requests, want 7", n)
		}
		if got := marquees(t, db, ctx); len(got) != 0 {
			t.Errorf("computed: still marked %v", got)
		}

		// A validation: the requests that share its establishment for
		// its software type are marked, not the others.
		valider := func(d segur.Demande) {
			t.Helper()
			if _, err := db.w.ExecContext(ctx, `UPDATE demandes SET statut = $1, montant_finance_cents = 1000 WHERE id = $2`, string(segur.DemandeDecidee), int64(d.ID)); err != nil {
				t.Fatal(err)
			}
			if _, err := db.w.ExecContext(ctx, `INSERT INTO demande_finess (demande_id, finess) VALUES ($1, '750000002')`, int64(d.ID)); err != nil {
				t.Fatal(err)
			}
		}
		valider(finance)
		if got, want := marquees(t, db, ctx), numerosTries(finance, double, seule, siret); !slices.Equal(got, want) {
			t.Errorf("validation: marked %v, want %v", got, want)
		}
		calculer(t, db, ctx)

		// Every type of alert, each request's codes as segur.Alertes says.
		tous, attendu := map[string]bool{}, map[string][]string{}
		for _, d := range append(gs, fs...) {
			lot := []segur.AlerteACalculer{{Demande: d, SIRET: map[bool]string{true: f.SIRET, false: g.SIRET}[d.FournisseurID == f.ID]}}
			want := attendues(t, db, ctx, lot)[0].Codes
			slices.Sort(want)
			got := codesStockes(t, db, ctx, d.ID)
			attendu[d.NumeroASP] = want
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s: stored %v, want %v", d.NumeroASP, got, want)
			}
			for _, c := range got {
				tous[c] = true
			}
		}
		for _, i := range segur.InfosAlertes() {
			if !tous[i.Code] {
				t.Errorf("fixture: no request with alert %s", i.Code)
			}
		}
		avec := func(garder func(d segur.Demande, codes []string) bool) []segur.Demande {
			var out []segur.Demande
			for _, d := range append(gs, fs...) {
				if codes := attendu[d.NumeroASP]; len(codes) > 0 && garder(d, codes) {
					out = append(out, d)
				}
			}
			return out
		}
		for _, i := range segur.InfosAlertes() {
			want := avec(func(_ segur.Demande, codes []string) bool { return slices.Contains(codes, i.Code) })
			ds, n, err := db.FindDemandes(ctx, segur.DemandeFilter{Alerte: i.Code})
			if err != nil || n != len(want) || !slices.Equal(numerosTries(ds...), numerosTries(want...)) {
				t.Errorf("filter %s: got %v (%d), %v; want %v", i.Code, numerosTries(ds...), n, err, numerosTries(want...))
			}
		}
		for _, d := range []segur.Demande{plafond, hors, double, cle, siret} {
			if len(attendu[d.NumeroASP]) == 0 {
				t.Errorf("%s: no alert, want one", d.NumeroASP)
			}
		}
		if !slices.Contains(attendu[double.NumeroASP], "deja_finance") || !slices.Contains(attendu[siret.NumeroASP], "cle_siret") {
			t.Errorf("fixture: got %v", attendu)
		}

		// Seen: the request's marking, the vendor's for its SIRET.
		if err := db.CreateAlerteVue(ctx, segur.AlerteVue{Code: "deja_finance", NumeroASP: double.NumeroASP, Demande: double.NumeroASP, Par: "marie@asp.fr", Raison: "vu"}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateAlerteVue(ctx, segur.AlerteVue{Code: "cle_siret", FournisseurID: f.ID, Demande: siret.NumeroASP, Par: "marie@asp.fr", Raison: "vu"}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			filter segur.DemandeFilter
			want   []segur.Demande
		}{
			{segur.DemandeFilter{Alerte: "deja_finance", NonVues: true},
				avec(func(d segur.Demande, codes []string) bool {
					return slices.Contains(codes, "deja_finance") && d.ID != double.ID
				})},
			{segur.DemandeFilter{Alerte: "cle_siret", NonVues: true}, nil},
			{segur.DemandeFilter{Alerte: "*"}, avec(func(segur.Demande, []string) bool { return true })},
			{segur.DemandeFilter{Alerte: "*", NonVues: true}, avec(func(d segur.Demande, codes []string) bool {
				return !(d.ID == double.ID && slices.Equal(codes, []string{"deja_finance"})) && !(d.ID == siret.ID && slices.Equal(codes, []string{"cle_siret"}))
			})},
		} {
			ds, n, err := db.FindDemandes(ctx, tc.filter)
			if err != nil || n != len(tc.want) || !slices.Equal(numerosTries(ds...), numerosTries(tc.want...)) {
				t.Errorf("filter %+v: got %v (%d), %v; want %v", tc.filter, numerosTries(ds...), n, err, numerosTries(tc.want...))
			}
		}

		// A new reference marks every request; a vendor's SIRET its own.
		if _, err := db.CreateReference(ctx, segur.ReferenceDemo()); err != nil {
			t.Fatal(err)
		}
		if got, want := marquees(t, db, ctx), numerosTries(append(gs, fs...)...); !slices.Equal(got, want) {
			t.Errorf("new reference: marked %v, want %v", got, want)
		}
		if n, err := db.CountAlertesACalculer(ctx, segur.DemandeFilter{FournisseurID: f.ID, Alerte: "*"}); err != nil || n != 1 {
			t.Errorf("CountAlertesACalculer of f: got %d, %v; want 1", n, err)
		}
		calculer(t, db, ctx)
		if _, err := db.w.ExecContext(ctx, `UPDATE fournisseurs SET siret = '73282932000074' WHERE id = $1`, int64(f.ID)); err == nil {
			// (another vendor's SIRET: refused or not, the trigger is what
			// is tested below)
			t.Log("two vendors share a SIRET")
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE fournisseurs SET siret = '44306184100047' WHERE id = $1`, int64(f.ID)); err != nil {
			t.Fatal(err)
		}
		if got, want := marquees(t, db, ctx), numerosTries(fs...); !slices.Equal(got, want) {
			t.Errorf("SIRET changed: marked %v, want %v", got, want)
		}
		calculer(t, db, ctx)
		if got := codesStockes(t, db, ctx, siret.ID); slices.Contains(got, "cle_siret") != !hop.SIRETCleValide("44306184100047") {
			t.Errorf("SIRET changed: codes %v", got)
		}

		// Marked again while computed: the codes are not written, the mark
		// stays, free for the next claim.
		if _, err := db.CreateReference(ctx, segur.ReferenceDemo()); err != nil {
			t.Fatal(err)
		}
		lot, err := db.PrendreAlertesACalculer(ctx, 100, time.Minute)
		if err != nil || len(lot) != 7 {
			t.Fatalf("claimed %d, %v; want 7", len(lot), err)
		}
		if again, err := db.PrendreAlertesACalculer(ctx, 100, time.Minute); err != nil || len(again) != 0 {
			t.Errorf("claimed again %d, %v; want none while claimed", len(again), err)
		}
		valider(double)
		n, err := db.EnregistrerAlertes(ctx, attendues(t, db, ctx, lot))
		if err != nil || n != 3 {
			t.Errorf("written %d, %v; want the 3 requests not marked again", n, err)
		}
		if got, want := marquees(t, db, ctx), numerosTries(finance, double, seule, siret); !slices.Equal(got, want) {
			t.Errorf("marked again: marked %v, want %v", got, want)
		}
		if again, err := db.PrendreAlertesACalculer(ctx, 100, time.Minute); err != nil || len(again) != 4 {
			t.Errorf("claimed after the write %d, %v; want 4", len(again), err)
		}
	})

	t.Run("alertes deux calculateurs", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		if db.dialect != dialectPostgres {
			t.Skip("PostgreSQL only: SQLite has one writer")
		}
		g := fixture(t, db, "73282932000074")
		var toutes []segur.Demande
		for i := range 4 {
			cs := make([][]string, 100)
			for j := range cs {
				cs[j] = []string{"750000001"}
			}
			toutes = append(toutes, enregistrerClients(t, db, ctx, g.ID, i+1, cs...)...)
		}
		var mu sync.Mutex
		fois := map[segur.DemandeID]int{}
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					lot, err := db.PrendreAlertesACalculer(ctx, 25, time.Minute)
					if err != nil {
						t.Errorf("PrendreAlertesACalculer: %v", err)
						return
					}
					if len(lot) == 0 {
						return
					}
					mu.Lock()
					for _, a := range lot {
						fois[a.Demande.ID]++
					}
					mu.Unlock()
					if _, err := db.EnregistrerAlertes(ctx, attendues(t, db, ctx, lot)); err != nil {
						t.Errorf("EnregistrerAlertes: %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		for _, d := range toutes {
			if fois[d.ID] != 1 {
				t.Errorf("%s computed %d times, want once", d.NumeroASP, fois[d.ID])
			}
		}
		if got := marquees(t, db, ctx); len(got) != 0 {
			t.Errorf("still marked: %v", got)
		}
	})
}
