package hop

import (
	"strconv"
	"strings"
)

// The balance file (docs/solde.md) is the project's extension: the agency's
// document says the balance's format "will be communicated". It has the
// JSON-HOP header and control 1; each element of lignesImport is a balance
// request that quotes an advance request by its numeroASP and numeroEditeur,
// with the invoice, the date the service went live, and two kinds of
// attachments, FACTURE (code FAC) and PV_VSR (code VSR).

// Fields of a balance line, in the order of its field table; the invoice's
// keys are kept in the line's record.
const (
	sNumLigne = iota
	sTypeAction
	sNumeroASP
	sNumeroEditeur
	sFacture
	sNumeroFacture
	sDateFacture
	sMontantFacture
	sDateMiseEnService
	sPieces
	sCodeTraitement
	sLibelleTraitement
)

// oFacture is the unknown-keys list of a balance line's invoice.
const oFacture = oCommande

var (
	schemaFacture = &schema{chemin: "facture", inc: oFacture, champs: []champ{
		{nom: "numeroFacture", slot: sNumeroFacture},
		{nom: "dateFacture", slot: sDateFacture},
		{nom: "montantFactureHT", slot: sMontantFacture},
	}}
	schemaSolde = &schema{chemin: "", inc: oDemande, champs: []champ{
		{nom: "numLigne", slot: sNumLigne},
		{nom: "typeAction", slot: sTypeAction},
		{nom: "numeroASP", slot: sNumeroASP},
		{nom: "numeroEditeur", slot: sNumeroEditeur},
		{nom: "facture", slot: sFacture, sous: schemaFacture},
		{nom: "dateMiseEnService", slot: sDateMiseEnService},
		{nom: "piecesJustificatives", slot: sPieces, tab: tabPieces},
		{nom: "codeTraitement", slot: sCodeTraitement},
		{nom: "libelleTraitement", slot: sLibelleTraitement},
	}}
)

// The attachments' types of a balance request.
const (
	TypeFacture = "FACTURE" // the invoice, code FAC
	TypePVVSR   = "PV_VSR"  // the client's signed statement of regular service, code VSR
)

// Expected values of a balance line, as labels say them.
const (
	attNumeroASP         = "le numéro ASP de la demande d'avance, entre guillemets (ASP-AAAA-NNNNNNN)"
	attFacture           = "un objet {numeroFacture, dateFacture, montantFactureHT}"
	attNumeroFacture     = "le numéro de la facture, 49 caractères au plus"
	attPiecesSolde       = "un tableau de pièces justificatives (la facture et le PV de VSR)"
	attTypeFichierSolde  = "« FACTURE » ou « PV_VSR »"
	maxNumeroASP         = 49
	maxNumeroFacture     = 49
	longueurMinNumeroASP = len("ASP-2021-0000001")
)

// ignoreesSolde are the balance rules only the portal can run.
var ignoreesSolde = []RegleIgnoree{
	{CodeSoldeASPInconnu, "le portail seul connaît les demandes et leur numéro ASP"},
	{CodeSoldeASPAutre, "le portail seul sait à quel fournisseur appartient une demande"},
	{CodeSoldeAvanceNonPayee, "le portail seul sait si l'avance d'une demande est payée"},
	{CodeSoldeDejaDepose, "le portail seul sait si un solde est déjà déposé pour une demande"},
	{CodeSoldeEditeur, "le portail seul connaît le numeroEditeur de la demande d'avance"},
}

// ControlerSolde runs control 1 on the balance file data (docs/solde.md),
// then, when the file passes it, control 2 on each balance line: the same
// bounds, syntax, header and zip rules as Controler, and the balance's own
// rules on each line, stopping at its first error. The rules only the
// portal knows (the request quoted, its vendor, its status, its
// numeroEditeur) need opt.PortailSolde; without it they are skipped and
// listed in Ignorees.
func ControlerSolde(data []byte, depot Declaration, opt Options) (*Resultat, error) {
	return controlerFichier(data, depot, opt, true)
}

// PortailSolde gives the balance controls what only the portal knows of the
// requests a balance file quotes.
type PortailSolde interface {
	// EtatAvance returns what the portal holds of the request of ASP
	// number numeroASP, seen from the depositing vendor.
	EtatAvance(numeroASP string) (EtatAvance, error)
}

// EtatAvance is what the portal holds of the request a balance line quotes,
// seen from the depositing vendor.
type EtatAvance struct {
	Connue           bool // a request has this ASP number
	AutreFournisseur bool // it is another vendor's: nothing else is said of it
	// Soldable: its advance is paid and no balance is pending, validated or
	// paid (a refused balance may be deposited again).
	Soldable bool
	// SoldeEngage: a balance is already deposited, in instruction,
	// validated or paid.
	SoldeEngage bool
	// Statut is the request's status as users read it, quoted in labels.
	Statut        string
	NumeroEditeur string
}

