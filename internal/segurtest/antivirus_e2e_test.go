package segurtest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestAntivirus drives segur serve --clamav with a real clamd
// (scripts/clamav.sh, test signatures only) through a relay the test cuts:
// a healthy piece is served once scanned, an infected one never (to the
// agent nor to the vendor), and its vendor gets a mail naming it; with the
// scanner away a deposit is still accepted, its pieces wait, and are
// scanned when it comes back.
func TestAntivirus(t *testing.T) {
	clamd := os.Getenv("SEGUR_TEST_CLAMAV")
	if clamd == "" {
		Indisponible(t, `SEGUR_TEST_CLAMAV is empty: no clamd to test against; start one with: eval "$(scripts/clamav.sh)"`)
	}
	cible := strings.TrimPrefix(clamd, "tcp://")
	relais := NouveauRelais(t, "127.0.0.1:0", cible)
	addr := relais.Addr()
	bin := binary(t)
	data := t.TempDir()
	// Agents sign in through ProConnect, as at the agency.
	issuer := fournisseurOIDC(t)
	srv := serve(t, bin, data, append([]string{"--demo", "--dsfr", DSFR(t), "--clamav", "tcp://" + addr, "--clamav-intervalle", "1s"},
		optionsOIDC(t, issuer)...)...)
	token := strings.TrimSpace(run(t, bin, "admin", "token", "add", "--data", data, "--siret", "88558855858745"))

	deposerASP := func(ed string, ordinal int, infecte bool) string {
		t.Helper()
		ex, z := fichierNumero(t, ed, ordinal)
		if infecte {
			z = zipInfecte(t, ed)
		}
		code, body := deposer(t, srv.base, token, nomDuJour(ordinal+1), ex, z)
		var d depotVu
		if err := json.Unmarshal(body, &d); code != 201 || err != nil || len(d.Demandes) != 1 || d.Demandes[0].NumeroASP == nil {
			t.Fatalf("deposit of %s: got %d %s", ed, code, body)
		}
		return *d.Demandes[0].NumeroASP
	}
	sain := deposerASP("V0001", 1, false)
	infecte := deposerASP("V0002", 2, true)

	agent := connecte(t, srv.base, "instructeur@asp.demo")
	vendeur := connecte(t, srv.base, "fournisseur@lebeaulogiciel.fr")
	piece := func(c *http.Client, chemin string) (int, string) {
		t.Helper()
		resp, err := c.Get(srv.base + chemin)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp.StatusCode, string(b)
	}
	// attendre polls until the piece answers want, and fails past the
	// test's bound with the last answer.
	attendre := func(c *http.Client, chemin string, want int) string {
		t.Helper()
		ctx := delai(t)
		for {
			code, body := piece(c, chemin)
			if code == want {
				return body
			}
			if code != http.StatusConflict && code != http.StatusLocked {
				t.Fatalf("%s: got %d, want %d or « en attente » (409/423)\n%s", chemin, code, want, body)
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s: still %d, want %d\n%s", chemin, code, want, body)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	if body := attendre(agent, "/agence/demandes/"+sain+"/pieces/1", 200); !strings.HasPrefix(body, "%PDF-") {
		t.Errorf("healthy piece: got %.40q, want the PDF", body)
	}
	body := attendre(agent, "/agence/demandes/"+infecte+"/pieces/2", http.StatusForbidden)
	if strings.Contains(body, "SEGUR-TEST-VIRUS") || !strings.Contains(body, "quarantaine") || !strings.Contains(body, "Segur.Test.Signature") {
		t.Errorf("infected piece to the agent: want the quarantine's page, not the file\n%s", body)
	}
	// Its neighbour in the same zip is healthy, and served.
	if code, body := piece(agent, "/agence/demandes/"+infecte+"/pieces/1"); code != 200 || !strings.HasPrefix(body, "%PDF-") {
		t.Errorf("the infected piece's healthy neighbour: got %d %.40q", code, body)
	}
	if code, body := piece(vendeur, "/demandes/"+infecte+"/pieces/2"); code != http.StatusForbidden || strings.Contains(body, "SEGUR-TEST-VIRUS") {
		t.Errorf("infected piece to the vendor: got %d, want 403 without the file", code)
	}
	mails := run(t, bin, "admin", "mail", "list", "--data", data)
	if strings.Count(mails, "demande:ASP-") != 1 || !strings.Contains(mails, "demande:"+infecte) {
		t.Errorf("mails: want one to the infected request's vendor only\n%s", mails)
	}

	// In Chromium, an agent signed in through ProConnect: the request's
	// page names the infected piece in an alert, links its healthy
	// neighbour only, and the neighbour opens.
	n := &nav{t: t, ctx: Browser(t), base: srv.base}
	n.proconnect("instructeur@asp.demo")
	n.do("demande infectée", chromedp.Navigate(srv.base+"/agence/demandes/"+infecte), chromedp.WaitVisible(chromedp.CSS(".fr-alert--error")))
	if alerte := n.texte(".fr-alert--error"); !strings.Contains(alerte, "HOP-RI-Va1-HT-V0002.pdf : infectée (Segur.Test.Signature") {
		t.Errorf("the request's alert: %q", alerte)
	}
	if got := n.fetch(`a[href$="/pieces/1"]`); got != "200 application/pdf %PDF-" {
		t.Errorf("the healthy piece, opened in the page: got %q", got)
	}
	if liens, err := chromedp.Run(n.ctx, chromedp.Evaluate[int](`document.querySelectorAll('a[href$="/pieces/2"]').length`)); err != nil || liens != 0 {
		t.Errorf("links to the infected piece: got %d %v, want none", liens, err)
	}
	n.capture("antivirus-demande-infectee")

	// The scanner away: the deposit is accepted, its pieces wait.
	relais.Couper()
	attente := deposerASP("V0003", 3, false)
	if code, body := piece(agent, "/agence/demandes/"+attente+"/pieces/1"); code != http.StatusConflict && code != http.StatusLocked ||
		!strings.Contains(body, "en attente") {
		t.Errorf("piece while the scanner is away: got %d, want « en attente »\n%s", code, body)
	}
	time.Sleep(2 * time.Second) // two rounds fail meanwhile
	if code, _ := piece(agent, "/agence/demandes/"+attente+"/pieces/1"); code != http.StatusConflict && code != http.StatusLocked {
		t.Errorf("piece while the scanner is away, after two rounds: got %d, want it to wait", code)
	}
	NouveauRelais(t, addr, cible)
	if body := attendre(agent, "/agence/demandes/"+attente+"/pieces/1", 200); !strings.HasPrefix(body, "%PDF-") {
		t.Errorf("piece once the scanner is back: got %.40q", body)
	}
}

// zipInfecte is fichierNumero's zip for ed, its second piece carrying the
// test signature of scripts/clamav.sh in a PDF comment.
func zipInfecte(t *testing.T, ed string) []byte {
	t.Helper()
	pdf, err := os.ReadFile("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	if err != nil {
		t.Fatal(err)
	}
	nl := bytes.IndexByte(pdf, '\n') + 1
	infecte := append(append(append([]byte{}, pdf[:nl]...), "% SEGUR-TEST-VIRUS-SIGNATURE\n"...), pdf[nl:]...)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, n := range []string{"HOP-RI-Va1-BDC-" + ed + ".pdf", "HOP-RI-Va1-HT-" + ed + ".pdf"} {
		w, _ := zw.Create(n)
		if i == 1 {
			w.Write(infecte)
		} else {
			w.Write(pdf)
		}
	}
	zw.Close()
	return buf.Bytes()
}

// connecte returns a client signed in to the portal at base as login,
// with the demo's password, that does not follow redirects.
func connecte(t *testing.T, base, login string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/connexion", url.Values{"login": {login}, "motdepasse": {"demo-segur-2026"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: got %d, want 303", login, resp.StatusCode)
	}
	return c
}
