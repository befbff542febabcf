package document

import (
	"bytes"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
)

// versions is each kind of document, written as PDF and as HTML from the
// same data.
func versions(tb testing.TB) map[string][2][]byte {
	tb.Helper()
	out := map[string][2][]byte{}
	for _, typ := range []segur.TypeDocument{segur.DocumentRefus, segur.DocumentDecision, segur.DocumentConvention} {
		var h bytes.Buffer
		if err := EcrireHTML(&h, exemple(typ)); err != nil {
			tb.Fatalf("EcrireHTML %s: %v", typ, err)
		}
		out[string(typ)] = [2][]byte{ecrire(tb, exemple(typ)), h.Bytes()}
	}
	var h bytes.Buffer
	if err := EcrireAvisHTML(&h, exempleAvis()); err != nil {
		tb.Fatalf("EcrireAvisHTML: %v", err)
	}
	out["avis"] = [2][]byte{ecrireAvis(tb, exempleAvis()), h.Bytes()}
	var hr bytes.Buffer
	if err := EcrireReversementHTML(&hr, exempleReversement()); err != nil {
		tb.Fatalf("EcrireReversementHTML: %v", err)
	}
	out["reversement"] = [2][]byte{ecrireReversement(tb, exempleReversement()), hr.Bytes()}
	return out
}

var (
	balise     = regexp.MustCompile(`<[^>]*>`)
	numeroPage = regexp.MustCompile(`^Page \d+ / \d+$`)
)

// texteHTML is the text a reader of page h gets, every tag a space, the
// typography folded as the PDF's, every run of spaces one space.
func texteHTML(h []byte) string {
	body := string(h)
	body = body[strings.Index(body, "<body>"):]
	return normaliser(html.UnescapeString(balise.ReplaceAllString(body, " ")))
}

// normaliser folds what the PDF's core font and pdftotext change: the
// typography (typographie), the no-break spaces, the hyphenation of a word
// cut at a line's end (fpdf cuts none, but a reader may), runs of spaces.
func normaliser(s string) string {
	s = typographie.Replace(s)
	s = strings.ReplaceAll(s, "-\n", "")
	return espaces(s)
}

// TestHTMLMemeTexte: every line the PDF's reader finds in a document (but
// the page numbers, and a list item's dash, drawn apart) is in its HTML
// version, word for word.
func TestHTMLMemeTexte(t *testing.T) {
	for nom, v := range versions(t) {
		t.Run(nom, func(t *testing.T) {
			pdf, page := v[0], v[1]
			texte := texteHTML(page)
			lignes := pdftotextLignes(t, pdf)
			if len(lignes) < 30 {
				t.Fatalf("pdftotext read %d lines; want the whole document", len(lignes))
			}
			for _, l := range lignes {
				l = strings.TrimPrefix(normaliser(l), "- ")
				if l == "" || l == "-" || numeroPage.MatchString(l) {
					continue
				}
				if !strings.Contains(texte, l) {
					t.Errorf("the PDF's line %q is not in the HTML version; its text:\n%s", l, texte)
				}
			}
		})
	}
}

// TestHTMLDansPDF: the other way, every paragraph and list item of a
// document's HTML version (but the page's own header, saying what it is)
// is in its PDF's text, word for word, once the pages' header, footer and
// numbers are taken out.
func TestHTMLDansPDF(t *testing.T) {
	paragraphe := regexp.MustCompile(`(?s)<(p|li)[^>]*>(.*?)</(p|li)>`)
	for nom, v := range versions(t) {
		t.Run(nom, func(t *testing.T) {
			page := string(v[1])
			main := page[strings.Index(page, "<main>"):strings.Index(page, "</main>")]
			pied := page[strings.Index(page, "<footer>"):]
			var garde []string
			for _, l := range pdftotextLignes(t, v[0]) {
				l = normaliser(l)
				// The pages' header: the issuer, and the reference on its right.
				if numeroPage.MatchString(l) || strings.Contains(texteHTML([]byte("<body>"+pied)), l) && strings.Contains(l, " du ") ||
					strings.HasPrefix(l, agence+" — "+programme) || l == reference(page) {
					continue
				}
				garde = append(garde, strings.TrimPrefix(l, "- "))
			}
			pdf := strings.Join(garde, " ")
			n := 0
			for _, m := range paragraphe.FindAllStringSubmatch(main, -1) {
				// A line break (a signature, the issuer beside the
				// references) separates what the PDF may lay out apart.
				for _, p := range strings.Split(m[2], "<br>") {
					p = normaliser(html.UnescapeString(balise.ReplaceAllString(p, " ")))
					if p == "" {
						continue
					}
					n++
					if !strings.Contains(pdf, p) {
						t.Errorf("the HTML's paragraph %q is not in the PDF; its text:\n%s", p, pdf)
					}
				}
			}
			if n < 5 {
				t.Errorf("%d paragraphs read; want the whole document", n)
			}
		})
	}
}

