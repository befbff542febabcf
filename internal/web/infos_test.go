package web

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// pagesObligatoires are the footer's links to the pages every State website
// owes its users, with their titles.
var pagesObligatoires = []struct{ lien, libelle, titre string }{
	{"/plan-du-site", "Plan du site", "Plan du site"},
	{"/accessibilite", "Accessibilité : non conforme", "Déclaration d'accessibilité"},
	{"/mentions-legales", "Mentions légales", "Mentions légales"},
	{"/donnees-personnelles", "Données personnelles", "Données personnelles"},
	{"/api", "API des éditeurs", "API des éditeurs"},
}

// openAPIDeTest is the API's description, as the portal serves it.
func openAPIDeTest(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPagesObligatoires: the footer of every page links the mandatory
// pages, which answer anonymously and with the header of a signed-in user;
// the contact given to serve appears, and only then.
func TestPagesObligatoires(t *testing.T) {
	L := lecteur{t}
	spec := openAPIDeTest(t)
	p := newPortailAvec(t, "", func(s *Server) { s.OpenAPI = spec })
	c := client(t)
	_, connexion := L.lire(c.Get(p.srv.URL + "/connexion"))
	for _, po := range pagesObligatoires {
		lien := `<a class="fr-footer__bottom-link" href="` + po.lien + `">` + po.libelle + `</a>`
		if !strings.Contains(connexion, lien) {
			t.Errorf("the footer lacks %s", lien)
		}
		code, body := L.lire(c.Get(p.srv.URL + po.lien))
		if code != http.StatusOK || !strings.Contains(body, "<h1>"+po.titre+"</h1>") {
			t.Errorf("%s anonymously: got %d, want 200 with its title", po.lien, code)
		}
		if strings.Contains(body, "mailto:") {
			t.Errorf("%s: a mailto without --contact", po.lien)
		}
	}
	_, acc := L.lire(c.Get(p.srv.URL + "/accessibilite"))
	for _, want := range []string{"<strong>non conforme</strong>", "RGAA", "Défenseur des droits", "Libre réponse 71120",
		"Contenus non accessibles", "version HTML accessible"} {
		if !strings.Contains(acc, want) {
			t.Errorf("the accessibility statement lacks %q", want)
		}
	}
	_, donnees := L.lire(c.Get(p.srv.URL + "/donnees-personnelles"))
	for _, want := range []string{"12 heures", "30 minutes", "15 minutes", "CNIL", "délégué à la protection des données", "segur_session"} {
		if !strings.Contains(donnees, want) {
			t.Errorf("the personal data page lacks %q", want)
		}
	}

	connecter(t, p, c, "mot de passe de test")
	for _, po := range pagesObligatoires {
		code, body := L.lire(c.Get(p.srv.URL + po.lien))
		if code != http.StatusOK || !strings.Contains(body, "Jean Dupont") || !strings.Contains(body, "Vos demandes") {
			t.Errorf("%s signed in: got %d, want the header with the user's name and navigation", po.lien, code)
		}
	}

	q := newPortailAvec(t, "", func(s *Server) {
		s.Contact = "accessibilite@asp.example"
		s.Hebergeur = "Hébergeur Exemple, 1 rue de l'Exemple, 75000 Paris"
	})
	for _, lien := range []string{"/accessibilite", "/mentions-legales", "/donnees-personnelles"} {
		_, body := L.lire(client(t).Get(q.srv.URL + lien))
		if !strings.Contains(body, `href="mailto:accessibilite@asp.example"`) {
			t.Errorf("%s lacks the contact given", lien)
		}
	}
	if _, body := L.lire(client(t).Get(q.srv.URL + "/mentions-legales")); !strings.Contains(body, "Hébergeur Exemple, 1 rue de l'Exemple, 75000 Paris.") {
		t.Errorf("the legal notice lacks the host given")
	}
	// Without the API's description, no page rather than an empty one.
	if code, _ := L.lire(client(t).Get(q.srv.URL + "/api")); code != http.StatusNotFound {
		t.Errorf("/api without a description: got %d, want 404", code)
	}
}

// TestDocumentationAPI: the API's page shows every route of the OpenAPI
// description with its summary, parameters and answers, and every object,
// in the description's order.
func TestDocumentationAPI(t *testing.T) {
	spec := openAPIDeTest(t)
	var o struct {
		Paths      map[string]map[string]struct{ Summary string }
		Components struct{ Schemas map[string]any }
	}
	if err := json.Unmarshal(spec, &o); err != nil {
		t.Fatal(err)
	}
	p, err := documentationAPI(spec)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for chemin, ops := range o.Paths {
		for m, op := range ops {
			n++
			found := false
			for _, d := range p.Operations {
				if d.Chemin == chemin && d.Methode == strings.ToUpper(m) {
					found = true
					if d.Resume != op.Summary || len(d.Reponses) == 0 {
						t.Errorf("%s %s: summary %q, %d answers", m, chemin, d.Resume, len(d.Reponses))
					}
				}
			}
			if !found {
				t.Errorf("%s %s missing from the page", m, chemin)
			}
		}
	}
	if len(p.Operations) != n {
		t.Errorf("%d routes on the page, %d in the description", len(p.Operations), n)
	}
	if p.Operations[0].Methode != "POST" || p.Operations[0].Chemin != "/api/v1/depots" {
		t.Errorf("first route %s %s, want the description's first, POST /api/v1/depots", p.Operations[0].Methode, p.Operations[0].Chemin)
	}
	if len(p.Schemas) != len(o.Components.Schemas) {
		t.Errorf("%d objects on the page, %d in the description", len(p.Schemas), len(o.Components.Schemas))
	}
	for _, d := range p.Operations {
		if d.Chemin == "/api/v1/depots" && d.Methode == "POST" {
			if d.CorpsType != "multipart/form-data" || len(d.Corps) != 4 || d.Corps[0].Nom != "typeDemande" || !d.Corps[0].Requis ||
				!strings.Contains(d.Corps[0].Type, "avance, solde") {
				t.Errorf("the deposit's body: %s %+v", d.CorpsType, d.Corps)
			}
			if d.Parametres[0].Nom != "Idempotency-Key" || d.Parametres[0].Ou != "en-tête" || !strings.Contains(d.Parametres[0].Type, "100 caractères au plus") {
				t.Errorf("the deposit's parameters: %+v", d.Parametres)
			}
		}
		if d.Chemin == "/api/v1/modele" && !d.Public {
			t.Errorf("GET /api/v1/modele needs no token: not said")
		}
		if d.Chemin == "/api/v1/depots/{id}" && (d.Parametres[0].Nom != "id" || !d.Parametres[0].Requis || d.Parametres[0].Ou != "chemin") {
			t.Errorf("a path parameter: %+v", d.Parametres)
		}
	}
	if _, err := documentationAPI([]byte(`{"paths": [1]}`)); err == nil {
		t.Errorf("a broken description: no error")
	}
}

// TestErreurGardeEntete: a page refused or not found keeps the signed-in
// user's header and navigation (the way back), and is anonymous otherwise.
func TestErreurGardeEntete(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	c := client(t)
	code, body := L.lire(c.Get(p.srv.URL + "/nulle-part"))
	if code != http.StatusNotFound || strings.Contains(body, "Se déconnecter") {
		t.Errorf("anonymous 404: got %d, header with a user %v", code, strings.Contains(body, "Se déconnecter"))
	}
	connecter(t, p, c, "mot de passe de test")
	for _, tc := range []struct {
		chemin string
		code   int
	}{{"/nulle-part", http.StatusNotFound}, {"/agence/demandes", http.StatusForbidden}, {"/depots/999999", http.StatusNotFound}} {
		code, body := L.lire(c.Get(p.srv.URL + tc.chemin))
		if code != tc.code || !strings.Contains(body, "Jean Dupont") || !strings.Contains(body, `href="/demandes"`) ||
			!strings.Contains(body, "Se déconnecter") {
			t.Errorf("%s signed in: got %d, want %d with the user's header and navigation", tc.chemin, code, tc.code)
		}
	}
}

// TestParcoursPagesObligatoires walks the mandatory pages from the footer
// in Chromium, at 1280 and at 390 px, checking each with axe-core.
func TestParcoursPagesObligatoires(t *testing.T) {
	spec := openAPIDeTest(t)
	p := newPortailAvec(t, dsfrDir(t), func(s *Server) { s.OpenAPI = spec; s.Contact = "accessibilite@asp.example" })
	ctx, do, texte := parcours(t)
	for _, largeur := range []int64{1280, 390} {
		do("largeur", chromedp.EmulateViewport(largeur, 900))
		for _, po := range pagesObligatoires {
			do("pied de page "+po.lien, chromedp.Navigate(p.srv.URL+"/connexion"),
				chromedp.Click(chromedp.CSS(`#pied a[href="`+po.lien+`"]`)),
				chromedp.WaitVisible(chromedp.CSS("h1")))
			if got := texte("h1"); got != po.titre {
				t.Errorf("%d px, %s: title %q", largeur, po.lien, got)
			}
			segurtest.Screenshot(t, ctx, strings.TrimPrefix(po.lien, "/")+"-"+map[int64]string{1280: "1280", 390: "390"}[largeur])
			segurtest.Axe(t, ctx)
			if largeur == 390 {
				// Nothing wider than the screen: no sideways scroll.
				large, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
				if err != nil || large {
					t.Errorf("%s at 390 px scrolls sideways (%v)", po.lien, err)
				}
			}
		}
	}
}

// exemplesInfos are the sample data of the mandatory pages (TestTemplates).
func exemplesInfos() map[string]exemple {
	vendeur := &segur.Utilisateur{Login: "jean@x.fr", Nom: "Jean", Roles: []segur.Role{segur.RoleFournisseur}}
	info := func(titre string) PageInfo {
		return PageInfo{Base: Base{Titre: titre, Utilisateur: vendeur}, Agence: agenceNom, Adresse: agenceAdresse,
			Contact: "contact@asp.example", SessionDuree: "12 heures", SessionInactivite: "30 minutes", FenetreEchecs: "15 minutes"}
	}
	api := PageAPI{Base: Base{Titre: "API des éditeurs"}, Nom: "API", Description: "Dépôts.",
		Operations: []Operation{{Ancre: "get-api-v1-depots", Methode: "GET", Chemin: "/api/v1/depots", Resume: "Lister ses dépôts",
			Parametres: []ParametreDoc{{Nom: "page", Ou: "requête", Type: "entier"}},
			Corps:      []ChampDoc{{Nom: "fichier", Type: "fichier application/json", Requis: true}}, CorpsType: "multipart/form-data",
			Reponses: []ReponseDoc{{Code: "200", Description: "Les dépôts", Type: "application/json"}}}},
		Schemas: []SchemaDoc{{Nom: "Depot", Champs: []ChampDoc{{Nom: "id", Type: "entier"}}}}}
	return map[string]exemple{
		"accessibilite.html":        {data: info("Déclaration d'accessibilité"), francais: "État de conformité", want: []string{"mailto:contact@asp.example"}},
		"mentions-legales.html":     {data: info("Mentions légales"), francais: "Directeur de la publication"},
		"donnees-personnelles.html": {data: info("Données personnelles"), francais: "Combien de temps", want: []string{"12 heures"}},
		"plan-du-site.html":         {data: info("Plan du site"), francais: "Espace des éditeurs"},
		"api.html":                  {data: api, francais: "Corps de la requête", want: []string{`id="get-api-v1-depots"`, "Lister ses dépôts"}},
	}
}

// TestDocumentationAPIReponsesGroupees: the deposit's error answers, alike,
// are one row naming every code; 401, described apart (an expired token
// and how to renew it), has its own.
func TestDocumentationAPIReponsesGroupees(t *testing.T) {
	p, err := documentationAPI(openAPIDeTest(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range p.Operations {
		if d.Methode == "POST" && d.Chemin == "/api/v1/depots" {
			var codes []string
			for _, r := range d.Reponses {
				codes = append(codes, r.Code)
			}
			if got := strings.Join(codes, " | "); got != "201 | 400 | 401 | 403, 409, 413, 422 | 429, 503 | 507" {
				t.Errorf("answers of the deposit: %s", got)
			}
		}
	}
}

// TestDocumentationAPICassee: a description the page cannot read stops
// the portal's start (Routes), rather than failing each request.
func TestDocumentationAPICassee(t *testing.T) {
	s := &Server{OpenAPI: []byte(`{"paths": {"/x": [1]}}`)}
	if err := s.Routes(http.NewServeMux()); err == nil {
		t.Errorf("Routes with a broken description: no error")
	}
}
