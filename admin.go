package segur

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/segur-numerique/segur/hop"
)

// Faute is a refusal of one field of what an administrator enters: the
// pages show it beside the field, the CLI prints its message.
type Faute struct {
	Champ string // the field: "siret", "nom", "email", "iban", "bic", "numeroAns", "logiciel", "login", "roles", "fournisseur", "type", "debut", "fin", "annuler"
	Err   *Error
}

func (f *Faute) Error() string { return f.Err.Message }

// Unwrap returns the *Error, so that errors.As finds its code and message.
func (f *Faute) Unwrap() error { return f.Err }

// Fautes are the refusals of a form, in the order of its fields. A
// Fautes error is never empty.
type Fautes []*Faute

func (fs Fautes) Error() string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.Err.Message
	}
	return strings.Join(s, " ; ")
}

// Unwrap returns the refusals: errors.As finds the first one's *Error.
func (fs Fautes) Unwrap() []error {
	out := make([]error, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

// err is fs as an error: nil when there is no refusal.
func (fs Fautes) err() error {
	if len(fs) == 0 {
		return nil
	}
	return fs
}

func (fs *Fautes) add(champ, format string, args ...any) {
	*fs = append(*fs, &Faute{Champ: champ, Err: Errorf(EINVALID, format, args...)})
}

// commeErreur is err as the *Error of a refusal: the *Error it is or wraps, or
// else an EINVALID with its text.
func commeErreur(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EINVALID, Message: err.Error()}
}

// faute is a Fautes of one refusal of field champ.
func faute(champ, format string, args ...any) error {
	var fs Fautes
	fs.add(champ, format, args...)
	return fs
}

// Valider checks a user before its creation, and normalises its login
// (lower-cased) and name: the login is an e-mail address, the name 1 to
// 200 characters, the roles valid (ValiderRoles), and the user has a vendor
// if and only if its role is fournisseur. Its error is a Fautes, whose
// fields are login, nom, roles and fournisseur.
func (u *Utilisateur) Valider() error {
	u.Login = strings.ToLower(strings.TrimSpace(u.Login))
	u.Nom = strings.TrimSpace(u.Nom)
	var fs Fautes
	// A login is where the portal sends the user's mail (passwords, notices):
	// the outbox's rule, not the format's laxer one.
	if !AdresseCourrielValide(u.Login) {
		fs.add("login", "identifiant « %s » : attendu une adresse électronique nom@domaine.fr (sans accent ni espace : le portail y écrit)", u.Login)
	}
	if u.Nom == "" || utf8.RuneCountInString(u.Nom) > 200 {
		fs.add("nom", "nom : attendu 1 à 200 caractères")
	}
	if err := ValiderRoles(u.Roles); err != nil {
		fs = append(fs, &Faute{Champ: "roles", Err: commeErreur(err)})
	} else {
		switch {
		case u.A(RoleFournisseur) && u.FournisseurID == 0:
			fs.add("fournisseur", "le rôle fournisseur demande le fournisseur dont la personne est salariée")
		case !u.A(RoleFournisseur) && u.FournisseurID != 0:
			fs.add("fournisseur", "seul un utilisateur de rôle fournisseur est rattaché à un fournisseur")
		}
	}
	return fs.err()
}

// ParseTypeDemande reads a request type: avance or solde.
func ParseTypeDemande(s string) (TypeDemande, error) {
	switch t := TypeDemande(strings.ToLower(strings.TrimSpace(s))); t {
	case TypeAvance, TypeSolde:
		return t, nil
	}
	return "", Errorf(EINVALID, "type « %s » : attendu avance ou solde", s)
}

// Valider checks a campaign window before it opens, and normalises its
// software type and request type: a known software type and request
// type, and a start before the end. Its error is a Fautes, whose fields
// are logiciel, type, debut and fin.
func (f *Fenetre) Valider() error {
	var fs Fautes
	if l, err := hop.ParseLogiciel(string(f.Logiciel)); err != nil {
		fs.add("logiciel", "%v", err)
	} else {
		f.Logiciel = l
	}
	if t, err := ParseTypeDemande(string(f.Type)); err != nil {
		fs = append(fs, &Faute{Champ: "type", Err: commeErreur(err)})
	} else {
		f.Type = t
	}
	if f.Debut.IsZero() {
		fs.add("debut", "ouverture : attendu une date et une heure")
	}
	switch {
	case f.Fin.IsZero():
		fs.add("fin", "fermeture : attendu une date et une heure")
	case !f.Debut.IsZero() && !f.Debut.Before(f.Fin):
		fs.add("fin", "la fermeture doit suivre l'ouverture")
	}
	return fs.err()
}

// Ouverte reports whether deposits are open in the window at t.
func (f *Fenetre) Ouverte(t time.Time) bool { return !t.Before(f.Debut) && t.Before(f.Fin) }

// FournisseurResume is a vendor as the administration lists it, with the
// number of its ANS numbers and of its users.
type FournisseurResume struct {
	Fournisseur
	Produits     int
	Utilisateurs int
}

// ReferenceVersion is one import of the reference of establishments.
type ReferenceVersion struct {
	ID        int64
	ImporteLe time.Time
	Par       string // the login of who imported it
	Nombre    int    // of establishments
}