// regleAvance applies the portal's rules to a balance line quoting the
// request asp with numeroEditeur editeur; nil when they pass.
func regleAvance(p PortailSolde, asp, editeur string) (*Erreur, error) {
	e, err := p.EtatAvance(asp)
	if err != nil {
		return nil, err
	}
	v := montrerTexte(asp)
	switch {
	case !e.Connue:
		return &Erreur{Code: CodeSoldeASPInconnu, Balise: "numeroASP", Valeur: v, Offset: -1}, nil
	case e.AutreFournisseur:
		return &Erreur{Code: CodeSoldeASPAutre, Balise: "numeroASP", Valeur: v, Offset: -1}, nil
	case e.SoldeEngage:
		return &Erreur{Code: CodeSoldeDejaDepose, Balise: "numeroASP", Valeur: v, P1: e.Statut, Offset: -1}, nil
	case !e.Soldable:
		return &Erreur{Code: CodeSoldeAvanceNonPayee, Balise: "numeroASP", Valeur: v, P1: e.Statut, Offset: -1}, nil
	case !strings.EqualFold(editeur, e.NumeroEditeur):
		return &Erreur{Code: CodeSoldeEditeur, Balise: "numeroEditeur", Valeur: montrerTexte(editeur), P1: e.NumeroEditeur, P2: asp, Offset: -1}, nil
	}
	return nil, nil
}

// ControlerAvances runs the portal's rules on the lines of a balance result
// computed without them, that passed every other rule. They come last in a
// line's order, so the result is the one ControlerSolde gives with p
// (without Options.Toutes): the desk reads the zip outside the vendor's
// lock and asks the history under it.
func (r *Resultat) ControlerAvances(p PortailSolde) error {
	for i := range r.Demandes {
		d := &r.Demandes[i]
		if !d.Acceptee() {
			continue
		}
		e, err := regleAvance(p, r.asp[i], d.NumeroEditeur)
		if err != nil {
			return err
		}
		if e != nil {
			d.Erreurs = append(d.Erreurs, *e)
		}
	}
	return nil
}

// NumerosASP returns the numeroASP of a balance file's lines that passed
// control 2 so far, each once, in file order: the requests the portal's
// rules ask about.
func (r *Resultat) NumerosASP() []string {
	var out []string
	seen := map[string]bool{}
	for i, d := range r.Demandes {
		if asp := r.NumeroASP(i); d.Acceptee() && asp != "" && !seen[asp] {
			seen[asp] = true
			out = append(out, asp)
		}
	}
	return out
}

// NumeroASP returns the numeroASP of balance line i (from 0) as written,
// "" when it is not a string, and always for an advance file (its requests
// get their number from the portal).
func (r *Resultat) NumeroASP(i int) string {
	if i < len(r.asp) {
		return r.asp[i]
	}
	return ""
}

// numeroASPValide: ASP-<4 digits>-<7 digits or more> (FormatNumeroASP).
func numeroASPValide(s string) bool {
	if len(s) < longueurMinNumeroASP || len(s) > maxNumeroASP || !strings.HasPrefix(s, "ASP-") || s[8] != '-' {
		return false
	}
	return digits(s[4:8]) && digits(s[9:])
}

// solde runs control 2 on balance line i; asp gets its numeroASP.
func (c *controleur) solde(i int, out *ResultatDemande, asp *string) error {
	d := &c.doc.demandes[i]
	c.d, c.pos, c.errs = d, i+1, nil
	out.Position = c.pos
	if v := d.f[sNumeroEditeur]; v.kind == kString {
		out.NumeroEditeur = string(c.text(v))
	}
	if v := d.f[sNumeroASP]; v.kind == kString {
		*asp = string(c.text(v))
	}
	numeroASP := *asp
	champsOK := c.champsSolde()
	if !c.stop() && champsOK {
		c.reglesSolde()
	}
	if !c.stop() && champsOK {
		c.pieces()
	}
	if numeroASPValide(numeroASP) {
		first, seen := c.vus[numeroASP]
		if !seen {
			c.vus[numeroASP] = c.pos
		}
		if !c.stop() && seen {
			c.add(Erreur{Code: CodeSoldeASPFichier, Balise: "numeroASP", Valeur: montrerTexte(numeroASP), P1: strconv.Itoa(first)})
		}
		if !c.stop() && champsOK && c.opt.PortailSolde != nil {
			e, err := regleAvance(c.opt.PortailSolde, numeroASP, out.NumeroEditeur)
			if err != nil {
				return err
			}
			if e != nil {
				c.add(*e)
			}
		}
	}
	out.Erreurs = c.errs
	return nil
}

