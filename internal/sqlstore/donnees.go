package sqlstore

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/segur-numerique/segur/hop"
)

// lireDonnees reads the column donnees s, as marshalDonnees writes it, into
// d, without reflection: an export reads 100 000 of them, and
// encoding/json took a third of its time. It reports false on anything
// marshalDonnees does not write (a key it does not know or twice, a null,
// a number, a string not valid UTF-8 or with a control character), d then
// partly set: unmarshalDonnees reads those with encoding/json, and the
// result is the same either way (TestLireDonnees).
func lireDonnees(s string, d *hop.DonneesDemande) bool {
	l := lecteurJSON{s: s}
	var vues uint8
	ok := l.objet(func(cle string) bool {
		bit := cleDonnees(cle)
		if bit == 0 || vues&bit != 0 {
			return false
		}
		vues |= bit
		switch cle {
		case "mandataire":
			var c hop.Contact
			d.Mandataire = &c
			return l.objet(func(k string) bool { return l.champContact(k, &c) })
		case "clients":
			return l.tableau(func() bool {
				var c hop.Client
				ok := l.objet(func(k string) bool {
					if k == "finessPMSI" {
						return l.chaine(&c.FINESSPMSI)
					}
					return l.champContact(k, &c.Contact)
				})
				d.Clients = append(d.Clients, c)
				return ok
			})
		case "pieces":
			return l.tableau(func() bool {
				var p hop.Piece
				ok := l.objet(func(k string) bool {
					switch k {
					case "nomFichier":
						return l.chaine(&p.NomFichier)
					case "format":
						return l.chaine(&p.Format)
					case "type":
						return l.chaine(&p.Type)
					}
					return false
				})
				d.Pieces = append(d.Pieces, p)
				return ok
			})
		case "scenario":
			d.Scenario = []string{}
			return l.tableau(func() bool {
				var v string
				ok := l.chaine(&v)
				d.Scenario = append(d.Scenario, v)
				return ok
			})
		default:
			return l.chaine(&d.OperateurMessagerie)
		}
	})
	l.espaces()
	return ok && l.i == len(l.s)
}

// cleDonnees is the bit of a key of donnees, 0 for a key it does not have.
func cleDonnees(cle string) uint8 {
	switch cle {
	case "mandataire":
		return 1
	case "clients":
		return 2
	case "pieces":
		return 4
	case "scenario":
		return 8
	case "operateurMessagerie":
		return 16
	}
	return 0
}

// champContact reads the value of key k of a contact into c.
func (l *lecteurJSON) champContact(k string, c *hop.Contact) bool {
	switch k {
	case "nom":
		return l.chaine(&c.Nom)
	case "email":
		return l.chaine(&c.Email)
	case "telephone":
		return l.chaine(&c.Telephone)
	}
	return false
}

// lecteurJSON reads the JSON values lireDonnees knows, from s at i. Each
// method reports false on what it does not expect, and reads no further.
type lecteurJSON struct {
	s string
	i int
}

func (l *lecteurJSON) espaces() {
	for l.i < len(l.s) && (l.s[l.i] == ' ' || l.s[l.i] == '\t' || l.s[l.i] == '\n' || l.s[l.i] == '\r') {
		l.i++
	}
}

// octet reads the byte c, after spaces.
func (l *lecteurJSON) octet(c byte) bool {
	l.espaces()
	if l.i < len(l.s) && l.s[l.i] == c {
		l.i++
		return true
	}
	return false
}

// objet reads an object, calling champ on each key with the reader at its
// value.
func (l *lecteurJSON) objet(champ func(cle string) bool) bool {
	if !l.octet('{') {
		return false
	}
	if l.octet('}') {
		return true
	}
	for {
		var cle string
		if !l.chaine(&cle) || !l.octet(':') || !champ(cle) {
			return false
		}
		if l.octet('}') {
			return true
		}
		if !l.octet(',') {
			return false
		}
	}
}

// tableau reads an array, calling element with the reader at each one.
func (l *lecteurJSON) tableau(element func() bool) bool {
	if !l.octet('[') {
		return false
	}
	if l.octet(']') {
		return true
	}
	for {
		if !element() {
			return false
		}
		if l.octet(']') {
			return true
		}
		if !l.octet(',') {
			return false
		}
	}
}

// chaine reads a string into v: as it is when it holds no escape, through
// encoding/json when it does (marshalDonnees escapes <, > and &).
func (l *lecteurJSON) chaine(v *string) bool {
	if !l.octet('"') {
		return false
	}
	debut, echappee := l.i, false
	for ; l.i < len(l.s); l.i++ {
		switch c := l.s[l.i]; {
		case c == '"':
			brut := l.s[debut:l.i]
			l.i++
			if !utf8.ValidString(brut) {
				return false
			}
			if !echappee {
				*v = brut
				return true
			}
			return json.Unmarshal([]byte(l.s[debut-1:l.i]), v) == nil
		case c == '\\':
			echappee = true
			l.i++ // the escaped byte: never the end of the string
		case c < 0x20:
			return false
		}
	}
	return false
}
