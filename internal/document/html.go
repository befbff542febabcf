package document

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strings"
)

// FeuilleHTML is the path of the stylesheet the HTML version of a document
// links to: the portal serves it (internal/web/static/document.css). The
// page is written to read well without it too, saved and opened alone: it
// holds no style nor script of its own, so that the portal's strict
// Content-Security-Policy applies to it unchanged.
const FeuilleHTML = "/static/document.css"

// ecrireHTML writes r as a standalone HTML page: the same blocks as the
// PDF, as headings, paragraphs, lists and tables with their caption and
// header cells. Deterministic as the PDF is.
func (r *redaction) ecrireHTML(w io.Writer) error {
	b := bufio.NewWriter(w)
	e := html.EscapeString
	fmt.Fprintf(b, `<!DOCTYPE html>
<html lang="%s">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title>
<meta name="author" content="%s">
<meta name="description" content="%s">
<meta name="keywords" content="%s">
<meta name="generator" content="%s">
<link rel="stylesheet" href="%s">
</head>
<body>
<header>
<p>%s — %s</p>
<p>Version accessible du document PDF de même référence, au texte identique.</p>
</header>
<main>
`, langue, e(r.titre()), e(agence), e(r.sujet), e(r.motsCles), createur, FeuilleHTML, e(agence), e(programme))
	for _, bl := range r.blocs {
		switch bl.genre {
		case blocTitre:
			fmt.Fprintf(b, "<p class=\"emetteur\"><strong>%s</strong><br>\n%s (HOP)</p>\n", e(agence), e(programme))
			b.WriteString("<dl class=\"references\">\n")
			for _, ref := range bl.refs {
				fmt.Fprintf(b, "<div><dt>%s&nbsp;:</dt> <dd>%s</dd></div>\n", e(ref[0]), e(ref[1]))
			}
			b.WriteString("</dl>\n")
			fmt.Fprintf(b, "<h1>%s</h1>\n<p class=\"programme\">%s</p>\n", e(bl.texte), e(programme))
		case blocSection:
			fmt.Fprintf(b, "<h2>%s</h2>\n", e(bl.texte))
		case blocPara:
			fmt.Fprintf(b, "<p>%s</p>\n", lignesHTML(bl.texte))
		case blocFort:
			fmt.Fprintf(b, "<p><strong>%s</strong></p>\n", e(bl.texte))
		case blocEncadre:
			fmt.Fprintf(b, "<p class=\"encadre\"><strong>%s</strong></p>\n", lignesHTML(bl.texte))
		case blocListe:
			b.WriteString("<ul>\n")
			for _, it := range bl.items {
				fmt.Fprintf(b, "<li>%s</li>\n", e(it))
			}
			b.WriteString("</ul>\n")
		case blocTableau:
			tableauHTML(b, bl)
		case blocSignature:
			fmt.Fprintf(b, "<p class=\"signature\">%s</p>\n", lignesHTML(bl.texte))
		case blocSignatures:
			fmt.Fprintf(b, `<div class="signatures">
<div>
<p><strong>%s</strong><br>
%s</p>
</div>
<div>
<p><strong>Pour le fournisseur, %s</strong><br>
%s</p>
<div class="cadre"></div>
</div>
</div>
`, e(bl.items[0]), e(bl.items[1]), e(bl.autre), e(signatureFournisseur))
		}
	}
	fmt.Fprintf(b, "</main>\n<footer>\n<p>%s</p>\n</footer>\n</body>\n</html>\n", e(r.pied()))
	return b.Flush()
}

// lignesHTML escapes s, its line breaks as <br>.
func lignesHTML(s string) string {
	return strings.ReplaceAll(html.EscapeString(strings.ReplaceAll(s, "\r\n", "\n")), "\n", "<br>\n")
}

// tableauHTML writes a table: its caption, its header row if any (column
// headers), and in each row the label cells (grise) as row headers.
func tableauHTML(b *bufio.Writer, bl bloc) {
	e := html.EscapeString
	b.WriteString("<div class=\"tableau\">\n<table>\n")
	switch {
	case bl.legende != "" && bl.legende == bl.section:
		fmt.Fprintf(b, "<caption class=\"repete\">%s</caption>\n", e(bl.legende))
	case bl.legende != "":
		fmt.Fprintf(b, "<caption>%s</caption>\n", e(bl.legende))
	}
	if bl.cols[0].titre != "" {
		b.WriteString("<thead>\n<tr>")
		for _, c := range bl.cols {
			fmt.Fprintf(b, "<th scope=\"col\"%s>%s</th>", classe(c.align), e(c.titre))
		}
		b.WriteString("</tr>\n</thead>\n")
	}
	b.WriteString("<tbody>\n")
	for _, l := range bl.lignes {
		if l.gras {
			b.WriteString("<tr class=\"total\">")
		} else {
			b.WriteString("<tr>")
		}
		for i, c := range bl.cols {
			if i < l.grise {
				fmt.Fprintf(b, "<th scope=\"row\"%s>%s</th>", classe(c.align), e(l.cellules[i]))
			} else {
				fmt.Fprintf(b, "<td%s>%s</td>", classe(c.align), e(l.cellules[i]))
			}
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n</div>\n")
}

// classe is a cell's class for its alignment.
func classe(align string) string {
	switch align {
	case "R":
		return ` class="droite"`
	case "C":
		return ` class="centre"`
	}
	return ""
}
