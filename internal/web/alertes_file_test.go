package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
)

// TestFiltreAlertesAuDelaDeLaPage: the queue filtered on an alert type
// finds the one request that carries it, though the unfiltered list shows
// it only past its first page; its count and « tout sélectionner » are the
// filter's.
func TestFiltreAlertesAuDelaDeLaPage(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	eds := make([]string, 55)
	for i := range eds {
		eds[i] = fmt.Sprintf("L%04d", i+1)
	}
	if code, body := deposerLignes(t, vendeur, p, 1, eds...); code != http.StatusOK {
		t.Fatalf("deposit of 55 lines: got %d\n%s", code, body)
	}
	deposerForm(t, vendeur, p, "99999", "99999.00", 2, true) // above the ceilings of its establishments
	ds, n, err := p.db.FindDemandes(context.Background(), segur.DemandeFilter{Tri: "date"})
	if err != nil || n != 56 {
		t.Fatalf("deposited %d requests, %v; want 56", n, err)
	}
	derniere := ds[len(ds)-1].NumeroASP
	if ds[len(ds)-1].NumeroEditeur != "99999" {
		t.Fatalf("last request by date: got %s, want the one above the ceilings", ds[len(ds)-1].NumeroEditeur)
	}
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	lien := `href="/agence/demandes/` + derniere + `"`
	if _, body := L.lire(inst.Get(p.srv.URL + "/agence/demandes?statut=toutes&tri=date")); strings.Contains(body, lien) {
		t.Fatalf("unfiltered first page shows %s: the test wants it past the first page", derniere)
	}
	code, body := L.lire(inst.Get(p.srv.URL + "/agence/demandes?statut=toutes&tri=date&alerte=au_dessus_plafonds"))
	if code != http.StatusOK || !strings.Contains(body, lien) || strings.Count(body, `href="/agence/demandes/ASP-`) != 1 {
		t.Errorf("filter au_dessus_plafonds (%d): want %s alone\n%s", code, derniere, body)
	}
	if strings.Contains(body, "en cours de calcul") {
		t.Errorf("filter: says alerts are being computed, want them computed")
	}
	// Every request of the vendor carries its SIRET's alert: all 56.
	if _, body := L.lire(inst.Get(p.srv.URL + "/agence/demandes?statut=toutes&alerte=cle_siret&taille=100")); strings.Count(body, `href="/agence/demandes/ASP-`) != 56 {
		t.Errorf("filter cle_siret: got %d rows, want 56", strings.Count(body, `href="/agence/demandes/ASP-`))
	}
	// While requests wait for their computation, the queue says so.
	if _, err := p.db.CreateReference(segur.WithActeur(context.Background(), segur.Acteur{Login: "test"}), segur.ReferenceDemo()); err != nil {
		t.Fatal(err)
	}
	if n, err := p.db.CountAlertesACalculer(context.Background(), segur.DemandeFilter{Alerte: "*"}); err != nil || n != 56 {
		t.Errorf("after a new reference: %d requests to compute, %v; want 56", n, err)
	}
}