// reference is the reference of the document of HTML page h: its title's
// last word.
func reference(h string) string {
	titre := h[strings.Index(h, "<title>")+len("<title>") : strings.Index(h, "</title>")]
	return titre[strings.LastIndex(titre, " ")+1:]
}

// pdftotextLignes is the text of pdf, line by line as pdftotext reads it.
func pdftotextLignes(tb testing.TB, pdf []byte) []string {
	tb.Helper()
	path := poppler(tb, "pdftotext")
	in := filepath.Join(tb.TempDir(), "document.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(path, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return strings.FieldsFunc(string(out), func(r rune) bool { return r == '\n' || r == '\f' })
}

// TestHTMLAccessible reads the HTML version's structure: its language,
// title, headings, tables with caption and header cells, and no script nor
// style of its own (the portal's policy forbids them).
func TestHTMLAccessible(t *testing.T) {
	for nom, v := range versions(t) {
		t.Run(nom, func(t *testing.T) {
			page := string(v[1])
			for _, w := range []string{
				`<html lang="fr-FR">`, `<meta charset="utf-8">`, `<meta name="viewport"`, "<title>", "<h1>", "<h2>",
				"<main>", "<caption", `<th scope="row">`, `<link rel="stylesheet" href="/static/document.css">`,
				`<meta name="author" content="Agence de services et de paiement">`,
			} {
				if !strings.Contains(page, w) {
					t.Errorf("the page does not hold %q", w)
				}
			}
			for _, w := range []string{"<script", "<style", "style=", "onload", "@"} {
				if strings.Contains(page, w) {
					t.Errorf("the page holds %q", w)
				}
			}
			if strings.Count(page, "<table>") != strings.Count(page, "<caption") {
				t.Errorf("%d tables, %d captions: want one each", strings.Count(page, "<table>"), strings.Count(page, "<caption"))
			}
		})
	}
}

// TestSigneParLAgence: every document is signed by the agency's service,
// and no login (an e-mail address) is printed.
func TestSigneParLAgence(t *testing.T) {
	for nom, v := range versions(t) {
		t.Run(nom, func(t *testing.T) {
			service := serviceInstructeur
			if nom == "avis" {
				service = serviceComptable
			}
			want := "Pour l'Agence de services et de paiement, " + service
			pdf := strings.Join(pdftotext(t, v[0]), " ")
			for version, texte := range map[string]string{"PDF": pdf, "HTML": texteHTML(v[1])} {
				if !strings.Contains(texte, want) {
					t.Errorf("the %s does not hold %q", version, want)
				}
				if strings.Contains(texte, "@") {
					t.Errorf("the %s holds an address (@): %s", version, texte)
				}
			}
		})
	}
}

// TestMetadonneesTous: pdfinfo shows each document's title (its name and
// reference), the agency as author, segur as creator; the catalog says
// the language.
func TestMetadonneesTous(t *testing.T) {
	titres := map[string]string{
		"refus": "Notification de refus ASP-2026-0000042-REF-1", "decision": "Décision attributive de financement ASP-2026-0000042-DEC-1",
		"convention": "Convention d'attribution ASP-2026-0000042-CONV-1", "avis": "Avis de paiement AVIS-000012-1",
		"reversement": "Ordre de reversement ASP-2026-0000042-ORV-1",
	}
	pdfinfo := poppler(t, "pdfinfo")
	for nom, v := range versions(t) {
		t.Run(nom, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "document.pdf")
			if err := os.WriteFile(in, v[0], 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(pdfinfo, "-enc", "UTF-8", in).Output()
			if err != nil {
				t.Fatalf("%s: %v", pdfinfo, err)
			}
			for _, w := range []string{"Title:           " + titres[nom], "Author:          Agence de services et de paiement",
				"Creator:         segur", "Subject:         Programme Ségur numérique, couloir Hôpital — "} {
				if !strings.Contains(string(out), w) {
					t.Errorf("pdfinfo does not show %q; got:\n%s", w, out)
				}
			}
			if !bytes.Contains(v[0], []byte("/Lang (fr-FR)")) {
				t.Error("no /Lang (fr-FR) in the catalog")
			}
			if !strings.Contains(string(v[1]), "<title>"+html.EscapeString(titres[nom])+"</title>") {
				t.Errorf("the HTML's title is not %q", titres[nom])
			}
		})
	}
}

// TestGoldenHTML compares each document's HTML version with
// testdata/<type>.html, byte for byte, as TestGolden the PDFs: its SHA-256
// is recorded too. Review the change (open the pages), then rewrite them
// with: go test ./internal/document/ -run TestGoldenHTML -update
func TestGoldenHTML(t *testing.T) {
	for nom, v := range versions(t) {
		t.Run(nom, func(t *testing.T) {
			path := filepath.Join("testdata", nom+".html")
			if *update {
				if err := os.WriteFile(path, v[1], 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (write it with -update)", err)
			}
			if !bytes.Equal(v[1], want) {
				t.Errorf("%s: got %d bytes; want %d bytes (review, then -update)", path, len(v[1]), len(want))
			}
		})
	}
}
