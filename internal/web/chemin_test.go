package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
)

// TestIdCheminIntrouvable asks every page whose path carries a number for a
// number that is not one, zero or negative, or names nothing: each answers
// a French 404 page that says what does not exist.
func TestIdCheminIntrouvable(t *testing.T) {
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "13750.00")[0]
	agent := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur, segur.RolePayeur, segur.RoleAdmin)
	for _, tc := range []struct {
		c      *http.Client
		method string
		path   string
		want   string
	}{
		{agent, "GET", "/agence/admin/fournisseurs/abc", "Ce fournisseur n'existe pas."},
		{agent, "POST", "/agence/admin/courriels/0/relancer", "Ce courriel n'existe pas."},
		{agent, "GET", "/agence/tirages/abc", "Ce tirage n'existe pas."},
		{agent, "GET", "/agence/controles/-1", "Ce contrôle n'existe pas."},
		{agent, "GET", "/agence/paiements/lots/1x", "Ce lot de paiement n'existe pas."},
		{agent, "GET", "/agence/demandes/" + asp + "/pieces/abc", "Cette pièce n'existe pas."},
		{agent, "GET", "/agence/demandes/" + asp + "/pieces/0", "Cette pièce n'existe pas."},
		{agent, "GET", "/agence/demandes/" + asp + "/pieces/99", "Cette pièce n'existe pas."},
		{agent, "GET", "/agence/demandes/" + asp + "/versions/abc", "Cette pièce n'existe pas."},
		{agent, "GET", "/agence/demandes/" + asp + "/versions/99", "Cette pièce n'existe pas."},
		{agent, "GET", "/agence/demandes/" + asp + "/soldes/abc/pieces/1", "Ce solde n'existe pas."},
		{agent, "GET", "/agence/demandes/" + asp + "/soldes/99/pieces/1", "Ce solde n'existe pas."},
		{vendeur, "GET", "/demandes/" + asp + "/pieces/abc", "Cette pièce n'existe pas."},
		{vendeur, "GET", "/demandes/" + asp + "/versions/abc", "Cette pièce n'existe pas."},
		{vendeur, "GET", "/demandes/" + asp + "/soldes/1/pieces/x", "Cette pièce n'existe pas."},
		{vendeur, "POST", "/compte/jetons/abc/revoquer", "Ce jeton n'existe pas."},
		{vendeur, "POST", "/compte/jetons/99/revoquer", "Ce jeton n'existe pas."},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, p.srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			code, body := lecteur{t}.lire(tc.c.Do(req))
			if code != http.StatusNotFound || !strings.Contains(body, "Page introuvable") || !strings.Contains(body, tc.want) {
				t.Errorf("got %d, want 404 saying %q\n%s", code, tc.want, body)
			}
		})
	}
}
