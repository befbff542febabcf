package hop

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Retour is a returned file as LireRetour reads it: the outcome of each
// request of a deposited file.
type Retour struct {
	// ImpID is the portal's reference of the deposit; "" when null (a file
	// checked offline).
	ImpID     string
	NumeroAns string
	SIRET     string
	// Demandes holds the requests in the file's order.
	Demandes []DemandeRetour
}

// DemandeRetour is the outcome of one request of a returned file.
type DemandeRetour struct {
	NumLigne      int
	NumeroEditeur string
	// NumeroASP is the number the agency gave the request: "" when the
	// request is rejected, or when the file was checked offline. A balance
	// line keeps the number it quotes.
	NumeroASP         string
	CodeTraitement    string
	LibelleTraitement string
}

// Acceptee reports whether the request was accepted.
func (d DemandeRetour) Acceptee() bool { return d.CodeTraitement == CodeAcceptee }

// maxRetour bounds a returned file: the deposited file and, on each
// request, its processing keys.
const maxRetour = MaxFichier + MaxDemandes*(4*MaxLibelle+200)

// LireRetour reads a returned file of an advance or a balance file, as the
// portal or Resultat.EcrireRetour writes it. Its error, in French, says why
// data is not one: unreadable JSON, or a request without its processing
// keys (a file as deposited, not as returned).
func LireRetour(data []byte) (*Retour, error) {
	if len(data) > maxRetour {
		return nil, fmt.Errorf("fichier retour de %d octets : attendu au plus %d", len(data), maxRetour)
	}
	var f struct {
		ImpID        *string `json:"impId"`
		NumeroAns    string  `json:"numeroAns"`
		SIRET        string  `json:"SIRET"`
		LignesImport []struct {
			NumLigne          int     `json:"numLigne"`
			NumeroEditeur     string  `json:"numeroEditeur"`
			NumeroASP         *string `json:"numeroASP"`
			CodeTraitement    *string `json:"codeTraitement"`
			LibelleTraitement *string `json:"libelleTraitement"`
		} `json:"lignesImport"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, errRetour(err)
	}
	if f.LignesImport == nil {
		return nil, errors.New("fichier retour illisible : pas de tableau lignesImport")
	}
	r := &Retour{NumeroAns: f.NumeroAns, SIRET: f.SIRET, Demandes: make([]DemandeRetour, len(f.LignesImport))}
	if f.ImpID != nil {
		r.ImpID = *f.ImpID
	}
	for i, l := range f.LignesImport {
		if l.CodeTraitement == nil || l.LibelleTraitement == nil {
			return nil, fmt.Errorf("lignesImport[%d] : codeTraitement ou libelleTraitement null ; attendu : un fichier retour, où chaque demande a son résultat (ce fichier semble être le fichier déposé)", i+1)
		}
		d := DemandeRetour{NumLigne: l.NumLigne, NumeroEditeur: l.NumeroEditeur,
			CodeTraitement: *l.CodeTraitement, LibelleTraitement: *l.LibelleTraitement}
		if l.NumeroASP != nil {
			d.NumeroASP = *l.NumeroASP
		}
		r.Demandes[i] = d
	}
	return r, nil
}

// errRetour says in French why encoding/json could not read a returned
// file.
func errRetour(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("fichier retour illisible : JSON invalide à l'octet %d", syn.Offset)
	case errors.As(err, &typ):
		cle := typ.Field
		if cle == "" {
			cle = "la racine"
		}
		return fmt.Errorf("fichier retour illisible : %s est %s ; attendu : %s", cle, nomJSON(typ.Value), nomGo(typ.Type.Kind().String()))
	}
	return errors.New("fichier retour illisible : JSON invalide")
}

// nomJSON names, in French, a JSON value's kind as encoding/json reports it.
func nomJSON(v string) string {
	switch v {
	case "string":
		return "une chaîne"
	case "number":
		return "un nombre"
	case "bool":
		return "un booléen"
	case "array":
		return "un tableau"
	case "object":
		return "un objet"
	}
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return "le nombre " + n
	}
	return "une valeur d'un autre type"
}

// nomGo names, in French, what a Go kind expects of a JSON value.
func nomGo(kind string) string {
	switch kind {
	case "string":
		return "une chaîne"
	case "int", "int64":
		return "un nombre entier"
	case "slice":
		return "un tableau"
	case "struct", "map":
		return "un objet"
	}
	return "une autre valeur"
}
