package document

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// Reversement is what an order of recovery (ordre de reversement) says:
// which request, what was paid, how much is to be paid back and why.
// Money is in euro cents.
type Reversement struct {
	Reference string    // the document's reference: segur.ReferenceDocument(…, segur.DocumentReversement, n)
	Date      time.Time // the issue date, printed as a civil date in its location (Europe/Paris)

	Fournisseur   string // the vendor's company name
	SIRET         string
	NumeroASP     string
	NumeroEditeur string
	NumeroAns     string
	Logiciel      hop.Logiciel
	// Controle is the reference of the control a posteriori that found the
	// request not compliant, "" when the recovery has another cause.
	Controle string

	MontantFinance int64 // the amount financed
	AvanceVersee   int64 // the advance paid
	SoldeVerse     int64 // the balance paid, 0 if none
	MontantReverse int64 // to pay back: more than 0, at most what was paid

	Motif         string // why, mandatory
	DelaiPaiement int    // days to pay back, from the issue date
}

// Valider checks that r holds what the order needs and that its amounts
// agree. Its error is a segur.Error of code EINVALID, in French.
func (r Reversement) Valider() error {
	invalid := func(format string, args ...any) error {
		return segur.Errorf(segur.EINVALID, "ordre de reversement : "+format, args...)
	}
	for _, t := range []texte{
		{"référence", r.Reference, 40, uneLigne}, {"raison sociale du fournisseur", r.Fournisseur, 200, unNom},
		{"SIRET", r.SIRET, 14, uneLigne}, {"numéro ASP", r.NumeroASP, 40, uneLigne},
		{"numéro éditeur", r.NumeroEditeur, 40, uneLigne}, {"numéro ANS", r.NumeroAns, 10, uneLigne},
		{"référence du contrôle", r.Controle, 40, uneLigne}, {"motif", r.Motif, 10_000, desLignes},
	} {
		if n := utf8.RuneCountInString(t.valeur); n > t.max {
			return invalid("%s : %d caractères, au plus %d attendus", t.champ, n, t.max)
		}
		if t.genre == unNom {
			continue
		}
		if err := imprimable(t.valeur, t.genre == desLignes); err != nil {
			return invalid("%s : %v", t.champ, err)
		}
	}
	e := segur.Euros
	verse := r.AvanceVersee + r.SoldeVerse
	if err := (demandeVisee{r.Reference, r.Date, r.Fournisseur, r.SIRET, r.NumeroASP, r.NumeroEditeur, r.NumeroAns, r.Logiciel}).valider(invalid); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(r.Motif) == "":
		return invalid("le motif est obligatoire")
	case r.DelaiPaiement <= 0:
		return invalid("le délai de paiement (en jours) est obligatoire")
	case r.MontantFinance <= 0:
		return invalid("le montant financé doit être supérieur à 0")
	case r.AvanceVersee < 0 || r.SoldeVerse < 0:
		return invalid("les montants versés doivent être positifs ou nuls")
	case verse > r.MontantFinance:
		return invalid("les montants versés (%s) dépassent le montant financé (%s)", e(verse), e(r.MontantFinance))
	case r.MontantReverse <= 0:
		return invalid("le montant à reverser doit être supérieur à 0")
	case r.MontantReverse > verse:
		return invalid("le montant à reverser (%s) dépasse les montants versés (%s)", e(r.MontantReverse), e(verse))
	}
	return nil
}

// EcrireReversement validates r (see Valider), then writes the order of
// recovery as PDF to w, deterministically as the other documents. Nothing
// is written when r is not valid.
func EcrireReversement(w io.Writer, r Reversement) error {
	if err := r.Valider(); err != nil {
		return err
	}
	return redigerReversement(r).ecrirePDF(w)
}

// EcrireReversementHTML validates r (see Valider), then writes the order of
// recovery as an accessible HTML page to w, the same text as
// EcrireReversement's PDF. Nothing is written when r is not valid.
func EcrireReversementHTML(w io.Writer, r Reversement) error {
	if err := r.Valider(); err != nil {
		return err
	}
	return redigerReversement(r).ecrireHTML(w)
}

