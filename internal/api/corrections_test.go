package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// TestCorrections: on SQLite and PostgreSQL, a user disabled loses its
// API tokens at once, re-enabled it does not get them back; a suspended
// vendor's deposit is refused with the message, while it still reads.
func TestCorrections(t *testing.T) {
	for _, db := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return segurtest.FreshSchema(t, segurtest.PostgresDSN(t)) }},
	} {
		t.Run(db.name, func(t *testing.T) {
			t.Run("disabled user's token", func(t *testing.T) { testJetonDesactive(t, newPortailSur(t, db.url(t))) })
			t.Run("suspended vendor", func(t *testing.T) { testFournisseurSuspendu(t, newPortailSur(t, db.url(t))) })
		})
	}
}

var admin = segur.WithActeur(context.Background(), segur.Acteur{Login: "admin@asp.fr", Adresse: "192.0.2.1"})

func testJetonDesactive(t *testing.T, p *portail) {
	ctx := context.Background()
	f, err := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	if err != nil {
		t.Fatal(err)
	}
	jean := &segur.Utilisateur{Login: "jean@editeur.fr", Nom: "Jean", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f.ID}
	if err := p.db.CreateUtilisateur(ctx, jean); err != nil {
		t.Fatal(err)
	}
	// Jean's token, as the account page creates it.
	tok, digest, prefix, _ := auth.NewToken()
	if err := p.db.CreateJeton(ctx, &segur.Jeton{FournisseurID: f.ID, UtilisateurID: jean.ID, Empreinte: digest, Prefixe: prefix}); err != nil {
		t.Fatal(err)
	}
	avecJeton := func(tok string) (int, string) {
		req, _ := http.NewRequest("GET", p.srv.URL+"/api/v1/depots", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, b.String()
	}
	if code, body := avecJeton(tok); code != http.StatusOK {
		t.Fatalf("jean's token before: got %d\n%s", code, body)
	}
	if _, err := p.db.DesactiverUtilisateur(admin, jean.ID); err != nil {
		t.Fatal(err)
	}
	// The very next request is refused.
	if code, body := avecJeton(tok); code != http.StatusUnauthorized || !strings.Contains(body, "jeton d'API inconnu ou révoqué") {
		t.Errorf("jean's token after disabling: got %d, want 401\n%s", code, body)
	}
	// The vendor's token created by segur admin is nobody's: it works.
	if code, _ := avecJeton(p.tokens["88558855858745"]); code != http.StatusOK {
		t.Errorf("the vendor's other token: got %d, want 200", code)
	}
	// A token for a disabled user is refused.
	_, d2, p2, _ := auth.NewToken()
	err = p.db.CreateJeton(ctx, &segur.Jeton{FournisseurID: f.ID, UtilisateurID: jean.ID, Empreinte: d2, Prefixe: p2})
	if !segur.IsCode(err, segur.EFORBIDDEN) {
		t.Errorf("token of a disabled user: got %v, want EFORBIDDEN", err)
	}
	// Re-enabled: the old token stays revoked.
	if _, err := p.db.ReactiverUtilisateur(admin, jean.ID); err != nil {
		t.Fatal(err)
	}
	if code, _ := avecJeton(tok); code != http.StatusUnauthorized {
		t.Errorf("jean's token after re-enabling: got %d, want 401", code)
	}
}

func testFournisseurSuspendu(t *testing.T, p *portail) {
	ctx := context.Background()
	f, err := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.db.SuspendreFournisseur(admin, f.ID, true); err != nil {
		t.Fatal(err)
	}
	ex, zip := lire(t, exemple+".json"), lire(t, exemple+".zip")
	resp, body := p.deposer(t, "88558855858745", "1234567890", p.nom(1), ex, zip)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "Le compte de Éditeur 88558855858745 est suspendu") ||
		!strings.Contains(string(body), "écrivez à l'administrateur du portail") {
		t.Errorf("deposit of a suspended vendor: got %d\n%s", resp.StatusCode, body)
	}
	if ds, n, err := p.db.FindDepots(ctx, f.ID, 0, 0); err != nil || n != 0 || len(ds) != 0 {
		t.Errorf("deposit of a suspended vendor: %d recorded, %v", n, err)
	}
	// A deposit received before the suspension and recorded after it is
	// refused too: the desk reads the suspension under the vendor's lock.
	avant := *f // as read before the suspension
	g := &segur.Guichet{Store: p.db, Blobs: p.blobs, Paris: p.paris}
	jr, err := p.blobs.Put(ctx, bytes.NewReader(ex), int64(len(ex)))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := p.blobs.Put(ctx, bytes.NewReader(zip), int64(len(zip)))
	if err != nil {
		t.Fatal(err)
	}
	pr, err := p.db.FindProduit(ctx, "1234567890")
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Deposer(ctx, segur.Envoi{Fournisseur: &avant, Type: segur.TypeAvance, NumeroAns: "1234567890", NomFichier: p.nom(1), Recu: p.now(), JSON: jr, Zip: zr}, pr)
	if !segur.IsCode(err, segur.EFORBIDDEN) || !strings.Contains(err.Error(), "est suspendu") {
		t.Errorf("deposit under way at the suspension: got %v, want EFORBIDDEN « suspendu »", err)
	}
	// It still reads.
	if resp, body := p.do(t, "GET", "/api/v1/depots", "88558855858745", nil, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("suspended vendor's list: got %d\n%s", resp.StatusCode, body)
	}
	// Re-enabled, it deposits.
	if _, err := p.db.SuspendreFournisseur(admin, f.ID, false); err != nil {
		t.Fatal(err)
	}
	if resp, body := p.deposer(t, "88558855858745", "1234567890", p.nom(1), ex, zip); resp.StatusCode != http.StatusCreated {
		t.Errorf("deposit after resuming: got %d\n%s", resp.StatusCode, body)
	}
}
