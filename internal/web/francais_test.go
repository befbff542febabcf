package web

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// A formeInterdite is a form a page must not show its reader: a rule of
// plain French (docs: the portal's writing rules) as a pattern on the
// page's visible text.
type formeInterdite struct {
	regle string
	re    *regexp.Regexp
}

// formesInterdites are the plain-French rules checkable on a text: no
// « (s) » plural, a narrow no-break space (never a plain one) before
// « € », « ; », « ! », « ? », no English word, no « Vos 1 », French units.
var formesInterdites = []formeInterdite{
	{"pluriel entre parenthèses : écrire le singulier ou le pluriel selon le nombre", regexp.MustCompile(`\pL\((s|e|es|x)\)`)},
	{"espace ordinaire avant « € » : une espace fine insécable (U+202F), par segur.Euros", regexp.MustCompile(` €`)},
	{"espace ordinaire avant « ; », « ! » ou « ? » : une espace fine insécable (U+202F)", regexp.MustCompile(`(?:^|\S) +[;!?]`)},
	{"mot anglais", regexp.MustCompile(`(?i)\b(login|logout|log in|token|upload(?:ed|s)?|download(?:ed|s)?|e-?mails?|password|username|submit|cancel|delete|error|warning|success|failed|dashboard|settings|loading|click|ok)\b`)},
	{"« Vos 1 » : « Votre » au singulier", regexp.MustCompile(`\b[Vv]os 1\b`)},
	{"unité anglaise ou en minuscules : octets, Ko, Mo, Go", regexp.MustCompile(`\b\d+(?:[,.]\d+)?[  \x{202f}]?(?:ko|mo|go|[kKMG][bB])\b`)},
}