// redigerReversement writes the content of order r, valid, its names
// folded (nom) as the PDF prints them.
func redigerReversement(r Reversement) *redaction {
	d := Donnees{Type: segur.DocumentReversement, Reference: r.Reference, Date: r.Date,
		Fournisseur: nom(r.Fournisseur), SIRET: r.SIRET, NumeroASP: r.NumeroASP, NumeroEditeur: r.NumeroEditeur,
		NumeroAns: r.NumeroAns, Logiciel: r.Logiciel}
	red := &redaction{libelle: d.Type.Libelle(), reference: d.Reference, date: d.Date,
		sujet:    fmt.Sprintf("%s — demande n° ASP %s, %s", programme, d.NumeroASP, d.Fournisseur),
		motsCles: fmt.Sprintf("Ségur numérique, %s, %s, %s", d.Type.Libelle(), d.Reference, d.NumeroASP)}
	l := lettre{redaction: red, d: d}
	l.ordreReversement(r)
	return red
}

// ordreReversement writes the order of recovery.
func (p *lettre) ordreReversement(r Reversement) {
	d := p.d
	p.blocTitre()
	p.parties()
	if r.Controle != "" {
		p.tableauLegende("Contrôle a posteriori", []colonne{{w: 62, align: "L"}, {w: largeur - 62, align: "L"}}, []ligne{
			{cellules: []string{"Contrôle a posteriori", r.Controle}, grise: 1},
		})
	}
	p.para("Madame, Monsieur,")
	cause := "Après examen"
	if r.Controle != "" {
		cause = fmt.Sprintf("À l'issue du contrôle a posteriori n° %s", r.Controle)
	}
	p.para(fmt.Sprintf("%s de la demande de financement n° ASP %s (numéro éditeur %s), déposée par %s (SIRET %s) au titre du programme Ségur numérique, couloir Hôpital, pour le logiciel %s (référencement ANS n° %s), l'%s constate qu'elle n'est pas conforme pour le motif suivant :",
		cause, d.NumeroASP, d.NumeroEditeur, d.Fournisseur, d.SIRET, p.logiciel(), d.NumeroAns, agence))
	p.encadre(r.Motif)

	p.section("Montants")
	verse := r.AvanceVersee + r.SoldeVerse
	p.tableau([]colonne{{"Montant", 62, "L"}, {"En chiffres", 33, "R"}, {"En lettres", largeur - 95, "L"}}, []ligne{
		{cellules: []string{"Montant financé", euros(r.MontantFinance), EnLettres(r.MontantFinance)}, grise: 1},
		{cellules: []string{"Avance versée", euros(r.AvanceVersee), EnLettres(r.AvanceVersee)}, grise: 1},
		{cellules: []string{"Solde versé", euros(r.SoldeVerse), EnLettres(r.SoldeVerse)}, grise: 1},
		{cellules: []string{"Total versé", euros(verse), EnLettres(verse)}, grise: 1},
		{cellules: []string{"Montant à reverser", euros(r.MontantReverse), EnLettres(r.MontantReverse)}, grise: 1, gras: true},
	})

	p.section("Ordre de reversement")
	p.para(fmt.Sprintf("En application des clauses de reversement de la décision ou de la convention d'attribution, l'%s ordonne à %s (SIRET %s) de lui reverser la somme de %s (%s), au titre de la demande n° ASP %s.",
		agence, d.Fournisseur, d.SIRET, euros(r.MontantReverse), EnLettres(r.MontantReverse), d.NumeroASP))
	limite := r.Date.AddDate(0, 0, r.DelaiPaiement)
	p.para(fmt.Sprintf("Cette somme est à payer dans un délai de %d %s à compter du %s, soit au plus tard le %s, par virement à l'agent comptable de l'%s, en rappelant la référence %s. À défaut de paiement dans ce délai, l'Agence en poursuit le recouvrement par toute voie de droit.",
		r.DelaiPaiement, pluriel("jour", uint64(r.DelaiPaiement)), dateLongue(r.Date), dateLongue(limite), agence, d.Reference))
	p.section("Voies et délais de recours")
	p.para("Le présent ordre de reversement peut faire l'objet d'un recours gracieux auprès de l'" + agence + ", ou d'un recours contentieux devant le tribunal administratif compétent, dans un délai de deux mois à compter de sa notification.")
	p.signature(serviceInstructeur)
}
