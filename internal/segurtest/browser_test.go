package segurtest

import (
	"bytes"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The pages of the browser tests: one that passes WCAG 2.1 A/AA, one with
// two faults that axe-core must find.
const (
	accessiblePage = `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>Demande d'avance</title></head>
<body>
<main>
<h1>Demande d'avance</h1>
<form>
<label for="siret">Numéro SIRET</label>
<input id="siret" name="siret" type="text" autocomplete="off">
<button type="submit">Envoyer</button>
</form>
</main>
</body>
</html>`

	inaccessiblePage = `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>Demande d'avance</title></head>
<body>
<main>
<h1>Demande d'avance</h1>
<img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='40' height='40'/%3E">
<form><input id="siret" name="siret" type="text"></form>
</main>
</body>
</html>`
)

func pagesServer(tb testing.TB) *httptest.Server {
	tb.Helper()
	mux := http.NewServeMux()
	for path, page := range map[string]string{"/accessible": accessiblePage, "/inaccessible": inaccessiblePage} {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(page))
		})
	}
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return srv
}

func TestAxe(t *testing.T) {
	script := axeScript(t)
	ctx := Browser(t)
	srv := pagesServer(t)

	t.Run("accessible", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/accessible")); err != nil {
			t.Fatal(err)
		}
		Axe(t, ctx)
	})

	t.Run("inaccessible", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/inaccessible")); err != nil {
			t.Fatal(err)
		}
		violations, err := axeViolations(ctx, script)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range violations {
			ids = append(ids, v.ID)
			if v.Impact == "" || v.Help == "" || v.Nodes != 1 || v.Target == "" {
				t.Errorf("violation %s: got impact %q, help %q, %d nodes, target %q; want all set, 1 node", v.ID, v.Impact, v.Help, v.Nodes, v.Target)
			}
		}
		slices.Sort(ids)
		if want := []string{"image-alt", "label"}; !slices.Equal(ids, want) {
			t.Errorf("violated rules: got %q, want %q\n%s", ids, want, formatViolations(violations))
		}
		msg := formatViolations(violations)
		for _, want := range []string{"label (critical): ", "first: #siret", "image-alt (critical): ", "first: img"} {
			if !strings.Contains(msg, want) {
				t.Errorf("failure message: got\n%s\nwant it to contain %q", msg, want)
			}
		}

		// A second run on the same page injects nothing and finds the same.
		again, err := axeViolations(ctx, script)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != len(violations) {
			t.Errorf("second run: got %d violations, want %d", len(again), len(violations))
		}
	})
}

func TestScreenshot(t *testing.T) {
	ctx := Browser(t)
	srv := pagesServer(t)
	dir := t.TempDir()
	t.Setenv("SEGUR_SCREENSHOTS", dir)

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/accessible")); err != nil {
		t.Fatal(err)
	}
	Screenshot(t, ctx, "accessible")

	file := filepath.Join(dir, "TestScreenshot", "accessible.png")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("%s: got %q..., want a PNG signature", file, b[:min(len(b), 8)])
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if got := img.Bounds().Dx(); got != 1280 {
		t.Errorf("%s: got width %d, want 1280 (the window's)", file, got)
	}
}

func TestTestDir(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"TestX", "TestX"},
		{"TestX/accessible", filepath.Join("TestX", "accessible")},
		{"TestX/é_ù:1", filepath.Join("TestX", "____1")},
		{"TestX/../..", "TestX_.._.."},
	} {
		if got := testDir(tt.name); got != tt.want {
			t.Errorf("testDir(%q): got %q, want %q", tt.name, got, tt.want)
		}
	}
}
