package document

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// The payment notice (avis de paiement, process.md, steps 2 and 4): what
// one vendor received from one batch of payments, request by request. It
// is written as the three other documents are (the same page, header and
// tables, deterministic bytes), but covers several requests.

// libelleAvis is the notice's title.
const libelleAvis = "Avis de paiement"

// LigneAvis is one payment of a notice.
type LigneAvis struct {
	NumeroASP     string
	NumeroEditeur string
	Nature        segur.NaturePaiement
	Montant       int64 // cents, > 0
}

// Avis is what a payment notice says. Money is in euro cents.
type Avis struct {
	Reference    string    // segur.ReferenceAvis: AVIS-000012-1
	Lot          string    // the batch's reference: LOT-000012
	Date         time.Time // the issue date, printed as a civil date in its location (Europe/Paris)
	DatePaiement hop.Date  // the transfer's date
	Payeur       string    // the account the agency pays from (its holder's name), "" to leave out

	Fournisseur string // the vendor's company name
	SIRET       string
	IBAN        string // printed masked but its last four characters
	BIC         string

	Lignes []LigneAvis
}

// Total is the sum of the notice's payments, cents.
func (a Avis) Total() int64 {
	var t int64
	for _, l := range a.Lignes {
		t += l.Montant
	}
	return t
}

// Valider checks that a holds what the notice needs. Its error is a
// segur.Error of code EINVALID, in French.
func (a Avis) Valider() error {
	invalid := func(format string, args ...any) error {
		return segur.Errorf(segur.EINVALID, "avis de paiement : "+format, args...)
	}
	textes := []texte{
		{"référence", a.Reference, 40, uneLigne}, {"lot", a.Lot, 40, uneLigne}, {"compte payeur", a.Payeur, 200, uneLigne},
		{"raison sociale du fournisseur", a.Fournisseur, 200, unNom}, {"SIRET", a.SIRET, 14, uneLigne},
		{"IBAN", a.IBAN, 34, uneLigne}, {"BIC", a.BIC, 11, uneLigne},
	}
	for i, l := range a.Lignes {
		textes = append(textes, texte{fmt.Sprintf("ligne %d, numéro ASP", i+1), l.NumeroASP, 40, uneLigne},
			texte{fmt.Sprintf("ligne %d, numéro éditeur", i+1), l.NumeroEditeur, 40, unNom})
	}
	for _, t := range textes {
		if n := utf8.RuneCountInString(t.valeur); n > t.max {
			return invalid("%s : %d caractères, au plus %d attendus", t.champ, n, t.max)
		}
		if t.genre == unNom {
			continue
		}
		if err := imprimable(t.valeur, false); err != nil {
			return invalid("%s : %v", t.champ, err)
		}
	}
	switch {
	case strings.TrimSpace(a.Reference) == "":
		return invalid("la référence de l'avis est obligatoire")
	case strings.TrimSpace(a.Lot) == "":
		return invalid("la référence du lot est obligatoire")
	case a.Date.IsZero():
		return invalid("la date d'émission est obligatoire")
	case !a.DatePaiement.Valide():
		return invalid("la date du virement est obligatoire")
	case strings.TrimSpace(a.Fournisseur) == "":
		return invalid("la raison sociale du fournisseur est obligatoire")
	case !chiffres(a.SIRET, 14):
		return invalid("SIRET « %s » : attendu 14 chiffres", a.SIRET)
	case !hop.IBANValide(hop.NormaliserIBAN(a.IBAN)):
		return invalid("IBAN du fournisseur invalide : le virement est impossible")
	case !hop.BICValide(a.BIC):
		return invalid("BIC « %s » du fournisseur invalide", a.BIC)
	case len(a.Lignes) == 0:
		return invalid("au moins un paiement est obligatoire")
	}
	for i, l := range a.Lignes {
		switch {
		case strings.TrimSpace(l.NumeroASP) == "" || strings.TrimSpace(l.NumeroEditeur) == "":
			return invalid("ligne %d : le numéro ASP et le numéro éditeur sont obligatoires", i+1)
		case l.Nature != segur.PaiementAvance && l.Nature != segur.PaiementSolde:
			return invalid("ligne %d (%s) : nature « %s » : attendu avance ou solde", i+1, l.NumeroASP, l.Nature)
		case l.Montant <= 0:
			return invalid("ligne %d (%s) : montant %s : attendu un montant supérieur à 0", i+1, l.NumeroASP, segur.Euros(l.Montant))
		}
	}
	return nil
}

