package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/segur-numerique/segur/hop"
)

var update = flag.Bool("update", false, "rewrite docs/codes.md")

const exemple = "../../hop/testdata/JSON-1234567890-20211025-001"

// run calls Main in process and returns its status, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// copie writes a copy of the example, changed by f, under the example's name
// in a temporary folder.
func copie(t *testing.T, f func(string) string) string {
	t.Helper()
	b, err := os.ReadFile(exemple + ".json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "JSON-1234567890-20211025-001.json")
	if err := os.WriteFile(path, []byte(f(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckExemple(t *testing.T) {
	code, out, errs := run(t, "check", "--date", "20211025", "--pieces", exemple+".zip", exemple+".json")
	if code != exitOK {
		t.Fatalf("got exit %d, want 0; stderr:\n%s", code, errs)
	}
	want, err := os.ReadFile("../../hop/testdata/golden/exemple.retour.json")
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("got returned file:\n%s\nwant:\n%s", out, want)
	}
	if !strings.Contains(out, "Demande acceptée") || !strings.Contains(errs, "1 acceptée") {
		t.Errorf("got stdout %q and stderr %q, want « Demande acceptée » and a summary", out, errs)
	}
	if strings.Contains(errs, "2080") {
		t.Errorf("got %q: the attachments were checked, they must not be listed as skipped", errs)
	}
	// Flags after the file, as users type them.
	if code, _, errs := run(t, "check", exemple+".json", "--date", "20211025", "--pieces", exemple+".zip"); code != exitOK {
		t.Errorf("flags after the file: got exit %d, want 0; stderr:\n%s", code, errs)
	}
}

func TestCheckMontantEntier(t *testing.T) {
	path := copie(t, func(s string) string { return strings.Replace(s, "13750.00", "13750", 1) })
	code, out, errs := run(t, "check", "--date", "20211025", path)
	if code != exitRejets {
		t.Fatalf("got exit %d, want 1; stderr:\n%s", code, errs)
	}
	for _, want := range []string{hop.CodeMontantFormat, "montantSegurHT", "numLigne 1, numeroEditeur 00001"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, `"codeTraitement": "2034"`) || !strings.Contains(out, "\"montantSegurHT\": 13750\n") {
		t.Errorf("returned file lacks the code or the literal as written:\n%s", out)
	}
	if !strings.Contains(errs, "2080") {
		t.Errorf("stderr must say the attachments were not checked:\n%s", errs)
	}
}

// TestCheckPiecesNonExaminees: the pieces of a request rejected before its
// pieces were examined are cited, not ignored: the summary says so.
func TestCheckPiecesNonExaminees(t *testing.T) {
	path := copie(t, func(s string) string { return strings.Replace(s, "13750.00", "13750", 1) })
	code, _, errs := run(t, "check", "--date", "20211025", "--pieces", exemple+".zip", path)
	if code != exitRejets {
		t.Fatalf("got exit %d, want 1; stderr:\n%s", code, errs)
	}
	want := "Fichiers du .zip cités par des demandes rejetées avant l'examen de leurs pièces (non vérifiés) : HOP-RI-Va1-BDC-00001.pdf, HOP-RI-Va1-HT-00001.pdf\n"
	if !strings.Contains(errs, want) || strings.Contains(errs, "cités par aucune demande") {
		t.Errorf("got stderr:\n%s\nwant the two pieces as cited, not examined, and none as cited by no request", errs)
	}
}

func TestCheckTronque(t *testing.T) {
	path := copie(t, func(s string) string { return s[:700] })
	code, out, errs := run(t, "check", "--date", "20211025", path)
	if code != exitFichier {
		t.Fatalf("got exit %d, want 2; stderr:\n%s", code, errs)
	}
	if out != "" {
		t.Errorf("got stdout %q, want nothing", out)
	}
	if !strings.HasPrefix(errs, hop.CodeSyntaxe+" : ") || !strings.Contains(errs, "(ligne 25, colonne 34)") {
		t.Errorf("got stderr %q, want « 1012 : libellé (ligne 25, colonne 34) »", errs)
	}
}

func TestCheckAll(t *testing.T) {
	path := copie(t, func(s string) string {
		s = strings.Replace(s, `"typeAction": "C"`, `"typeAction": "Z"`, 1)
		return strings.Replace(s, "13750.00", "-1.00", 1)
	})
	code, out, errs := run(t, "check", "--all", "--date", "20211025", path)
	if code != exitRejets {
		t.Fatalf("got exit %d, want 1", code)
	}
	if !strings.Contains(errs, "2022") || !strings.Contains(errs, "puis 2035") {
		t.Errorf("--all must list both faults:\n%s", errs)
	}
	if !strings.Contains(out, `"codeTraitement": "2022"`) {
		t.Errorf("the returned file keeps the first fault:\n%s", out)
	}
}

func TestCheckSortie(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "retour.json")
	code, out, errs := run(t, "check", "--date", "20211025", "-o", dest, exemple+".json")
	if code != exitOK || out != "" {
		t.Fatalf("got exit %d and stdout %q, want 0 and nothing; stderr:\n%s", code, out, errs)
	}
	b, err := os.ReadFile(dest)
	if err != nil || !bytes.Contains(b, []byte("Demande acceptée")) {
		t.Errorf("got %v, %q, want the returned file in %s", err, b, dest)
	}
}

// TestCheckSortieSpeciale: -o to a named pipe (or /dev/null, /dev/stdout)
// writes into it; it must not be replaced by a regular file, as a rename of
// a temporary file over it would (as root, over /dev/null).
func TestCheckSortieSpeciale(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "retour.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	lu := make(chan []byte)
	go func() {
		b, _ := os.ReadFile(fifo)
		lu <- b
	}()
	code, _, errs := run(t, "check", "--date", "20211025", "-o", fifo, exemple+".json")
	if code != exitOK {
		t.Fatalf("got exit %d, want 0; stderr:\n%s", code, errs)
	}
	if b := <-lu; !bytes.Contains(b, []byte("Demande acceptée")) {
		t.Errorf("read %q from the pipe, want the returned file", b)
	}
	if st, err := os.Stat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("after the check: got %v, %v, want the named pipe still there", st.Mode(), err)
	}
	// A folder is refused, in French.
	code, _, errs = run(t, "check", "--date", "20211025", "-o", t.TempDir(), exemple+".json")
	if code != exitLecture || !strings.Contains(errs, "c'est un dossier") {
		t.Errorf("-o a folder: got exit %d, stderr %q; want %d and « c'est un dossier »", code, errs, exitLecture)
	}
}

func TestCheckPFIOperateurs(t *testing.T) {
	path := copie(t, func(s string) string {
		s = strings.ReplaceAll(s, "HOP-RI-", "HOP-PFI-")
		return strings.Replace(s, `"operateurMessagerie": null`, `"operateurMessagerie": "MSS DU SUD"`, 1)
	})
	if code, _, errs := run(t, "check", "--logiciel", "PFI", "--date", "20211025", path); code != exitRejets || !strings.Contains(errs, "2073") {
		t.Errorf("default list: got exit %d, stderr %q, want 1 with 2073", code, errs)
	}
	list := filepath.Join(t.TempDir(), "operateurs.txt")
	os.WriteFile(list, []byte("# liste de l'agence\nMSS DU SUD\n"), 0o644)
	if code, _, errs := run(t, "check", "--logiciel", "pfi", "--operateurs", list, "--date", "20211025", path); code != exitOK {
		t.Errorf("agency's list: got exit %d, want 0; stderr:\n%s", code, errs)
	}
}

func TestCheckErreursUsage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"sans fichier", []string{"check"}, exitUsage},
		{"deux fichiers", []string{"check", "a.json", "b.json"}, exitUsage},
		{"option inconnue", []string{"check", "--nope", exemple + ".json"}, exitUsage},
		{"logiciel inconnu", []string{"check", "--logiciel", "XX", exemple + ".json"}, exitUsage},
		{"date invalide", []string{"check", "--date", "20213102", exemple + ".json"}, exitUsage},
		{"fichier introuvable", []string{"check", "nulle-part.json"}, exitLecture},
		{"zip introuvable", []string{"check", "--pieces", "nulle-part.zip", exemple + ".json"}, exitLecture},
		{"commande inconnue", []string{"verifier"}, exitUsage},
		{"aide", []string{"check", "--help"}, exitOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := run(t, c.args...)
			if code != c.want {
				t.Errorf("got exit %d, want %d; stderr:\n%s", code, c.want, errs)
			}
			if strings.Contains(errs, "goroutine") || strings.Contains(errs, "panic") {
				t.Errorf("stderr shows a stack trace:\n%s", errs)
			}
		})
	}
	_, _, help := run(t, "check", "--help")
	for _, want := range []string{"10485760", "20 niveaux", "200 demandes", "200 Mo"} {
		if !strings.Contains(help, want) {
			t.Errorf("check --help lacks the bound %q", want)
		}
	}
}

