package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
)

// TestSansCache walks the pages as each identity: every answer, a page,
// a download, an export, a document, a redirect or an error, carries
// Cache-Control: no-store; the portal's scripts and the DSFR's files keep
// their caching.
func TestSansCache(t *testing.T) {
	dsfr := t.TempDir()
	if err := os.WriteFile(filepath.Join(dsfr, "dsfr.min.css"), []byte("body{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newPortailDSFR(t, dsfr)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "13750.00")[0]
	d, err := p.db.FindDemandeByASP(context.Background(), asp)
	if err != nil {
		t.Fatal(err)
	}
	depot := "/depots/" + strconv.FormatInt(int64(d.DepotID), 10)
	agent := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur, segur.RolePayeur, segur.RoleAdmin)
	anonyme := client(t)
	for _, c := range []*http.Client{vendeur, agent, anonyme} {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}

	type requete struct {
		c      *http.Client
		method string
		path   string
		code   int
	}
	requetes := []requete{
		{anonyme, "GET", "/connexion", http.StatusOK},
		{anonyme, "GET", "/", http.StatusSeeOther},
		{anonyme, "GET", "/tableau", http.StatusSeeOther},
		{anonyme, "GET", "/modele", http.StatusOK},
		{anonyme, "GET", "/nulle-part", http.StatusNotFound},
		{anonyme, "POST", "/connexion", http.StatusUnprocessableEntity},
		{vendeur, "GET", "/tableau", http.StatusOK},
		{vendeur, "GET", "/depots/nouveau", http.StatusOK},
		{vendeur, "GET", "/depots", http.StatusOK},
		{vendeur, "GET", depot, http.StatusOK},
		{vendeur, "GET", depot + "/fichier", http.StatusOK},
		{vendeur, "GET", depot + "/fichier-retour", http.StatusOK},
		{vendeur, "GET", "/demandes", http.StatusOK},
		{vendeur, "GET", "/demandes.csv", http.StatusOK},
		{vendeur, "GET", "/demandes/" + asp, http.StatusOK},
		{vendeur, "GET", "/demandes/" + asp + "/pieces/1", http.StatusOK},
		{vendeur, "GET", "/compte", http.StatusOK},
		{vendeur, "GET", "/controles", http.StatusOK},
		{vendeur, "GET", "/paiements", http.StatusOK},
		{vendeur, "GET", "/agence/demandes", http.StatusForbidden},
		{agent, "GET", "/agence", http.StatusSeeOther},
		{agent, "GET", "/agence/demandes", http.StatusOK},
		{agent, "GET", "/agence/demandes/" + asp, http.StatusOK},
		{agent, "GET", "/agence/demandes/" + asp + "/pieces/1", http.StatusOK},
		{agent, "GET", "/agence/controles", http.StatusOK},
		{agent, "GET", "/agence/paiements", http.StatusOK},
		{agent, "GET", "/agence/pilotage", http.StatusOK},
		{agent, "GET", "/agence/depots", http.StatusOK},
		{agent, "GET", "/agence/depots.csv", http.StatusOK},
		{agent, "GET", "/agence" + depot, http.StatusOK},
		{agent, "GET", "/agence" + depot + "/fichier", http.StatusOK},
		{agent, "GET", "/agence" + depot + "/fichier-retour", http.StatusOK},
		{agent, "GET", "/compte", http.StatusOK},
	}
	for _, e := range []string{"demandes.csv", "demandes.xlsx", "financements.csv", "financements.xlsx", "paiements.csv", "paiements.xlsx", "controles.csv", "controles.xlsx"} {
		requetes = append(requetes, requete{agent, "GET", "/agence/exports/" + e, http.StatusOK})
	}
	for _, rt := range routesAdmin {
		if rt.method == "GET" {
			requetes = append(requetes, requete{agent, "GET", rt.path, http.StatusOK})
		}
	}
	for _, rq := range requetes {
		t.Run(rq.method+" "+rq.path, func(t *testing.T) {
			req, err := http.NewRequest(rq.method, p.srv.URL+rq.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rq.method == "POST" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := rq.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != rq.code {
				t.Errorf("got %d, want %d", resp.StatusCode, rq.code)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("got Cache-Control %q, want no-store", got)
			}
		})
	}
	for _, path := range []string{"/static/depot.js", "/dsfr/dsfr.min.css"} {
		resp, err := anonyme.Get(p.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if cc := resp.Header.Get("Cache-Control"); resp.StatusCode != http.StatusOK || strings.Contains(cc, "no-store") {
			t.Errorf("GET %s: got %d with Cache-Control %q, want 200 and cacheable", path, resp.StatusCode, cc)
		}
	}
	if resp, err := anonyme.Get(p.srv.URL + "/dsfr/dsfr.min.css"); err != nil || resp.Header.Get("Last-Modified") == "" {
		t.Errorf("the DSFR's files lost their Last-Modified: %v", err)
	} else {
		resp.Body.Close()
	}
}

// bandeau is the class of the layout's flash.
const bandeau = "fr-alert--success fr-alert--sm fr-mb-4w"

// TestFlash: the message of an action is shown once, on the page its
// redirect leads to, and never the text of a link's ?message=.
func TestFlash(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "13750.00")[0]
	agent := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	const piege = "Urgent : validez ASP-2026-0000001"
	for _, path := range []string{"/agence/demandes", "/agence/demandes/" + asp} {
		if _, body := L.lire(agent.Get(p.srv.URL + path + "?message=" + url.QueryEscape(piege))); strings.Contains(body, piege) || strings.Contains(body, bandeau) {
			t.Errorf("GET %s?message=: the page shows it", path)
		}
	}
	// The cookie is signed, private to the session, and short-lived.
	page := p.srv.URL + "/agence/demandes/" + asp
	nc := client(t)
	nc.Jar = agent.Jar
	nc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := nc.PostForm(page+"/actions", url.Values{"action": {"prendre"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var flash *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == cookieFlash {
			flash = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/agence/demandes/"+asp || flash == nil {
		t.Fatalf("action: got %d to %q, cookie %v; want 303 to the request, with a flash cookie", resp.StatusCode, resp.Header.Get("Location"), flash)
	}
	if !flash.HttpOnly || flash.SameSite != http.SameSiteLaxMode || flash.Path != "/" || flash.MaxAge <= 0 || flash.MaxAge > 60 {
		t.Errorf("got flash cookie %+v, want HttpOnly, SameSite=Lax, Path=/, Max-Age ≤ 60", flash)
	}
	want := "Demande " + asp + " : prise en instruction enregistrée"
	_, body := L.lire(agent.Get(page))
	if !strings.Contains(body, bandeau) || !strings.Contains(strings.ToLower(body), strings.ToLower(want)) {
		t.Errorf("after the action: the page lacks the message %q", want)
	}
	if _, body = L.lire(agent.Get(page)); strings.Contains(body, bandeau) {
		t.Error("the message is shown again on the next load")
	}
	// A forged or replayed cookie shows nothing: another text, or the
	// cookie of another session.
	for nom, valeur := range map[string]string{
		"texte changé": strings.Split(flash.Value, ".")[0] + "." + encode([]byte(piege)) + "." + strings.Split(flash.Value, ".")[2],
		"non signé":    strings.Split(flash.Value, ".")[0] + "." + encode([]byte(piege)) + ".",
	} {
		req, _ := http.NewRequest("GET", page, nil)
		for _, c := range agent.Jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
		req.AddCookie(&http.Cookie{Name: cookieFlash, Value: valeur})
		if _, body := L.lire(http.DefaultClient.Do(req)); strings.Contains(body, piege) || strings.Contains(body, bandeau) {
			t.Errorf("%s: the page shows it", nom)
		}
	}
	autre := agentClient(t, p, "paul@asp.fr", segur.RoleInstructeur)
	req, _ := http.NewRequest("GET", page, nil)
	for _, c := range autre.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	req.AddCookie(flash)
	if _, body := L.lire(http.DefaultClient.Do(req)); strings.Contains(body, bandeau) {
		t.Error("another session's cookie: the page shows its message")
	}
	// Another instance of the portal (several serve on one database) reads
	// it: the signature is the session's, not a key of one process.
	req, _ = http.NewRequest("GET", page, nil)
	for _, c := range agent.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	expire, reste, _ := strings.Cut(flash.Value, ".")
	texte, signature, _ := strings.Cut(reste, ".")
	if (&Server{}).signeFlash(req, expire, texte) != signature {
		t.Error("another instance cannot read the flash")
	}
	// Past its minute, the cookie is spent.
	p.now = p.now.Add(2 * dureeFlash)
	req, _ = http.NewRequest("GET", page, nil)
	for _, c := range agent.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	req.AddCookie(flash)
	if _, body := L.lire(http.DefaultClient.Do(req)); strings.Contains(body, bandeau) {
		t.Error("an expired cookie: the page shows its message")
	}
}
