package segurtest

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFormulaireSansTrace: a deposit refused through the vendor's web form
// (an unknown numeroAns, a wrong type, a file that is not JSON-HOP) leaves
// the blob folder as it was, as the API's refusals do (TestHostile).
func TestFormulaireSansTrace(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	srv, _ := portailOuvert(t, bin, data, []string{"--data", data})
	const login, motDePasse = "jean@lebeaulogiciel.fr", "mot de passe du formulaire"
	cmd := exec.Command(bin, "admin", "user", "add", "--data", data, "--login", login, "--name", "Jean Dupont",
		"--role", "fournisseur", "--siret", "88558855858745", "--password-stdin")
	cmd.Stdin = strings.NewReader(motDePasse + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(srv.base+"/connexion", url.Values{"login": {login}, "motdepasse": {motDePasse}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: got %d", resp.StatusCode)
	}
	jour := jourDuServeur(t, srv.base)
	ex, zip := fichierNumero(t, "F0001", 1)
	blobs := filepath.Join(data, "blobs")
	for _, cas := range []struct {
		quoi                   string
		typeDemande, numeroAns string
		json                   []byte
	}{
		{"numeroAns inconnu", "avance", "0000000000", ex},
		{"type inconnu", "acompte", "1234567890", ex},
		{"fichier qui n'est pas du JSON-HOP", "avance", "1234567890", []byte("pas du JSON")},
	} {
		avant := fichiersDe(t, blobs)
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		w.WriteField("typeDemande", cas.typeDemande)
		w.WriteField("numeroAns", cas.numeroAns)
		fw, _ := w.CreateFormFile("fichier", nomDuJour(1)(jour))
		fw.Write(cas.json)
		zw, _ := w.CreateFormFile("pieces", "pieces.zip")
		zw.Write(zip)
		w.Close()
		req, _ := http.NewRequest("POST", srv.base+"/depots", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", cas.quoi, err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// A refusal is the form again with its message; a file control 1
		// rejects is a recorded deposit (its page), and keeps its files.
		if cas.json[0] != '{' {
			if resp.StatusCode != http.StatusSeeOther {
				t.Errorf("%s: got %d, want 303 to the rejected deposit's page\n%s", cas.quoi, resp.StatusCode, page)
			}
			continue
		}
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("%s: got %d, want a refusal (4xx)\n%s", cas.quoi, resp.StatusCode, page)
		}
		attendreFichiers(t, blobs, avant, cas.quoi)
	}
}
