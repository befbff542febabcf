package segurtest

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// mailpitAPI returns the test SMTP server's address and its API's URL
// (scripts/mailpit.sh), or skips t (fails it when CI=true).
func mailpitAPI(t *testing.T) (smtpAddr, api string) {
	t.Helper()
	smtpAddr, api = os.Getenv("SEGUR_TEST_SMTP"), os.Getenv("SEGUR_TEST_MAILPIT")
	if smtpAddr == "" || api == "" {
		Indisponible(t, `SEGUR_TEST_SMTP or SEGUR_TEST_MAILPIT is empty: no SMTP server to test against; start one with: eval "$(scripts/mailpit.sh)"`)
	}
	return smtpAddr, strings.TrimSuffix(api, "/")
}

// adresseUnique is an address of this test's own, to find its mails in
// mailpit among those of other tests.
func adresseUnique() string {
	return "t" + strings.ToLower(rand.Text()[:16]) + "@segur.test"
}

// courrielRecu waits, at most attenteMax, for the first mail mailpit
// received for a whose subject is sujet, and returns its text; the mails
// of a are deleted at the test's end.
func courrielRecu(t *testing.T, api, a, sujet string) string {
	t.Helper()
	q := url.Values{"query": {"to:" + a}}.Encode()
	t.Cleanup(func() {
		req, _ := http.NewRequest(http.MethodDelete, api+"/api/v1/search?"+q, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	lire := func(u string, v any) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, v) != nil {
			t.Fatalf("GET %s: %s %s", u, resp.Status, b)
		}
	}
	fin := time.After(attenteMax)
	for {
		var r struct {
			Messages []struct{ ID, Subject string }
		}
		lire(api+"/api/v1/search?"+q, &r)
		for _, m := range r.Messages {
			if m.Subject == sujet {
				var msg struct{ Text string }
				lire(api+"/api/v1/message/"+m.ID, &msg)
				return msg.Text
			}
		}
		select {
		case <-fin:
			t.Fatalf("no mail « %s » to %s within %v", sujet, a, attenteMax)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// portailCourriels starts the binary with --demo, sending its mails to
// mailpit, on a free port that --url names (the links of the mails), and a
// browser; it returns the navigation, the data folder, the binary and
// mailpit's API.
func portailCourriels(t *testing.T) (n *nav, data, bin, api string) {
	t.Helper()
	smtp, api := mailpitAPI(t)
	dsfr := DSFR(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	bin, data = binary(t), t.TempDir()
	base := serve(t, bin, data, "--demo", "--dsfr", dsfr, "--addr", "127.0.0.1:"+port, "--url", "http://127.0.0.1:"+port, "--smtp", smtp).base
	return &nav{t: t, ctx: Browser(t), base: base}, data, bin, api
}

// lienDe returns the link to choose a password in a mail's text, as a
// path and query on the portal at base.
func lienDe(t *testing.T, texte, base string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(base) + `(/motdepasse/nouveau\?jeton=[A-Za-z0-9_-]{43})`).FindStringSubmatch(texte)
	if m == nil {
		t.Fatalf("no link to %s/motdepasse/nouveau in the mail:\n%s", base, texte)
	}
	return m[1]
}

// choisirMotDePasse fills the form of a link with mdp twice and submits it.
func (n *nav) choisirMotDePasse(mdp, attendre string) {
	n.t.Helper()
	n.do("mot de passe "+mdp, // the fields are empty: a page answered each submission
		chromedp.SendKeys(chromedp.CSS("#nouveau"), mdp), chromedp.SendKeys(chromedp.CSS("#confirmation"), mdp),
		chromedp.Click(chromedp.CSS("main button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(attendre)))
}

// seConnecter logs in with login and mdp and waits for the next page, at
// any width (on a phone, the header's menu is behind its button).
func (n *nav) seConnecter(login, mdp string) {
	n.t.Helper()
	n.do("connexion "+login, chromedp.Navigate(n.base+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), login),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), mdp),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitNotPresent(chromedp.CSS("#motdepasse")), chromedp.WaitVisible(chromedp.CSS("h1")))
}

// seDeconnecter submits the logout form, hidden or not (on a phone it is
// in the menu), and waits for the login page.
func (n *nav) seDeconnecter() {
	n.t.Helper()
	n.do("déconnexion", chromedp.Submit(chromedp.CSS(`form[action="/deconnexion"] button`)), chromedp.WaitVisible(chromedp.CSS("#motdepasse")))
}

// largeurs are the widths the journeys run at: a desktop and a phone.
var largeurs = []int64{1280, 390}

// TestMotDePasseOublieNavigateur: in Chromium, against the real binary and
// mail server, a vendor who forgot its password asks for a link from the
// login page, gets the mail, chooses a new password (a short one refused
// first, beside its field), and logs in with it; the link used again
// offers a new request. At 1280 and 390 px, every page checked with axe.
func TestMotDePasseOublieNavigateur(t *testing.T) {
	n, data, bin, api := portailCourriels(t)
	for _, largeur := range largeurs {
		t.Run(strconv.FormatInt(largeur, 10), func(t *testing.T) {
			n := &nav{t: t, ctx: n.ctx, base: n.base}
			login := adresseUnique()
			cmd := exec.Command(bin, "admin", "user", "add", "--data", data, "--login", login, "--name", "Léa Martin",
				"--role", "fournisseur", "--siret", "88558855858745", "--password-stdin")
			cmd.Stdin = strings.NewReader("l'ancien mot de passe de Léa\n")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("user add: %v\n%s", err, out)
			}
			n.do("largeur", chromedp.EmulateViewport(largeur, 844))
			n.do("connexion", chromedp.Navigate(n.base+"/connexion"), chromedp.WaitVisible(chromedp.CSS(`a[href="/motdepasse/oublie"]`)))
			n.capture("h-compte-01-connexion")
			n.do("lien oublié", chromedp.Click(chromedp.CSS(`a[href="/motdepasse/oublie"]`)), chromedp.WaitVisible(chromedp.CSS("#login")))
			n.capture("h-compte-02-oublie")
			n.do("demande", chromedp.SendKeys(chromedp.CSS("#login"), login), chromedp.Click(chromedp.CSS("main button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
			if got := strings.TrimSpace(n.texte(".fr-alert--success")); got != "Si un compte correspond à cette adresse, un courriel vient de lui être envoyé ; le lien est valable une heure." {
				t.Errorf("after the request: got %q", got)
			}
			n.capture("h-compte-03-demande-envoyee")

			texte := courrielRecu(t, api, login, "[Ségur numérique] Réinitialisation de votre mot de passe")
			if !strings.Contains(texte, "valable une heure et une seule fois") {
				t.Errorf("the mail does not say the link's validity:\n%s", texte)
			}
			lien := lienDe(t, texte, n.base)
			n.do("lien du courriel", chromedp.Navigate(n.base+lien), chromedp.WaitVisible(chromedp.CSS("#nouveau")))
			if got := n.texte("main"); !strings.Contains(got, login) {
				t.Errorf("the link's page does not name the account: %q", got)
			}
			n.capture("h-compte-04-nouveau")
			n.choisirMotDePasse("court", "#nouveau-erreur")
			if got := n.texte(`.fr-alert--error a[href="#nouveau"]`); !strings.Contains(got, "12 caractères au moins") {
				t.Errorf("a short password: got %q in the summary", got)
			}
			n.capture("h-compte-05-nouveau-refuse")
			const mdp = "la nouvelle phrase de passe de Léa"
			n.choisirMotDePasse(mdp, ".fr-alert--success")
			if got := n.texte(".fr-alert--success"); !strings.Contains(got, "Nouveau mot de passe enregistré") {
				t.Errorf("after the new password: got %q", got)
			}
			n.capture("h-compte-06-connexion-apres")
			n.seConnecter(login, mdp)
			if got := n.texte("h1"); got != "Tableau de bord" {
				t.Errorf("logged in with the new password: got %q, want the dashboard", got)
			}
			n.seDeconnecter()
			n.do("lien utilisé", chromedp.Navigate(n.base+lien), chromedp.WaitVisible(chromedp.CSS(`main a[href="/motdepasse/oublie"]`)))
			if got := n.texte("h1"); got != "Ce lien n'est plus valable" {
				t.Errorf("the used link: got %q", got)
			}
			n.capture("h-compte-07-lien-perime")
		})
	}
}

// TestActivationNavigateur: in Chromium, against the real binary and mail
// server, an administrator creates an account and sees no password, only
// « invitation envoyée à … »; the person activates it from the mail's
// link and logs in. At 1280 and 390 px, every page checked with axe.
func TestActivationNavigateur(t *testing.T) {
	n, _, _, api := portailCourriels(t)
	for _, largeur := range largeurs {
		t.Run(strconv.FormatInt(largeur, 10), func(t *testing.T) {
			n := &nav{t: t, ctx: n.ctx, base: n.base}
			login := adresseUnique()
			n.do("largeur", chromedp.EmulateViewport(largeur, 844))
			n.seConnecter("admin@asp.demo", "demo-segur-2026")
			n.do("formulaire", chromedp.Navigate(n.base+"/agence/admin/utilisateurs/nouveau"), chromedp.WaitVisible(chromedp.CSS("#login")))
			if got := n.texte("main"); !strings.Contains(got, "invitation par courriel") {
				t.Errorf("the form does not say the invitation: %q", got)
			}
			n.capture("h-compte-11-admin-nouveau")
			n.do("créer", chromedp.SendKeys(chromedp.CSS("#login"), login), chromedp.SendKeys(chromedp.CSS("#nom"), "Noé Bernard"),
				chromedp.Click(chromedp.CSS(`label[for="role-instructeur"]`)),
				chromedp.Click(chromedp.CSS("main form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
			if got := n.texte(".fr-alert--success"); !strings.Contains(got, "invitation envoyée à "+login) || strings.Contains(got, "Mot de passe") {
				t.Errorf("after the creation: got %q, want « invitation envoyée à %s » and no password", got, login)
			}
			n.capture("h-compte-12-admin-invitation")
			n.seDeconnecter()

			texte := courrielRecu(t, api, login, "[Ségur numérique] Activez votre compte")
			if !strings.Contains(texte, "valable 7 jours") || !strings.Contains(texte, "Noé Bernard") {
				t.Errorf("the activation mail:\n%s", texte)
			}
			n.do("lien d'activation", chromedp.Navigate(n.base+lienDe(t, texte, n.base)), chromedp.WaitVisible(chromedp.CSS("#nouveau")))
			if got := n.texte("h1"); got != "Activer votre compte" {
				t.Errorf("the link's page: got %q", got)
			}
			n.capture("h-compte-13-activation")
			const mdp = "la phrase de passe de Noé"
			n.choisirMotDePasse(mdp, ".fr-alert--success")
			if got := n.texte(".fr-alert--success"); !strings.Contains(got, "Compte activé") {
				t.Errorf("after the activation: got %q", got)
			}
			n.capture("h-compte-14-active")
			n.seConnecter(login, mdp)
			if got := n.texte("h1"); got != "File d'instruction" {
				t.Errorf("the new instructor: got %q, want the queue", got)
			}
			n.seDeconnecter()
		})
	}
}
