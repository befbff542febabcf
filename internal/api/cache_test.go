package api

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestSansCache walks every route of the API: each answer behind a token,
// a refusal included, carries Cache-Control: no-store; the public model
// and OpenAPI description keep their caching.
func TestSansCache(t *testing.T) {
	p := newPortail(t)
	const siret = "88558855858745"
	resp, body := p.deposer(t, siret, "1234567890", p.nom(1), lire(t, exemple+".json"), lire(t, exemple+".zip"))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("deposit: got %d %s, want 201", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("POST /api/v1/depots: got Cache-Control %q, want no-store", got)
	}
	var d DepotJSON
	if err := json.Unmarshal(body, &d); err != nil || len(d.Demandes) != 1 || d.Demandes[0].NumeroASP == nil {
		t.Fatalf("deposit: got %s, want the example accepted", body)
	}
	asp := *d.Demandes[0].NumeroASP
	valeurs := strings.NewReplacer("{id}", strconv.FormatInt(int64(d.ID), 10), "{numeroASP}", asp, "{reference}", asp+"-DEC-1")
	publiques := map[string]bool{"GET /api/v1/modele": true, "GET /api/v1/openapi.json": true}
	for _, rt := range (&API{}).routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = valeurs.Replace(path)
		t.Run(rt.pattern, func(t *testing.T) {
			var body bytes.Buffer
			ctype := ""
			if method == "POST" {
				w := multipart.NewWriter(&body)
				w.Close()
				ctype = w.FormDataContentType()
			}
			for _, jeton := range []string{siret, ""} {
				resp, _ := p.do(t, method, path, jeton, bytes.NewReader(body.Bytes()), ctype)
				got := resp.Header.Get("Cache-Control")
				switch {
				case publiques[rt.pattern] && got == "no-store":
					t.Errorf("public, token %t: got %d with Cache-Control %q, want it cacheable", jeton != "", resp.StatusCode, got)
				case !publiques[rt.pattern] && got != "no-store":
					t.Errorf("token %t: got %d with Cache-Control %q, want no-store", jeton != "", resp.StatusCode, got)
				}
				if jeton == "" && !publiques[rt.pattern] && resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("without a token: got %d, want 401", resp.StatusCode)
				}
			}
		})
	}
}