// TestFrancais renders every page with its sample data (exemplesPages,
// shared with TestTemplates) and scans every template's source for the
// forms of formesInterdites in what a reader sees or hears (text, title,
// aria-label, placeholder, alt; not code samples), and the handlers for a
// flash or a form's message starting with a lower-case letter. Each
// finding names the template (or the rendered page) and the line.
func TestFrancais(t *testing.T) {
	t.Run("sources", func(t *testing.T) {
		files, err := fs.Glob(templatesFS, "templates/*.html")
		if err != nil || len(files) == 0 {
			t.Fatalf("templates: %v, %d files", err, len(files))
		}
		for _, p := range files {
			src, err := fs.ReadFile(templatesFS, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range formesFautives(string(src), true) {
				t.Errorf("%s:%d: %s: %q", p, f.ligne, f.regle, f.extrait)
			}
		}
	})
	t.Run("pages", func(t *testing.T) {
		s := &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if err := s.parse(); err != nil {
			t.Fatal(err)
		}
		// The layout's findings would repeat on every page: one report.
		vus := map[string]string{}
		for _, m := range exemplesPages() {
			for _, f := range slices.Sorted(func(yield func(string) bool) {
				for f := range m {
					if !yield(f) {
						return
					}
				}
			}) {
				if s.pages[f] == nil {
					continue // TestTemplates reports it
				}
				body := rendre(t, s, f, m[f].data)
				for _, x := range formesFautives(body, false) {
					cle := x.regle + "\x00" + x.extrait
					if p, ok := vus[cle]; ok {
						t.Logf("%s: same as %s: %q", f, p, x.extrait)
						continue
					}
					vus[cle] = f
					t.Errorf("%s rendered, line %d: %s: %q", f, x.ligne, x.regle, x.extrait)
				}
			}
		}
	})
	t.Run("go", func(t *testing.T) {
		// The handlers' texts: the rules a literal can be held to alone
		// (a plural, a unit); the rest shows on the rendered pages.
		for _, l := range litterauxGo(t) {
			for _, f := range formesInterdites[:1] {
				if f.re.MatchString(l.texte) {
					t.Errorf("%s: %s: %q", l.position, f.regle, l.texte)
				}
			}
			if f := formesInterdites[len(formesInterdites)-1]; f.re.MatchString(l.texte) || uniteGo.MatchString(l.texte) {
				t.Errorf("%s: %s: %q", l.position, f.regle, l.texte)
			}
		}
	})
	t.Run("messages", func(t *testing.T) {
		for _, f := range messagesMinuscules(t) {
			t.Errorf("%s: message starting with a lower-case letter: %q", f.position, f.texte)
		}
	})
}

// TestFormesFautives: the scanner finds each forbidden form in a page's
// text and attributes, not in its markup, its actions or its code samples.
func TestFormesFautives(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string // the rules found, by their first word
	}{
		{"<p>2 paiement(s)</p>", []string{"pluriel"}},
		{"<p>{{.N}} paiement{{if gt .N 1}}s{{end}}</p>", nil},
		{"<p>10,00 €</p>", []string{"espace"}},
		{"<p>10,00\u202f€ ; bien\u202f!</p>", []string{"espace"}},
		{"<p>10,00\u202f€\u202f; bien\u202f! Vraiment\u202f?</p>", nil},
		{`<input type="email" name="login" autocomplete="email">`, nil},
		{`<button aria-label="Download">x</button>`, []string{"mot"}},
		{"<p>Votre token</p>", []string{"mot"}},
		{"<p>Adresse e-mail</p>", []string{"mot"}},
		{"<p>Tokenisation, Okapi</p>", nil},
		{"<code>token</code>", nil},
		{`<th scope="col">SIRET</th><th scope="col">E-mail</th>`, []string{"mot"}},
		{"<p>Total : <strong>10,00 €</strong> ;</p>", nil},
		{"<p>Vos 1 derniers dépôts</p>", []string{"«"}},
		{"<p>Vos 12 derniers dépôts</p>", nil},
		{"<p>Taille : 1 ko, 3 MB</p>", []string{"unité", "unité"}},
		{"<p>Taille : 1\u202fKo</p>", nil},
		{"<p>{{/* login */}}<!-- token --></p>", nil},
		{"<p>a\n{{if .X}} ;{{end}}</p>", []string{"espace"}},
	} {
		t.Run(tc.src, func(t *testing.T) {
			var got []string
			for _, f := range formesFautives(tc.src, true) {
				got = append(got, strings.Fields(f.regle)[0])
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if f := formesFautives("<p>a</p>\n<p>\n\nVotre token</p>", false); len(f) != 1 || f[0].ligne != 4 {
		t.Errorf("got %+v, want one finding on line 4", f)
	}
}

// A forme is a finding of formesFautives.
type forme struct {
	ligne   int
	regle   string
	extrait string
}

// formesFautives finds the forms of formesInterdites in the text of page
// src (a template's source when actions), line by line.
func formesFautives(src string, actions bool) []forme {
	var out []forme
	for i, l := range strings.Split(texteVisible(src, actions), "\n") {
		l = html.UnescapeString(l)
		for _, f := range formesInterdites {
			for _, m := range f.re.FindAllStringIndex(l, -1) {
				out = append(out, forme{i + 1, f.regle, extrait(l, m[0], m[1])})
			}
		}
	}
	return out
}

// extrait is the match l[i:j] with a few words either side.
func extrait(l string, i, j int) string {
	a, b := max(0, i-30), min(len(l), j+30)
	for a > 0 && !utf8.RuneStart(l[a]) {
		a--
	}
	for b < len(l) && !utf8.RuneStart(l[b]) {
		b++
	}
	return strings.TrimSpace(strings.NewReplacer("\x01", " ", "\x02", " ").Replace(l[a:b]))
}

// attributsLus are the attributes whose value a reader sees or hears.
var attributsLus = regexp.MustCompile(`\s(?:title|aria-label|placeholder|alt)="([^"]*)"`)

// texteVisible keeps of src what a reader sees or hears, on the lines of
// src: the text between tags, and the values of attributsLus (on their
// tag's line, between U+0001 that keep them apart from the text around); not the tags, comments,
// scripts, styles, code samples (<code>, <pre>, <samp>, <kbd>) nor, if
// actions, the template's actions and comments.
func texteVisible(src string, actions bool) string {
	var b strings.Builder
	lignes := func(s string) { b.WriteString(strings.Repeat("\n", strings.Count(s, "\n"))) }
	code := 0 // depth in code samples
	for i := 0; i < len(src); {
		rest := src[i:]
		switch {
		case actions && strings.HasPrefix(rest, "{{"):
			j := strings.Index(rest, "}}")
			if j < 0 {
				j = len(rest) - 2
			}
			lignes(rest[:j+2])
			i += j + 2
		case strings.HasPrefix(rest, "<!--"):
			j := strings.Index(rest, "-->")
			if j < 0 {
				j = len(rest) - 3
			}
			lignes(rest[:j+3])
			i += j + 3
		case strings.HasPrefix(rest, "<") && len(rest) > 1 && (rest[1] == '/' || unicode.IsLetter(rune(rest[1]))):
			j := finBalise(rest, actions)
			tag := rest[:j]
			nom := strings.ToLower(strings.TrimLeft(strings.FieldsFunc(tag[1:], func(r rune) bool { return unicode.IsSpace(r) || r == '>' })[0], "/"))
			switch nom {
			case "script", "style":
				if tag[1] != '/' {
					k := strings.Index(rest[j:], "</"+nom)
					if k < 0 {
						k = len(rest) - j
					}
					lignes(rest[:j+k])
					i += j + k
					continue
				}
			case "code", "pre", "samp", "kbd":
				if tag[1] == '/' {
					code = max(0, code-1)
				} else {
					code++
				}
			}
			if code == 0 {
				for _, m := range attributsLus.FindAllStringSubmatch(tag, -1) {
					b.WriteString("\x01" + m[1] + "\x01")
				}
			}
			lignes(tag)
			// A tag parts the words on either side (cells of a row), as
			// a space would, but is no space before a punctuation mark.
			b.WriteByte('\x02')
			i += j
		default:
			r, n := utf8.DecodeRuneInString(rest)
			if code == 0 || r == '\n' {
				b.WriteRune(r)
			}
			i += n
		}
	}
	return b.String()
}

// finBalise is the length of the tag at the start of s, to its « > » out
// of quotes (and of actions).
func finBalise(s string, actions bool) int {
	var q byte
	for i := 1; i < len(s); i++ {
		switch {
		case actions && strings.HasPrefix(s[i:], "{{"):
			if j := strings.Index(s[i:], "}}"); j >= 0 {
				i += j + 1
			}
		case q != 0:
			if s[i] == q {
				q = 0
			}
		case s[i] == '"' || s[i] == '\'':
			q = s[i]
		case s[i] == '>':
			return i + 1
		}
	}
	return len(s)
}

// A message is the literal start of a text a handler shows as a flash
// (rediriger) or a form's error (ErreurChamp).
type message struct {
	position string
	texte    string
}

// messagesMinuscules are the flashes and form errors of the handlers whose
// literal text starts with a lower-case letter.
func messagesMinuscules(tb testing.TB) []message {
	tb.Helper()
	fset, files := sourcesGo(tb)
	var out []message
	for _, file := range files {
		ast.Inspect(file, func(n ast.Node) bool {
			var e ast.Expr
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "rediriger" && len(n.Args) == 4 {
					e = n.Args[3]
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok && id.Name == "ErreurChamp" {
					for i, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Message" {
								e = kv.Value
							}
						} else if i == 1 {
							e = el
						}
					}
				}
			}
			if s, ok := debutLitteral(e); ok {
				if r, _ := utf8.DecodeRuneInString(s); unicode.IsLower(r) {
					out = append(out, message{fset.Position(e.Pos()).String(), s})
				}
			}
			return true
		})
	}
	return out
}

// debutLitteral is the literal text that starts e: a string, a
// concatenation's first term, fmt.Sprintf's format (up to its first verb).
func debutLitteral(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		if err != nil || strings.HasPrefix(s, "%") {
			return "", false
		}
		return s, true
	case *ast.BinaryExpr:
		return debutLitteral(e.X)
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && fmt.Sprint(sel.X) == "fmt" && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
			return debutLitteral(e.Args[0])
		}
	}
	return "", false
}

