package segurtest

import (
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	reFormulaire = regexp.MustCompile(`(?is)<form\b[^>]*>`)
	reChamp      = regexp.MustCompile(`(?is)<input\b[^>]*>`)
	reAttribut   = regexp.MustCompile(`(?is)\b(action|type|name|value)\s*=\s*"([^"]*)"`)
)

func attributsHTML(tag string) map[string]string {
	a := map[string]string{}
	for _, m := range reAttribut.FindAllStringSubmatch(tag, -1) {
		a[strings.ToLower(m[1])] = html.UnescapeString(m[2])
	}
	return a
}

// IdentifierOIDC plays a person at the test provider (scripts/oidc.sh),
// with a browser of its own: from the authorization URL to the provider's
// login form, filled as email with motDePasse, then to the redirect to the
// relying party's callback (retour, without its query), which is not
// followed but returned.
func IdentifierOIDC(tb testing.TB, autorisation, retour, email, motDePasse string) *url.URL {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	hc := &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), retour+"?") {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return errors.New("more than 10 redirects")
		}
		return nil
	}}
	lire := func(resp *http.Response) string {
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			tb.Fatalf("reading %s: %v", resp.Request.URL, err)
		}
		return string(b)
	}
	resp, err := hc.Get(autorisation)
	if err != nil {
		tb.Fatalf("GET authorization URL: %v", err)
	}
	page := lire(resp)
	form := reFormulaire.FindString(page)
	if resp.StatusCode != http.StatusOK || form == "" {
		tb.Fatalf("authorization URL: got %s, want 200 and the login form: %.300s", resp.Status, page)
	}
	action, err := resp.Request.URL.Parse(attributsHTML(form)["action"])
	if err != nil {
		tb.Fatalf("form action: %v", err)
	}
	v := url.Values{}
	for _, in := range reChamp.FindAllString(page, -1) {
		if a := attributsHTML(in); strings.EqualFold(a["type"], "hidden") {
			v.Set(a["name"], a["value"])
		}
	}
	v.Set("username", email)
	v.Set("password", motDePasse)
	resp, err = hc.PostForm(action.String(), v)
	if err != nil {
		tb.Fatalf("POST login form: %v", err)
	}
	page = lire(resp)
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), retour+"?") {
		tb.Fatalf("after the login form: got %s (Location %v), want 302 to %s: %.300s", resp.Status, loc, retour, page)
	}
	return loc
}