// EcrireAvis validates a (see Valider), then writes its payment notice as
// PDF to w. Nothing is written when a is not valid.
func EcrireAvis(w io.Writer, a Avis) error {
	if err := a.Valider(); err != nil {
		return err
	}
	return redigerAvis(a).ecrirePDF(w)
}

// EcrireAvisHTML validates a (see Valider), then writes its payment notice
// as an accessible HTML page to w, the same text as EcrireAvis's PDF.
// Nothing is written when a is not valid.
func EcrireAvisHTML(w io.Writer, a Avis) error {
	if err := a.Valider(); err != nil {
		return err
	}
	return redigerAvis(a).ecrireHTML(w)
}

// redigerAvis writes the content of notice a, valid, its names folded
// (nom) as the PDF prints them.
func redigerAvis(a Avis) *redaction {
	a.Fournisseur = nom(a.Fournisseur)
	a.Lignes = slices.Clone(a.Lignes)
	for i := range a.Lignes {
		a.Lignes[i].NumeroEditeur = nom(a.Lignes[i].NumeroEditeur)
	}
	r := &redaction{libelle: libelleAvis, reference: a.Reference, date: a.Date,
		sujet:    fmt.Sprintf("%s — %s, lot %s", programme, a.Fournisseur, a.Lot),
		motsCles: fmt.Sprintf("Ségur numérique, %s, %s, %s", libelleAvis, a.Reference, a.Lot)}
	r.avis(a)
	return r
}

// avis writes the notice's body.
func (p *redaction) avis(a Avis) {
	paye := dateLongue(time.Date(a.DatePaiement.Annee, time.Month(a.DatePaiement.Mois), a.DatePaiement.Jour, 12, 0, 0, 0, time.UTC))
	total := a.Total()

	p.entete([][2]string{{"Référence", a.Reference}, {"Date", dateLongue(a.Date)}, {"Lot de paiement", a.Lot}})

	p.section("Bénéficiaire du paiement")
	lab := colonne{w: 62, align: "L"}
	val := colonne{w: largeur - 62, align: "L"}
	lignes := []ligne{
		{cellules: []string{"Fournisseur (éditeur)", a.Fournisseur}, grise: 1},
		{cellules: []string{"SIRET", a.SIRET}, grise: 1},
		{cellules: []string{"Compte crédité (IBAN)", segur.MasquerIBAN(a.IBAN)}, grise: 1},
		{cellules: []string{"BIC", a.BIC}, grise: 1},
	}
	if a.Payeur != "" {
		lignes = append(lignes, ligne{cellules: []string{"Donneur d'ordre", a.Payeur}, grise: 1})
	}
	p.tableau([]colonne{lab, val}, lignes)

	p.para("Madame, Monsieur,")
	p.para(fmt.Sprintf("L'%s vous informe qu'elle a versé, par virement SEPA exécuté le %s, la somme de %s (%s) sur le compte ci-dessus, au titre du programme Ségur numérique, couloir Hôpital, pour les demandes de financement suivantes.",
		agence, paye, euros(total), EnLettres(total)))

	p.section("Détail des paiements")
	detail := make([]ligne, 0, len(a.Lignes)+1)
	for _, l := range a.Lignes {
		detail = append(detail, ligne{cellules: []string{l.NumeroASP, l.NumeroEditeur, l.Nature.Libelle(), euros(l.Montant)}})
	}
	detail = append(detail, ligne{cellules: []string{"Total", "", fmt.Sprintf("%d %s", len(a.Lignes), pluriel("paiement", uint64(len(a.Lignes)))), euros(total)}, gras: true, grise: 1})
	p.tableau([]colonne{
		{"Demande n° ASP", 48, "L"},
		{"Numéro éditeur", 40, "L"},
		{"Nature", largeur - 48 - 40 - 38, "L"},
		{"Montant", 38, "R"},
	}, detail)
	p.para(fmt.Sprintf("Montant total versé : %s, soit %s.", euros(total), EnLettres(total)))

	p.section("Suites")
	p.para(fmt.Sprintf("Le virement porte la référence %s ; son libellé cite les numéros ASP des demandes payées. Le présent avis reste disponible dans votre espace fournisseur du portail Ségur numérique.", a.Reference))
	p.para("L'avance est de 30 % du montant financé ; le solde est versé sur demande de solde, avec la facture et le procès-verbal de vérification de service régulier. Toute somme versée sans être due est reversée à l'Agence, sur ordre de reversement.")

	p.signature(serviceComptable)
}