// TestEnregistre: the participle of a recorded action agrees with its noun,
// for every action of the domain.
func TestEnregistre(t *testing.T) {
	for _, tc := range []struct{ libelle, want string }{
		{"Refus", "refus enregistré"},
		{"Refus du solde", "refus du solde enregistré"},
		{"Validation", "validation enregistrée"},
		{"Retrait de l'offre", "retrait de l'offre enregistré"},
		{"Prise en instruction", "prise en instruction enregistrée"},
	} {
		if got := enregistre(tc.libelle); got != tc.want {
			t.Errorf("enregistre(%q) = %q, want %q", tc.libelle, got, tc.want)
		}
	}
	for _, a := range segur.ToutesActions() {
		if got := enregistre(a.Libelle()); !strings.HasSuffix(got, " enregistré") && !strings.HasSuffix(got, " enregistrée") {
			t.Errorf("enregistre(%q) = %q", a.Libelle(), got)
		}
	}
}

// TestParcoursAgenceEcrans shows the agency's pages in a real Chromium at
// 1280 and at 390 px, each checked with axe-core and kept as a screenshot:
// at 390 px no page is wider than the screen, and the dashboard's charts
// are lists (label, value, meter) instead of their SVG.
func TestParcoursAgenceEcrans(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "48000.00")
	deposerForm(t, vendeur, p, "T0009", "1000.00", 9, false)
	payerAvance(t, p, asps[0], 10_000_00)
	if _, err := segurtest.OuvrirControle(context.Background(), p.db, asps[0], "marie@asp.fr"); err != nil {
		t.Fatal(err)
	}
	agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur, segur.RolePayeur, segur.RoleAdmin)
	ctx, do, _ := parcours(t)
	do("connexion", chromedp.Navigate(p.srv.URL+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), "marie@asp.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de l'agent"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS(`form[action="/deconnexion"]`))) // the login page has an h1 too
	pages := []struct{ nom, chemin string }{
		{"demandes", "/agence/demandes?statut=toutes"},
		{"demande", "/agence/demandes/" + asps[1]},
		{"paiements", "/agence/paiements"},
		{"controles", "/agence/controles"},
		{"controle", "/agence/controles/1"},
		{"pilotage", "/agence/pilotage"},
		{"admin-fournisseurs", "/agence/admin/fournisseurs"},
		{"admin-fenetres", "/agence/admin/fenetres"},
		{"admin-courriels", "/agence/admin/courriels"},
		{"admin-utilisateurs", "/agence/admin/utilisateurs"},
		{"admin-referentiel", "/agence/admin/referentiel"},
		{"admin", "/agence/admin"},
		{"admin-fournisseur", "/agence/admin/fournisseurs/1"},
		{"admin-utilisateur-nouveau", "/agence/admin/utilisateurs/nouveau"},
		{"admin-fournisseur-nouveau", "/agence/admin/fournisseurs/nouveau"},
	}
	for _, largeur := range []int64{1280, 390} {
		do(fmt.Sprintf("%d px", largeur), chromedp.EmulateViewport(largeur, 844))
		for _, pg := range pages {
			do(pg.nom, chromedp.Navigate(p.srv.URL+pg.chemin), chromedp.WaitVisible(chromedp.CSS("h1")))
			segurtest.Screenshot(t, ctx, fmt.Sprintf("h-agence-%s-%d", pg.nom, largeur))
			segurtest.Axe(t, ctx)
			large, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
			if err != nil {
				t.Fatalf("%s: width: %v", pg.nom, err)
			}
			if largeur == 390 && large > largeur {
				t.Errorf("%s at 390 px: the page is %d px wide, want no horizontal scroll", pg.nom, large)
			}
		}
		do("pilotage", chromedp.Navigate(p.srv.URL+"/agence/pilotage"), chromedp.WaitReady(chromedp.CSS("h1")))
		svg, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("figure.segur-graphique")).display !== "none"`))
		if err != nil {
			t.Fatal(err)
		}
		liste, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("ul.segur-barres")).display !== "none"`))
		if err != nil {
			t.Fatal(err)
		}
		if wantSVG := largeur == 1280; svg != wantSVG || liste == wantSVG {
			t.Errorf("pilotage at %d px: SVG shown %v, list shown %v; want the SVG %v and the list %v", largeur, svg, liste, wantSVG, !wantSVG)
		}
	}
}

// uniteGo is a unit after a format's verb: « %d ko ».
var uniteGo = regexp.MustCompile(`(?:\d|%d|%s|%v)[  \x{202f}]?(?:ko|mo|go|[kKMG][bB])\b`)

// litterauxGo are the string literals of the package's handlers (not its
// tests), with their positions.
func litterauxGo(tb testing.TB) []message {
	tb.Helper()
	fset, files := sourcesGo(tb)
	var out []message
	for _, file := range files {
		ast.Inspect(file, func(n ast.Node) bool {
			if b, ok := n.(*ast.BasicLit); ok && b.Kind == token.STRING {
				if s, err := strconv.Unquote(b.Value); err == nil {
					out = append(out, message{fset.Position(b.Pos()).String(), s})
				}
			}
			return true
		})
	}
	return out
}

// sourcesGo parses the package's Go files but its tests.
func sourcesGo(tb testing.TB) (*token.FileSet, []*ast.File) {
	tb.Helper()
	fichiers, err := filepath.Glob("*.go")
	if err != nil {
		tb.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, f := range fichiers {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, file)
	}
	return fset, files
}
