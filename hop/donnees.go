package hop

import (
	"bytes"
)

// DonneesDemande is what an accepted request says, typed: what the portal
// stores and the agents instruct.
type DonneesDemande struct {
	NumLigne       int
	NumeroEditeur  string
	DateCommande   Date
	RegimeTVA      string // "HT" or "TTC"
	MontantHTCents int64  // montantSegurHT, in euro cents
	Mandataire     *Contact
	Clients        []Client
	Pieces         []Piece
	// Scenario holds the booleans of the DPI and PFI blocks that are true,
	// by key, and OperateurMessagerie the PFI operator.
	Scenario            []string
	OperateurMessagerie string
}

// Contact is a named person or body with an e-mail and a telephone.
type Contact struct {
	Nom, Email, Telephone string
}

// Client is a client establishment (ES-PMSI) of a request.
type Client struct {
	Contact
	FINESSPMSI string
}

// The types of an advance request's attachments (typeFichier).
const (
	TypeBonCommande = "BON_COMMANDE" // the signed order form, code BDC
	TypePreuveHT    = "PREUVE_HT"    // the proof of the excluding-tax regime, code HT
)

// Piece is an attachment a request names.
type Piece struct {
	NomFichier, Format, Type string
}

// chaine is the text of a string value of the file, unescaped; "" for
// another kind of value.
func (r *Resultat) chaine(v val) string {
	if v.kind != kString {
		return ""
	}
	raw := r.data[v.start:v.end]
	if v.esc {
		raw = unescape(nil, raw)
	}
	return string(raw)
}

// Donnees returns the typed content of request i (from 0), which passed
// control 2: every value is there and valid.
func (r *Resultat) Donnees(i int) DonneesDemande {
	d := &r.doc.demandes[i]
	s := r.chaine
	out := DonneesDemande{
		NumLigne:       i + 1,
		NumeroEditeur:  s(d.f[fNumeroEditeur]),
		RegimeTVA:      s(d.f[fRegimeTVA]),
		MontantHTCents: centimes(r.data[d.f[fMontant].start:d.f[fMontant].end]),
	}
	out.DateCommande, _ = lireDateJJMMAAAA([]byte(s(d.f[fDateCommande])))
	if d.f[fIsMandataire].kind == kTrue {
		out.Mandataire = &Contact{s(d.f[fNomMandataire]), s(d.f[fEmailMandataire]), s(d.f[fTelMandataire])}
	}
	for _, c := range r.doc.clients[d.c0:d.c1] {
		out.Clients = append(out.Clients, Client{Contact{s(c.f[cNomClient]), s(c.f[cEmailClient]), s(c.f[cTelClient])}, s(c.f[cFINESS])})
	}
	for _, p := range r.doc.pieces[d.p0:d.p1] {
		out.Pieces = append(out.Pieces, Piece{s(p.f[pNomFichier]), s(p.f[pFormatFichier]), s(p.f[pTypeFichier])})
	}
	for _, fl := range flagsRI {
		if d.f[fl.slot].kind == kTrue {
			out.Scenario = append(out.Scenario, fl.balise[len("scenarioInstallation."):])
		}
	}
	out.OperateurMessagerie = s(d.f[fPFIOperateur])
	return out
}

// centimes reads an amount literal with two decimals (checked) in cents.
func centimes(lit []byte) int64 {
	dot := bytes.IndexByte(lit, '.')
	if dot < 0 {
		return 0
	}
	var n int64
	for _, c := range lit[:dot] {
		n = n*10 + int64(c-'0')
	}
	for _, c := range lit[dot+1:] {
		n = n*10 + int64(c-'0')
	}
	return n
}
