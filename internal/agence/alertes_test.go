package agence

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
)

// TestLotAlertesNonVues: a batch validation leaves out the requests with
// an alert no agent marked seen and names the alerts; the vendor's SIRET
// key, marked seen once, no longer holds back any of its requests; a
// validation from the request's page is not held back.
func TestLotAlertesNonVues(t *testing.T) {
	b, asps := nouveauBanc(t, 10_000_00, 12_000_00)
	ctx := context.Background()
	acte := func(a segur.Action) Acte {
		m := marie
		m.Action = a
		return Acte{Demarche: m}
	}
	for _, r := range b.in.Lot(ctx, asps, acte(segur.ActionPrendre)) {
		if r.Err != nil {
			t.Fatalf("take %s: %v", r.NumeroASP, r.Err)
		}
	}
	raisons := func(rs []Resultat) map[string]string {
		out := map[string]string{}
		for _, r := range rs {
			var se *segur.Error
			switch {
			case r.Err == nil:
				out[r.NumeroASP] = ""
			case errors.As(r.Err, &se) && se.Code == segur.ECONFLICT:
				out[r.NumeroASP] = se.Message
			default:
				t.Fatalf("%s: %v, want ECONFLICT or nil", r.NumeroASP, r.Err)
			}
		}
		return out
	}
	got := raisons(b.in.Lot(ctx, asps, acte(segur.ActionValider)))
	for _, asp := range asps {
		if !strings.HasPrefix(got[asp], "non validée : alertes non vues (Clé SIRET, clé FINESS)") {
			t.Errorf("%s: got %q, want it left out for its SIRET and FINESS keys", asp, got[asp])
		}
	}

	if _, err := b.in.MarquerAlerteVue(ctx, asps[0], "cle_siret", "marie@asp.fr", ""); err == nil {
		t.Fatal("marking without a reason: got no error")
	}
	v, err := b.in.MarquerAlerteVue(ctx, asps[0], "cle_siret", "marie@asp.fr", "SIRET vérifié")
	if err != nil || v.FournisseurID != b.f.ID || v.NumeroASP != "" {
		t.Fatalf("marking the SIRET key: got %+v, %v; want it for the vendor", v, err)
	}
	if _, err := b.in.MarquerAlerteVue(ctx, asps[0], "cle_finess", "marie@asp.fr", "FINESS vérifié"); err != nil {
		t.Fatal(err)
	}
	got = raisons(b.in.Lot(ctx, asps, acte(segur.ActionValider)))
	if got[asps[0]] != "" {
		t.Errorf("%s: got %q, want it validated", asps[0], got[asps[0]])
	}
	// Its SIRET key is seen; its establishment is now financed by the
	// first.
	if want := "non validée : alertes non vues (Clé FINESS, déjà financé)"; !strings.HasPrefix(got[asps[1]], want) {
		t.Errorf("%s: got %q, want %q", asps[1], got[asps[1]], want)
	}
	for asp, want := range map[string]segur.StatutDemande{asps[0]: segur.DemandeDecidee, asps[1]: segur.DemandeEnInstruction} {
		if d, _ := b.db.FindDemandeByASP(ctx, asp); d.Statut != want {
			t.Errorf("%s: got %s, want %s", asp, d.Statut, want)
		}
	}
	if c, err := b.agir(t, asps[1], segur.ActionValider, ""); err != nil || c.Vers != segur.DemandeDecidee {
		t.Errorf("validating from the page: got %+v, %v", c, err)
	}
}
