package document

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/segur-numerique/segur"
)

// The issuer and the programme, as every document names them.
const (
	agence    = "Agence de services et de paiement"
	programme = "Programme Ségur numérique, couloir Hôpital"
	createur  = "segur" // the PDF's creator, the HTML's generator
	langue    = "fr-FR" // the PDF's /Lang, the HTML's lang
)

// The layout, in millimetres, on A4 (210 × 297).
const (
	marge    = 20.0 // left, right, top and bottom of the body
	largeur  = 210 - 2*marge
	hauteur  = 297.0
	interl   = 5.0 // line height of the body text (10 pt)
	remplie  = 242 // grey of the table headers and labels
	grisText = 90  // grey of the page header and footer
)

// page is a document being written as PDF: fpdf, and the text conversion
// its core font needs.
type page struct {
	pdf *fpdf.Fpdf
	tr  func(string) string // UTF-8 → Windows-1252
	r   *redaction
}

// nouvellePage starts the PDF of r on its first page: the metadata set,
// the header and footer of every page.
func nouvellePage(r *redaction) *page {
	pdf := fpdf.New("P", "mm", "A4", "")
	p := &page{pdf: pdf, tr: pdf.UnicodeTranslatorFromDescriptor(""), r: r}

	// Determinism: the dates are the document's, the catalogs sorted, and
	// no compression, so that the bytes depend on fpdf and this package
	// only, not on the version of compress/flate.
	pdf.SetCreationDate(r.date)
	pdf.SetModificationDate(r.date)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(false)

	pdf.SetTitle(r.titre(), true)
	pdf.SetSubject(r.sujet, true)
	pdf.SetAuthor(agence, true)
	pdf.SetCreator(createur, true)
	pdf.SetKeywords(r.motsCles, true)
	pdf.SetLang(langue)
	pdf.SetDisplayMode("fullwidth", "single")

	pdf.SetMargins(marge, marge, marge)
	pdf.SetAutoPageBreak(true, marge)
	pdf.AliasNbPages("{nb}")
	pdf.SetHeaderFunc(p.entete)
	pdf.SetFooterFunc(p.pied)
	pdf.AddPage()
	return p
}

// ecrire writes the blocks of content.
func (p *page) ecrire(blocs []bloc) {
	for _, b := range blocs {
		switch b.genre {
		case blocTitre:
			p.titre(b.texte, b.refs)
		case blocSection:
			p.section(b.texte)
		case blocPara:
			p.para(b.texte)
		case blocFort:
			p.pdf.SetFont("Helvetica", "B", 10)
			p.pdf.CellFormat(largeur, interl, p.txt(b.texte), "", 1, "L", false, 0, "")
			p.pdf.Ln(1)
			p.pdf.SetFont("Helvetica", "", 10)
		case blocEncadre:
			p.encadre(b.texte)
		case blocListe:
			p.liste(b.items...)
		case blocTableau:
			p.tableau(b.cols, b.lignes)
		case blocSignature:
			p.garder(30)
			p.pdf.Ln(4)
			p.pdf.SetX(marge + largeur/2)
			p.pdf.MultiCell(largeur/2, interl, p.txt(b.texte), "", "L", false)
		case blocSignatures:
			p.signatures(b.items[0], b.items[1], b.autre)
		}
	}
}

// txt converts s to the core font's encoding.
func (p *page) txt(s string) string { return p.tr(typographie.Replace(s)) }

// entete is every page's header, in the top margin: the issuer, and the
// document's reference.
func (p *page) entete() {
	pdf := p.pdf
	pdf.SetFont("Helvetica", "", 8)
	pdf.SetTextColor(grisText, grisText, grisText)
	pdf.SetXY(marge, 10)
	pdf.CellFormat(largeur*0.7, 4, p.txt(agence+" — "+programme), "", 0, "L", false, 0, "")
	ref := p.txt(p.r.reference)
	p.ajuste("", 8, largeur*0.3, ref)
	pdf.CellFormat(largeur*0.3, 4, ref, "", 0, "R", false, 0, "")
	pdf.SetDrawColor(grisText, grisText, grisText)
	pdf.SetLineWidth(0.2)
	pdf.Line(marge, 15, marge+largeur, 15)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetXY(marge, marge)
}

