package segurtest

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestProConnectNavigateur drives the real binary with --oidc-issuer in
// Chromium, against the test provider (scripts/oidc.sh): the instructor
// signs in through ProConnect and reaches the queue; logging out ends the
// provider's session too; a person the portal has no agent account for is
// refused by the portal; a callback whose state is not this browser's is
// refused. (The expired ID token is refused in internal/web's
// TestProConnect, where the portal's clock can be moved.)
func TestProConnectNavigateur(t *testing.T) {
	issuer := fournisseurOIDC(t)
	base := serve(t, binary(t), t.TempDir(), append([]string{"--demo", "--dsfr", DSFR(t)}, optionsOIDC(t, issuer)...)...).base
	n := &nav{t: t, ctx: Browser(t), base: base}

	n.do("connexion", chromedp.Navigate(base+"/connexion"), chromedp.WaitVisible(chromedp.CSS(`a[href="/connexion/proconnect"]`)))
	n.capture("proconnect-01-connexion")
	n.proconnect("instructeur@asp.demo")
	if h1 := n.texte("h1"); h1 != "File d'instruction" {
		t.Fatalf("after ProConnect: got %q, want the instructor's queue\n%s", h1, n.texte("main"))
	}
	n.capture("proconnect-02-file")
	// Logout ends the portal's session, then the provider's.
	n.do("déconnexion", chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)),
		chromedp.WaitNotPresent(chromedp.CSS(".fr-header__menu")))
	if url, err := chromedp.Run(n.ctx, chromedp.Location()); err != nil || !strings.HasPrefix(url, strings.TrimSuffix(issuer, "/")) {
		t.Errorf("after logout: at %q %v, want the provider's end of session", url, err)
	}
	n.do("page protégée", chromedp.Navigate(base+"/agence/demandes"), chromedp.WaitVisible(chromedp.CSS("#login")))

	// A person without an agent account: refused by the portal.
	n.proconnect("inconnu@exemple.fr")
	if main := n.texte("main"); !strings.Contains(main, "Aucun compte d'agent n'est ouvert pour l'adresse inconnu@exemple.fr") {
		t.Errorf("unknown person: %q", main)
	}
	n.capture("proconnect-03-inconnu")
	n.do("page protégée", chromedp.Navigate(base+"/agence/demandes"), chromedp.WaitVisible(chromedp.CSS("#login")))

	// A callback that this browser did not start.
	n.do("retour étranger", chromedp.Navigate(base+"/connexion/proconnect/retour?state=ailleurs&code=x"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if main := n.texte("main"); !strings.Contains(main, "Cette connexion par ProConnect a expiré ou a été ouverte ailleurs") {
		t.Errorf("foreign callback: %q", main)
	}
}

// fournisseurOIDC is the test provider's issuer (scripts/oidc.sh), or t is
// skipped (fails when CI=true).
func fournisseurOIDC(t *testing.T) string {
	t.Helper()
	issuer := os.Getenv("SEGUR_TEST_OIDC_ISSUER")
	if issuer == "" {
		Indisponible(t, `SEGUR_TEST_OIDC_ISSUER is empty: no OpenID Connect provider; start one with: eval "$(scripts/oidc.sh)"`)
	}
	return issuer
}

// optionsOIDC are serve's options to sign agents in through the provider
// at issuer, with its public client (any loopback port on the callback's
// path): a free port, named in --addr and --url, the callback's base.
func optionsOIDC(t *testing.T, issuer string) []string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	return []string{"--addr", "127.0.0.1:" + port, "--url", "http://127.0.0.1:" + port, "--oidc-issuer", issuer, "--oidc-client-id", "native"}
}

// proconnect signs login in through the sign-in page's ProConnect button
// and the provider's form, and waits for the page the portal answers.
func (n *nav) proconnect(login string) {
	n.t.Helper()
	motDePasse := os.Getenv("SEGUR_TEST_OIDC_PASSWORD")
	if motDePasse == "" {
		motDePasse = "proconnect-2026"
	}
	n.do("ProConnect "+login, chromedp.Navigate(n.base+"/connexion"),
		chromedp.Click(chromedp.CSS(`a[href="/connexion/proconnect"]`)),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), login),
		chromedp.SendKeys(chromedp.CSS("#password"), motDePasse),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("h1")))
}