// champsSolde checks every key of a balance line in the order of its field
// table; it reports whether all were valid.
func (c *controleur) champsSolde() bool {
	d, f := c.d, &c.d.f
	n0 := len(c.errs)
	if !c.inconnues(d.inc[oDemande], schemaSolde, bal("")) && c.stop() {
		return false
	}
	c.numLigne(f[sNumLigne])
	if c.stop() {
		return false
	}
	c.typeAction(f[sTypeAction])
	if c.stop() {
		return false
	}
	if v := f[sNumeroASP]; c.typed(v, bal("numeroASP"), kString1, attNumeroASP) && !numeroASPValide(string(c.text(v))) {
		c.add(Erreur{Code: CodeSoldeNumeroASP, Balise: "numeroASP", Valeur: montrer(c.b, v)})
	}
	if c.stop() {
		return false
	}
	c.numeroEditeur(f[sNumeroEditeur])
	if c.stop() {
		return false
	}
	c.facture()
	if c.stop() {
		return false
	}
	c.dateSolde(f[sDateMiseEnService], bal("dateMiseEnService"))
	if c.stop() {
		return false
	}
	c.listePieces(piecesSolde)
	if c.stop() {
		return false
	}
	c.null(f[sCodeTraitement], "codeTraitement")
	if c.stop() {
		return false
	}
	c.null(f[sLibelleTraitement], "libelleTraitement")
	return len(c.errs) == n0
}

func (c *controleur) facture() {
	f := &c.d.f
	if !c.typed(f[sFacture], bal("facture"), kObject1, attFacture) {
		return
	}
	if !c.inconnues(c.d.inc[oFacture], schemaFacture, bal("facture")) && c.stop() {
		return
	}
	c.texte(f[sNumeroFacture], bal("facture.numeroFacture"), kString1, maxNumeroFacture, attNumeroFacture)
	if c.stop() {
		return
	}
	c.dateSolde(f[sDateFacture], bal("facture.dateFacture"))
	if c.stop() {
		return
	}
	if v := f[sMontantFacture]; c.typed(v, bal("facture.montantFactureHT"), kNumber1, attMontant) {
		code := montantInvalide(c.b[v.start:v.end])
		switch code {
		case CodeMontantFormat:
			code = CodeSoldeMontantFormat
		case CodeMontantPositif:
			code = CodeSoldeFactureNulle
		case CodeMontantMax:
			code = CodeSoldeMontantMax
		}
		if code != "" {
			c.add(Erreur{Code: code, Balise: "facture.montantFactureHT", Valeur: montrer(c.b, v)})
		}
	}
}

// dateSolde checks a date of a balance line: JJ/MM/AAAA, a real day, not
// after the deposit.
func (c *controleur) dateSolde(v val, b balise) {
	c.date(v, b, codesDate{CodeSoldeDateFormat, CodeSoldeDateInexistante, CodeSoldeDateFuture}, b.String())
}

// reglesSolde checks the rules across the fields of a balance line; every
// field is valid here.
func (c *controleur) reglesSolde() {
	pieces := c.doc.pieces[c.d.p0:c.d.p1]
	fac, vsr := 0, 0
	for j := range pieces {
		switch string(c.text(pieces[j].f[pTypeFichier])) {
		case TypeFacture:
			fac++
		case TypePVVSR:
			vsr++
		}
	}
	switch {
	case fac == 0:
		c.add(Erreur{Code: CodeSoldeSansFacture})
	case fac > 1:
		c.add(Erreur{Code: CodeSoldeFactures, Valeur: strconv.Itoa(fac)})
	case vsr == 0:
		c.add(Erreur{Code: CodeSoldeSansPV})
	}
	if c.stop() {
		return
	}
	c.nomsPieces(pieces, piecesSolde)
}

// DonneesSolde is what an accepted balance line says, typed.
type DonneesSolde struct {
	NumLigne              int
	NumeroASP             string
	NumeroEditeur         string
	NumeroFacture         string
	DateFacture           Date
	MontantFactureHTCents int64 // montantFactureHT, in euro cents
	DateMiseEnService     Date
	Pieces                []Piece
}

// DonneesSolde returns the typed content of balance line i (from 0), which
// passed control 2.
func (r *Resultat) DonneesSolde(i int) DonneesSolde {
	d := &r.doc.demandes[i]
	s := r.chaine
	out := DonneesSolde{
		NumLigne:              i + 1,
		NumeroASP:             s(d.f[sNumeroASP]),
		NumeroEditeur:         s(d.f[sNumeroEditeur]),
		NumeroFacture:         s(d.f[sNumeroFacture]),
		MontantFactureHTCents: centimes(r.data[d.f[sMontantFacture].start:d.f[sMontantFacture].end]),
	}
	out.DateFacture, _ = lireDateJJMMAAAA([]byte(s(d.f[sDateFacture])))
	out.DateMiseEnService, _ = lireDateJJMMAAAA([]byte(s(d.f[sDateMiseEnService])))
	for _, p := range r.doc.pieces[d.p0:d.p1] {
		out.Pieces = append(out.Pieces, Piece{s(p.f[pNomFichier]), s(p.f[pFormatFichier]), s(p.f[pTypeFichier])})
	}
	return out
}
