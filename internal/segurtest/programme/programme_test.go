package main

import (
	"context"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/segurtest"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

var jusquau = time.Date(2026, 11, 30, 0, 0, 0, 0, paris())

func TestGenererSQLite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "base")
	e := generer(t, Options{Base: dir, Demandes: 500, Graine: 7, Jusquau: jusquau})
	verifier(t, "sqlite://"+filepath.Join(dir, "segur.db"), e)

	t.Run("base non vide refusée", func(t *testing.T) {
		_, err := Generer(context.Background(), Options{Base: dir, Demandes: 500, Graine: 7, Jusquau: jusquau}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "base non vide") {
			t.Fatalf("got %v, want « base non vide »", err)
		}
	})
	t.Run("même graine, même programme", func(t *testing.T) {
		autre := generer(t, Options{Base: filepath.Join(t.TempDir(), "base"), Demandes: 500, Graine: 7, Jusquau: jusquau})
		a, b := *e, *autre
		a.Fichier, b.Fichier = "", ""
		if !reflect.DeepEqual(a, b) {
			t.Errorf("same seed: got samples %+v, then %+v", a, b)
		}
	})
}

func TestGenererPostgres(t *testing.T) {
	dsn := segurtest.FreshSchema(t, segurtest.PostgresDSN(t))
	e := generer(t, Options{Base: dsn, Donnees: t.TempDir(), Demandes: 500, Graine: 7, Jusquau: jusquau})
	verifier(t, dsn, e)
}

func generer(tb testing.TB, o Options) *Echantillons {
	tb.Helper()
	e, err := Generer(context.Background(), o, io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// verifier checks the base of url against its samples: counts by status,
// every request's vendor and deposit, alerts raised, the checks of segur
// admin verify and of the audit chain.
func verifier(t *testing.T, url string, e *Echantillons) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	counts, err := db.CountStatuts(ctx, segur.DemandeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for st, n := range counts {
		total += n
		if n != e.Statuts[st] {
			t.Errorf("status %s: got %d requests, samples say %d", st, n, e.Statuts[st])
		}
	}
	if total != 500 || e.Demandes != 500 {
		t.Errorf("got %d requests (samples: %d), want 500", total, e.Demandes)
	}
	// The shares of a programme a year in, give or take the noise of 500
	// draws.
	for _, c := range []struct {
		statuts  []segur.StatutDemande
		min, max int
	}{
		{[]segur.StatutDemande{segur.DemandeDeposee}, 25, 80},
		{[]segur.StatutDemande{segur.DemandeEnInstruction}, 25, 80},
		{[]segur.StatutDemande{segur.DemandeACompleter}, 8, 45},
		{[]segur.StatutDemande{segur.DemandeRefusee}, 25, 80},
		{[]segur.StatutDemande{segur.DemandeDecidee, segur.DemandeConventionASigner, segur.DemandeConventionSignee}, 160, 240},
		{[]segur.StatutDemande{segur.DemandeAvancePayee}, 70, 130},
		{[]segur.StatutDemande{segur.DemandeSoldeDeposee, segur.DemandeSoldeEnInstruction, segur.DemandeSoldeValidee, segur.DemandeSoldee}, 8, 45},
	} {
		n := 0
		for _, st := range c.statuts {
			n += counts[st]
		}
		if n < c.min || n > c.max {
			t.Errorf("statuses %v: got %d requests, want %d to %d", c.statuts, n, c.min, c.max)
		}
	}

	ds, _, err := db.FindDemandes(ctx, segur.DemandeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ref, _, err := db.FindReference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := db.FindFournisseurs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sirets := map[segur.FournisseurID]string{}
	for _, f := range fs {
		sirets[f.ID] = f.SIRET
	}
	finances := map[hop.Logiciel]map[string]string{}
	depots := map[segur.DepotID]*segur.Depot{}
	alertes := map[string]int{}
	for i := range ds {
		d := &ds[i]
		dp, ok := depots[d.DepotID]
		if !ok {
			if dp, err = db.FindDepotByID(ctx, d.DepotID); err != nil {
				t.Fatal(err)
			}
			depots[d.DepotID] = dp
		}
		if dp.FournisseurID != d.FournisseurID || dp.NumeroAns != d.NumeroAns || dp.Statut != segur.DepotTraite {
			t.Errorf("%s: vendor %d, ANS %s, in deposit %d of vendor %d, ANS %s, %s", d.NumeroASP, d.FournisseurID, d.NumeroAns,
				dp.ID, dp.FournisseurID, dp.NumeroAns, dp.Statut)
		}
		p, err := db.FindProduit(ctx, d.NumeroAns)
		if err != nil || p.FournisseurID != d.FournisseurID || p.Logiciel != d.Logiciel {
			t.Errorf("%s: product %s of vendor %d, %s: got %+v, %v", d.NumeroASP, d.NumeroAns, d.FournisseurID, d.Logiciel, p, err)
		}
		if (d.Statut != segur.DemandeDeposee) != (d.Agent != "") {
			t.Errorf("%s: status %s, agent %q", d.NumeroASP, d.Statut, d.Agent)
		}
		if d.Statut.Finance() != (d.MontantFinance > 0) {
			t.Errorf("%s: status %s, amount financed %d", d.NumeroASP, d.Statut, d.MontantFinance)
		}
		if _, ok := finances[d.Logiciel]; !ok {
			if finances[d.Logiciel], err = db.FindFinancements(ctx, d.Logiciel, nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, a := range segur.Alertes(d, sirets[d.FournisseurID], ref, finances[d.Logiciel], segur.ProgrammeParDefaut) {
			alertes[a.Code]++
		}
	}
	for _, code := range []string{"hors_referentiel", "au_dessus_plafonds", "deja_finance"} {
		if alertes[code] == 0 || alertes[code] > 50 {
			t.Errorf("alert %s: on %d requests, want 1 to 50 (about 2 %%)", code, alertes[code])
		}
	}
	if alertes["cle_siret"]+alertes["cle_finess"] > 0 {
		t.Errorf("alerts on identifiers' keys: %v, want none", alertes)
	}

	h, err := db.FindHistorique(ctx, e.ASP)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[segur.Action]bool{}
	for _, c := range h {
		actions[c.Action] = true
	}
	if !actions[segur.ActionCompleter] || !actions[segur.ActionComplete] || !actions[segur.ActionPayerAvance] {
		t.Errorf("sample %s: history %v, want a completion asked and answered, and the advance paid", e.ASP, h)
	}

	v, err := db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Problemes) > 0 {
		t.Errorf("segur admin verify: %v", v.Problemes)
	}
	c, err := db.VerifyChaine(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.NRuptures > 0 || c.Evenements < 500 {
		t.Errorf("audit chain: %d events, breaks %v", c.Evenements, c.Ruptures)
	}
}