// pied is every page's footer, in the bottom margin: the title, the
// reference and the date, and « Page n / N ».
func (p *page) pied() {
	pdf := p.pdf
	pdf.SetFont("Helvetica", "", 8)
	pdf.SetTextColor(grisText, grisText, grisText)
	pdf.SetDrawColor(grisText, grisText, grisText)
	pdf.SetLineWidth(0.2)
	pdf.Line(marge, hauteur-16, marge+largeur, hauteur-16)
	pdf.SetXY(marge, hauteur-15)
	pdf.CellFormat(largeur-25, 4, p.txt(p.r.pied()), "", 0, "L", false, 0, "")
	// Left aligned in a fixed place: the width of the alias {nb} is not
	// the width of the number that replaces it.
	pdf.CellFormat(25, 4, fmt.Sprintf("Page %d / {nb}", pdf.PageNo()), "", 0, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.SetDrawColor(0, 0, 0)
}

// ajuste sets the font in style at taille points, or smaller down to 6,
// so that s fits a cell of width w: a long reference (40 characters at
// most) in a smaller size rather than over its neighbour.
func (p *page) ajuste(style string, taille, w float64, s string) {
	p.pdf.SetFont("Helvetica", style, taille)
	for taille > 6 && p.pdf.GetStringWidth(s)+2*p.pdf.GetCellMargin() > w {
		taille -= 0.5
		p.pdf.SetFontSize(taille)
	}
}

// reste is the height left on the page for the body.
func (p *page) reste() float64 { return hauteur - marge - p.pdf.GetY() }

// garder starts a new page unless h millimetres are left: a title stays
// with what follows it.
func (p *page) garder(h float64) {
	if p.reste() < h {
		p.pdf.AddPage()
	}
}

// signatures writes the convention's two signing blocks: the agency's,
// dated and signed by service, and the vendor's, with a box to sign in.
func (p *page) signatures(signataire, date, fournisseur string) {
	pdf := p.pdf
	p.garder(50)
	pdf.Ln(4)
	y := pdf.GetY()
	w := largeur/2 - 5
	pdf.SetFont("Helvetica", "B", 10)
	pdf.MultiCell(w, interl, p.txt(signataire), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(w, interl, p.txt(date), "", "L", false)
	yGauche := pdf.GetY()

	pdf.SetXY(marge+largeur/2+5, y)
	pdf.SetFont("Helvetica", "B", 10)
	pdf.MultiCell(w, interl, p.txt("Pour le fournisseur, "+fournisseur), "", "L", false)
	pdf.SetX(marge + largeur/2 + 5)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(w, interl, p.txt(signatureFournisseur), "", "L", false)
	pdf.Rect(marge+largeur/2+5, pdf.GetY()+1, w, 25, "D")
	pdf.SetY(max(yGauche, pdf.GetY()+27))
}

// signatureFournisseur asks the vendor's signatory for what a signature
// needs.
const signatureFournisseur = "Nom, qualité, date et signature :"

// blocTitre is the first page's title block of a request's document.
func (l *lettre) blocTitre() {
	d := l.d
	l.entete([][2]string{
		{"Référence", d.Reference},
		{"Date", dateLongue(d.Date)},
		{"Demande n° ASP", d.NumeroASP},
	})
}

// titre is the first page's title block: the issuer on the left, the
// references refs (label, value) on the right, then the title.
func (p *page) titre(titre string, refs [][2]string) {
	pdf := p.pdf
	y := pdf.GetY()
	pdf.SetFont("Helvetica", "B", 12)
	pdf.CellFormat(largeur/2, 6, p.txt(agence), "", 2, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(largeur/2, interl, p.txt(programme+" (HOP)"), "", 2, "L", false, 0, "")
	yGauche := pdf.GetY()

	pdf.SetXY(marge+largeur/2, y)
	const wLabel, wValeur = 30, largeur/2 - 30
	for _, l := range refs {
		pdf.SetX(marge + largeur/2)
		pdf.SetFont("Helvetica", "", 10)
		pdf.CellFormat(wLabel, interl, p.txt(l[0]+" :"), "", 0, "R", false, 0, "")
		v := p.txt(l[1])
		p.ajuste("B", 10, wValeur, v)
		pdf.CellFormat(wValeur, interl, v, "", 1, "R", false, 0, "")
	}
	pdf.SetY(max(yGauche, pdf.GetY()) + 8)

	pdf.SetFillColor(remplie, remplie, remplie)
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(largeur, 12, p.txt(titre), "TB", 1, "C", true, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(largeur, 6, p.txt(programme), "", 1, "C", false, 0, "")
	pdf.Ln(4)
}

// section writes a section title, on the page of what follows it.
func (p *page) section(titre string) {
	p.garder(25)
	p.pdf.Ln(3)
	p.pdf.SetFont("Helvetica", "B", 11)
	p.pdf.CellFormat(largeur, 6, p.txt(titre), "B", 1, "L", false, 0, "")
	p.pdf.Ln(2)
	p.pdf.SetFont("Helvetica", "", 10)
}

// para writes a justified paragraph.
func (p *page) para(s string) {
	p.pdf.SetFont("Helvetica", "", 10)
	p.pdf.MultiCell(largeur, interl, p.txt(s), "", "J", false)
	p.pdf.Ln(1.5)
}

// encadre writes a paragraph in bold, framed on grey: a reason. A text
// taller than a page flows over pages, without the inner margin.
func (p *page) encadre(s string) {
	pdf := p.pdf
	const pad = 2.5
	pdf.SetFont("Helvetica", "B", 10)
	pdf.SetFillColor(remplie, remplie, remplie)
	pdf.SetLineWidth(0.3)
	lignes := pdf.SplitLines([]byte(p.txt(s)), largeur-2*pad)
	h := float64(len(lignes))*interl + 2*pad
	if h > hauteur-3*marge {
		pdf.MultiCell(largeur, interl, p.txt(s), "1", "L", true)
	} else {
		p.garder(h)
		y := pdf.GetY()
		pdf.Rect(marge, y, largeur, h, "FD")
		for i, l := range lignes {
			pdf.SetXY(marge+pad, y+pad+float64(i)*interl)
			pdf.CellFormat(largeur-2*pad, interl, string(l), "", 0, "L", false, 0, "")
		}
		pdf.SetXY(marge, y+h)
	}
	pdf.Ln(2)
	pdf.SetLineWidth(0.2)
	pdf.SetFont("Helvetica", "", 10)
}

// liste writes items with a dash, indented.
func (p *page) liste(items ...string) {
	for _, it := range items {
		p.pdf.SetX(marge + 4)
		p.pdf.CellFormat(4, interl, "-", "", 0, "L", false, 0, "")
		p.pdf.MultiCell(largeur-8, interl, p.txt(it), "", "J", false)
		p.pdf.Ln(0.5)
	}
	p.pdf.Ln(1)
}

// colonne is a column of a table.
type colonne struct {
	titre string // empty in a table without header row
	w     float64
	align string // "L", "R" or "C"
}

// ligne is a row of a table.
type ligne struct {
	cellules []string
	gras     bool
	grise    int // the first grise columns are labels, on grey
}

// tableau writes a table whose cells wrap; a row does not split across
// pages, and the header row, if any, is repeated on each page.
func (p *page) tableau(cols []colonne, lignes []ligne) {
	pdf := p.pdf
	const pad = 1.2
	entete := cols[0].titre != ""
	pdf.SetLineWidth(0.2)
	pdf.SetFillColor(remplie, remplie, remplie)
	ligneEntete := func() {
		pdf.SetFont("Helvetica", "B", 9)
		for _, c := range cols {
			pdf.CellFormat(c.w, 7, p.txt(c.titre), "1", 0, "C", true, 0, "")
		}
		pdf.Ln(-1)
	}
	if entete {
		p.garder(7 + interl + 2*pad)
		ligneEntete()
	}
	for _, l := range lignes {
		style := ""
		if l.gras {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 9)
		textes := make([][][]byte, len(cols))
		n := 1
		for i, c := range cols {
			textes[i] = pdf.SplitLines([]byte(p.txt(l.cellules[i])), c.w)
			n = max(n, len(textes[i]))
		}
		h := float64(n)*4.5 + 2*pad
		if p.reste() < h {
			pdf.AddPage()
			if entete {
				ligneEntete()
				pdf.SetFont("Helvetica", style, 9)
			}
		}
		x, y := marge, pdf.GetY()
		for i, c := range cols {
			fill := "D"
			if i < l.grise {
				fill = "FD"
			}
			pdf.Rect(x, y, c.w, h, fill)
			for j, t := range textes[i] {
				pdf.SetXY(x, y+pad+float64(j)*4.5)
				pdf.CellFormat(c.w, 4.5, string(t), "", 0, c.align, false, 0, "")
			}
			x += c.w
		}
		pdf.SetXY(marge, y+h)
	}
	pdf.SetFont("Helvetica", "", 10)
	pdf.Ln(3)
}

// parties writes the vendor and the request: who the document is for, and
// about what.
func (l *lettre) parties() {
	d := l.d
	l.section("Fournisseur et demande")
	lab := colonne{w: 62, align: "L"}
	val := colonne{w: largeur - 62, align: "L"}
	l.tableau([]colonne{lab, val}, []ligne{
		{cellules: []string{"Fournisseur (éditeur)", d.Fournisseur}, grise: 1},
		{cellules: []string{"SIRET", d.SIRET}, grise: 1},
		{cellules: []string{"Numéro de la demande (ASP)", d.NumeroASP}, grise: 1},
		{cellules: []string{"Numéro éditeur (numeroEditeur)", d.NumeroEditeur}, grise: 1},
		{cellules: []string{"Numéro de référencement ANS", d.NumeroAns}, grise: 1},
		{cellules: []string{"Logiciel", fmt.Sprintf("%s — %s", d.Logiciel, LibelleLogiciel(d.Logiciel))}, grise: 1},
	})
}

// beneficiaires writes the table of the client establishments.
func (l *lettre) beneficiaires(titre string) {
	l.section(titre)
	lignes := make([]ligne, len(l.d.Beneficiaires))
	for i, b := range l.d.Beneficiaires {
		lignes[i] = ligne{cellules: []string{fmt.Sprint(i + 1), b.FINESS, b.Nom}}
	}
	l.tableau([]colonne{
		{"N°", 12, "C"},
		{"FINESS PMSI", 30, "C"},
		{"Établissement", largeur - 42, "L"},
	}, lignes)
}

// montants writes the table of the amounts; enLettres adds the amounts in
// words (décision, convention).
func (l *lettre) montants(titre string) {
	d := l.d
	l.section(titre)
	regime := "HT (hors taxes)"
	if d.RegimeTVA == "TTC" {
		regime = "TTC (toutes taxes comprises)"
	}
	prestation := fmt.Sprintf("Montant de la prestation Ségur (%s)", d.RegimeTVA)
	if d.Type == segur.DocumentRefus {
		l.tableau([]colonne{{"Montant", 95, "L"}, {"En chiffres", largeur - 95, "R"}}, []ligne{
			{cellules: []string{"Montant HT de la commande (montantSegurHT)", euros(d.MontantHT)}, grise: 1},
			{cellules: []string{"Régime de TVA", regime}, grise: 1},
			{cellules: []string{prestation, euros(d.MontantPrestation)}, grise: 1},
			{cellules: []string{"Montant financé", euros(0)}, grise: 1, gras: true},
		})
		if strings.TrimSpace(d.Calcul) != "" {
			l.para("Calcul : " + d.Calcul)
		}
		return
	}
	cols := []colonne{{"Montant", 62, "L"}, {"En chiffres", 33, "R"}, {"En lettres", largeur - 95, "L"}}
	l.tableau(cols, []ligne{
		{cellules: []string{"Montant HT de la commande (montantSegurHT)", euros(d.MontantHT), EnLettres(d.MontantHT)}, grise: 1},
		{cellules: []string{"Régime de TVA", d.RegimeTVA, regime}, grise: 1},
		{cellules: []string{prestation, euros(d.MontantPrestation), EnLettres(d.MontantPrestation)}, grise: 1},
		{cellules: []string{"Montant financé (" + d.RegimeTVA + ")", euros(d.MontantFinance), EnLettres(d.MontantFinance)}, grise: 1, gras: true},
		{cellules: []string{"Avance (30 % du montant financé)", euros(d.Avance), EnLettres(d.Avance)}, grise: 1},
		{cellules: []string{"Solde maximal (montant financé moins l'avance)", euros(d.SoldeMax), EnLettres(d.SoldeMax)}, grise: 1},
	})
	l.para("Calcul du montant financé : " + d.Calcul)
}

// recours writes the means of appeal of an administrative decision.
func (l *lettre) recours() {
	l.section("Voies et délais de recours")
	l.para("La présente " + minuscule(l.d.Type.Libelle()) + " peut faire l'objet d'un recours gracieux auprès de l'" + agence + ", ou d'un recours contentieux devant le tribunal administratif compétent, dans un délai de deux mois à compter de sa notification.")
}

// euros writes an amount in figures, as the portal does.
func euros(c int64) string { return segur.Euros(c) }

var mois = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// dateLongue writes t's civil date in French, in t's location: « 1er mars
// 2026 », « 12 mars 2026 ».
func dateLongue(t time.Time) string {
	jour := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		jour = "1er"
	}
	return fmt.Sprintf("%s %s %d", jour, mois[t.Month()-1], t.Year())
}