// TestCodesMarkdown keeps docs/codes.md equal to segur codes --format markdown.
func TestCodesMarkdown(t *testing.T) {
	code, out, _ := run(t, "codes", "--format", "markdown")
	if code != exitOK {
		t.Fatalf("got exit %d", code)
	}
	for _, c := range hop.Catalogue {
		if !strings.Contains(out, "`"+c.Code+"`") {
			t.Errorf("markdown lacks code %s", c.Code)
		}
	}
	for _, i := range hop.Interpretations {
		if !strings.Contains(out, i.Sujet) {
			t.Errorf("markdown lacks the interpretation %q", i.Sujet)
		}
	}
	const doc = "../../docs/codes.md"
	if *update {
		if err := os.WriteFile(doc, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(doc)
	if err != nil || string(b) != out {
		t.Errorf("docs/codes.md is not segur codes --format markdown (%v): run go test ./internal/cli -update", err)
	}
	code, out, _ = run(t, "codes")
	if code != exitOK || !strings.Contains(out, "0000  Demande acceptée") {
		t.Errorf("got exit %d and %q, want the catalogue", code, out)
	}
}

func TestTemplateSchema(t *testing.T) {
	code, out, _ := run(t, "template")
	if code != exitOK || out != string(hop.Modele()) {
		t.Errorf("template: got exit %d, want 0 and the model", code)
	}
	code, out, _ = run(t, "schema")
	if code != exitOK || out != string(hop.Schema()) {
		t.Errorf("schema: got exit %d, want 0 and the schema", code)
	}
}
