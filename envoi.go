package segur

import (
	"context"
	"io"
	"mime/multipart"
	"strings"
	"unicode/utf8"

	"github.com/segur-numerique/segur/hop"
)

// FormulaireDepot is a deposit as a form or the API sends it, its files
// already stored.
type FormulaireDepot struct {
	TypeDemande string
	NumeroAns   string
	NomFichier  string // the JSON file's name, as text: never a path
	JSON        BlobRef
	Zip         BlobRef // zero without a zip
}

// Staging holds the files of one deposit as they stream in, outside the
// store, until the deposit is accepted for control (Keep moves them into
// the store) or refused (Discard removes them): a refused upload leaves
// nothing behind. Put stages a file; Open reads a staged file, or a stored
// one.
type Staging interface {
	Blobs
	// Keep stores durably every file staged so far.
	Keep(ctx context.Context) error
	// Discard removes what Keep did not store; it may be called more than
	// once, and after Keep.
	Discard()
}

// Stager starts the staging of a deposit's files.
type Stager interface {
	Stage() (Staging, error)
}

// directStaging stages nothing: files go straight to the store, as without
// a Stager (tests, the demo).
type directStaging struct{ Blobs }

func (directStaging) Keep(context.Context) error { return nil }
func (directStaging) Discard()                   {}

// maxChamp bounds a plain field of a deposit form.
const maxChamp = 200

// LireFormulaireDepot streams the parts of a multipart deposit (typeDemande,
// numeroAns, fichier, pieces) into blobs, each file within its bound
// (ETOOLARGE past it). An error of the reader itself (the request's size
// bound, a broken upload) is returned wrapped, for the caller to map.
func LireFormulaireDepot(ctx context.Context, mr *multipart.Reader, blobs Blobs) (FormulaireDepot, error) {
	var f FormulaireDepot
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return f, err
		}
		name := part.FormName()
		if seen[name] {
			return f, Errorf(EINVALID, "champ « %s » envoyé deux fois", name)
		}
		seen[name] = true
		switch name {
		case "typeDemande", "numeroAns":
			b, err := io.ReadAll(io.LimitReader(part, maxChamp+1))
			if err != nil {
				return f, err
			}
			if len(b) > maxChamp || !utf8.Valid(b) {
				return f, Errorf(EINVALID, "champ « %s » : attendu un texte court", name)
			}
			if name == "typeDemande" {
				f.TypeDemande = strings.TrimSpace(string(b))
			} else {
				f.NumeroAns = strings.TrimSpace(string(b))
			}
		case "fichier":
			f.NomFichier = part.FileName() // its base name only
			if f.NomFichier == "" || len(f.NomFichier) > 255 || !utf8.ValidString(f.NomFichier) {
				return f, Errorf(EINVALID, "champ « fichier » : attendu un fichier JSON avec son nom")
			}
			if f.JSON, err = blobs.Put(ctx, part, hop.MaxFichier); err != nil {
				if IsCode(err, ETOOLARGE) {
					return f, Errorf(ETOOLARGE, "fichier JSON de plus de 10 Mo (%d octets au plus)", hop.MaxFichier)
				}
				return f, err
			}
		case "pieces":
			if part.FileName() == "" {
				continue // a form's empty file input
			}
			if f.Zip, err = blobs.Put(ctx, part, hop.MaxArchive); err != nil {
				if IsCode(err, ETOOLARGE) {
					return f, Errorf(ETOOLARGE, "fichier .zip de plus de 200 Mo (209 715 200 octets au plus)")
				}
				return f, err
			}
			if f.Zip.Taille == 0 {
				f.Zip = BlobRef{}
			}
		default:
			return f, Errorf(EINVALID, "champ « %s » inconnu : attendu typeDemande, numeroAns, fichier et pieces", name)
		}
	}
	switch {
	case f.TypeDemande == "":
		return f, Errorf(EINVALID, "champ « typeDemande » absent : attendu « avance » ou « solde »")
	case f.NumeroAns == "":
		return f, Errorf(EINVALID, "champ « numeroAns » absent : attendu le numéro ANS du logiciel")
	case f.JSON.SHA256 == "":
		return f, Errorf(EINVALID, "champ « fichier » absent : attendu le fichier JSON des demandes")
	}
	return f, nil
}
