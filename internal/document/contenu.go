package document

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/segur-numerique/segur"
)

// The content of a document: what textes.go, avis.go and reversement.go
// write, as a list of blocks that both renderers walk, the PDF (page.go)
// and the accessible HTML (html.go). A text is written once: the two
// versions of a document cannot say different things.

// Who signs a document: the agency, through one of its services, never an
// agent (the agent who acted is in the request's history).
const (
	serviceInstructeur = "le service instructeur" // refusal, décision, convention, order of recovery
	serviceComptable   = "le service comptable"   // payment notice
)

// genreBloc is the kind of a block of content.
type genreBloc int

const (
	blocTitre      genreBloc = iota // the title block: issuer, references, title
	blocSection                     // a section title
	blocPara                        // a paragraph
	blocFort                        // a short line in bold (« Décide : »)
	blocEncadre                     // a paragraph in bold, framed: a reason
	blocListe                       // a list of items
	blocTableau                     // a table
	blocSignature                   // where and when, and who signs for the agency
	blocSignatures                  // the agency's and the vendor's signing blocks (convention)
)

// bloc is a block of a document's content.
type bloc struct {
	genre   genreBloc
	texte   string      // section, paragraph, reason; the signature's lines (\n)
	refs    [][2]string // the title block's references (label, value)
	items   []string    // a list's items
	cols    []colonne   // a table's columns
	lignes  []ligne     // a table's rows
	legende string      // a table's caption
	section string      // a table's section: its caption repeats its heading when they are equal
	autre   string      // blocSignatures: the vendor's name
}

// redaction is a document written as blocks, with what describes it.
type redaction struct {
	libelle   string    // the document's name: « Décision attributive de financement »
	reference string    // its reference
	date      time.Time // its issue date
	sujet     string    // its subject (PDF metadata, HTML description)
	motsCles  string    // its keywords (PDF metadata)
	blocs     []bloc
	courante  string // the last section's title, the caption of a table under it
}

// titre is the document's title: its name and its reference.
func (r *redaction) titre() string { return r.libelle + " " + r.reference }

// pied is the footer's text of every page.
func (r *redaction) pied() string {
	return fmt.Sprintf("%s — réf. %s du %s", r.libelle, r.reference, dateLongue(r.date))
}

func (r *redaction) ajouter(b bloc) { r.blocs = append(r.blocs, b) }

// entete is the title block: the references refs (label, value).
func (r *redaction) entete(refs [][2]string) {
	r.ajouter(bloc{genre: blocTitre, texte: r.libelle, refs: refs})
}

func (r *redaction) section(titre string) {
	r.courante = titre
	r.ajouter(bloc{genre: blocSection, texte: titre})
}

func (r *redaction) para(s string)    { r.ajouter(bloc{genre: blocPara, texte: s}) }
func (r *redaction) fort(s string)    { r.ajouter(bloc{genre: blocFort, texte: s}) }
func (r *redaction) encadre(s string) { r.ajouter(bloc{genre: blocEncadre, texte: s}) }
func (r *redaction) liste(items ...string) {
	r.ajouter(bloc{genre: blocListe, items: items})
}

// tableau is a table under the current section, captioned by it.
func (r *redaction) tableau(cols []colonne, lignes []ligne) {
	r.tableauLegende(r.courante, cols, lignes)
}

// tableauLegende is a table captioned by legende.
func (r *redaction) tableauLegende(legende string, cols []colonne, lignes []ligne) {
	r.ajouter(bloc{genre: blocTableau, cols: cols, lignes: lignes, legende: legende, section: r.courante})
}

// signature is the agency's signature by service, dated.
func (r *redaction) signature(service string) {
	r.ajouter(bloc{genre: blocSignature, texte: fmt.Sprintf("Fait le %s.\nPour l'%s,\n%s", dateLongue(r.date), agence, service)})
}

// Ecrire and its siblings' common end: the PDF of r to w.
func (r *redaction) ecrirePDF(w io.Writer) error {
	p := nouvellePage(r)
	p.ecrire(r.blocs)
	if err := p.pdf.Output(w); err != nil {
		return fmt.Errorf("document %s : %w", r.reference, err)
	}
	return nil
}

// rediger writes the content of d, valid, its names folded (nom) as the
// PDF prints them.
func rediger(d Donnees) *redaction {
	d.Fournisseur = nom(d.Fournisseur)
	d.Beneficiaires = slices.Clone(d.Beneficiaires)
	for i := range d.Beneficiaires {
		d.Beneficiaires[i].Nom = nom(d.Beneficiaires[i].Nom)
	}
	r := &redaction{libelle: d.Type.Libelle(), reference: d.Reference, date: d.Date,
		sujet:    fmt.Sprintf("%s — demande n° ASP %s, %s", programme, d.NumeroASP, d.Fournisseur),
		motsCles: fmt.Sprintf("Ségur numérique, %s, %s, %s", d.Type.Libelle(), d.Reference, d.NumeroASP)}
	l := lettre{redaction: r, d: d}
	switch d.Type {
	case segur.DocumentRefus:
		l.refus()
	case segur.DocumentDecision:
		l.decision()
	case segur.DocumentConvention:
		l.convention()
	}
	return r
}

// lettre is a document about one request being written.
type lettre struct {
	*redaction
	d Donnees
}
