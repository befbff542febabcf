package hop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FichierHOP is a JSON-HOP file to write from typed requests: what
// `segur build` makes from a vendor's order book.
type FichierHOP struct {
	NumeroAns string
	SIRET     string
	Logiciel  Logiciel
	Demandes  []DonneesDemande // NumLigne is set from 1 in the file's order
}

// MontantTexte writes cents as the format writes amounts: 13750.00.
func MontantTexte(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// NomPiece is the nomenclature name of an attachment:
// HOP-<Logiciel>-Va1-<BDC|HT|FAC|VSR>-<numeroEditeur>.<pdf|jpg|png>, the
// code of its type: BDC for BON_COMMANDE, HT for PREUVE_HT, FAC for FACTURE
// and VSR for PV_VSR (a balance's attachments).
func NomPiece(l Logiciel, typeFichier, numeroEditeur, format string) string {
	code := "HT"
	switch typeFichier {
	case TypeBonCommande:
		code = "BDC"
	case TypeFacture:
		code = "FAC"
	case TypePVVSR:
		code = "VSR"
	}
	return fmt.Sprintf("HOP-%s-Va1-%s-%s.%s", l, code, numeroEditeur, strings.ToLower(format))
}

// EcrireHOP writes f as the agency's model lays it out: the model's keys in
// its order, two-space indentation, amounts with two decimals, names in
// capitals, a final newline. Its bytes are those encoding/json writes with
// SetIndent("", "  ") and SetEscapeHTML(false) (construire_test.go keeps
// that writer and compares the two), written directly: about ten times
// faster, for the 10 000 requests of a large order book.
func EcrireHOP(w io.Writer, f FichierHOP) error {
	b, err := AjouterHOP(make([]byte, 0, 128+1536*len(f.Demandes)), f)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// AjouterHOP appends to b the bytes EcrireHOP writes for f, and returns the
// extended slice: a program that writes many files can reuse one buffer.
func AjouterHOP(b []byte, f FichierHOP) ([]byte, error) {
	b = append(b, "{\n  \"impId\": null,\n  \"numeroAns\": "...)
	b = appendChaineJSON(b, f.NumeroAns)
	b = append(b, ",\n  \"SIRET\": "...)
	b = appendChaineJSON(b, f.SIRET)
	b = append(b, ",\n  \"lignesImport\": ["...)
	for i := range f.Demandes {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendDemandeHOP(b, i+1, &f.Demandes[i]); err != nil {
			return b, err
		}
	}
	if len(f.Demandes) > 0 {
		b = append(b, "\n  "...)
	}
	return append(b, "]\n}\n"...), nil
}

// appendDemandeHOP appends request d, numbered n, as an element of
// lignesImport.
func appendDemandeHOP(b []byte, n int, d *DonneesDemande) ([]byte, error) {
	if d.MontantHTCents < 0 {
		return b, fmt.Errorf("demande %d (numeroEditeur « %s ») : montantSegurHT négatif (%d centimes) ; attendu : un montant positif ou nul", n, d.NumeroEditeur, d.MontantHTCents)
	}
	montant := MontantTexte(d.MontantHTCents)
	b = append(b, "\n    {\n      \"numLigne\": "...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, ",\n      \"typeAction\": \"C\",\n      \"numeroASP\": null,\n      \"numeroEditeur\": "...)
	b = appendChaineJSON(b, d.NumeroEditeur)
	b = append(b, ",\n      \"commande\": {\n        \"dateCommande\": "...)
	b = appendChaineJSON(b, d.DateCommande.String())
	b = append(b, ",\n        \"regimeTVA\": "...)
	b = appendChaineJSON(b, d.RegimeTVA)
	b = append(b, ",\n        \"montantSegurHT\": "...)
	b = append(b, montant...)
	b = append(b, "\n      },\n      \"beneficiaires\": {\n        \"isMandataire\": "...)
	b = strconv.AppendBool(b, d.Mandataire != nil)
	b = append(b, ",\n        \"isClientUnique\": "...)
	b = strconv.AppendBool(b, len(d.Clients) == 1 && d.Mandataire == nil)
	if m := d.Mandataire; m != nil {
		b = append(b, ",\n        \"nomMandataire\": "...)
		b = appendChaineJSON(b, strings.ToUpper(m.Nom))
		b = append(b, ",\n        \"emailMandataire\": "...)
		b = appendChaineJSON(b, m.Email)
		b = append(b, ",\n        \"telephoneMandataire\": "...)
		b = appendChaineJSON(b, m.Telephone)
	} else {
		b = append(b, ",\n        \"nomMandataire\": null,\n        \"emailMandataire\": null,\n        \"telephoneMandataire\": null"...)
	}
	b = append(b, ",\n        \"etablissementsClients\": ["...)
	for i, c := range d.Clients {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n          {\n            \"nomClient\": "...)
		b = appendChaineJSON(b, strings.ToUpper(c.Nom))
		b = append(b, ",\n            \"emailClient\": "...)
		b = appendChaineJSON(b, c.Email)
		b = append(b, ",\n            \"telephoneClient\": "...)
		b = appendChaineJSON(b, c.Telephone)
		b = append(b, ",\n            \"FINESSPMSI\": "...)
		b = appendChaineJSON(b, strings.ToUpper(c.FINESSPMSI))
		b = append(b, "\n          }"...)
	}
	if len(d.Clients) > 0 {
		b = append(b, "\n        "...)
	}
	b = append(b, "]\n      },\n      \"piecesJustificatives\": ["...)
	for i, p := range d.Pieces {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n        {\n          \"nomFichier\": "...)
		b = appendChaineJSON(b, p.NomFichier)
		b = append(b, ",\n          \"formatFichier\": "...)
		b = appendChaineJSON(b, p.Format)
		b = append(b, ",\n          \"typeFichier\": "...)
		b = appendChaineJSON(b, p.Type)
		b = append(b, "\n        }"...)
	}
	if len(d.Pieces) > 0 {
		b = append(b, "\n      "...)
	}
	var vrai [len(scenarioCles)]bool
	for _, k := range d.Scenario {
		for j, cle := range scenarioCles {
			if k == cle {
				vrai[j] = true
			}
		}
	}
	b = append(b, "],\n      \"scenarioInstallation\": {\n        \"DPI\": {"...)
	for j, cle := range scenarioCles {
		switch {
		case j == 4:
			b = append(b, "\n        },\n        \"PFI\": {"...)
		case j == 6: // the operator sits after the two associations
			b = append(b, ",\n          \"operateurMessagerie\": "...)
			if d.OperateurMessagerie != "" {
				b = appendChaineJSON(b, d.OperateurMessagerie)
			} else {
				b = append(b, "null"...)
			}
			b = append(b, ',')
		case j > 0:
			b = append(b, ',')
		}
		b = append(b, "\n          \""...)
		b = append(b, cle[len("DPI."):]...)
		b = append(b, "\": "...)
		b = strconv.AppendBool(b, vrai[j])
	}
	b = append(b, "\n        }\n      },\n      \"codeTraitement\": null,\n      \"libelleTraitement\": null\n    }"...)
	return b, nil
}

// scenarioCles are the booleans of scenarioInstallation as
// DonneesDemande.Scenario names them, in the model's order: the four of
// DPI, then the five of PFI.
var scenarioCles = [...]string{
	"DPI.isPFIpourEnvoiDMPIndependante", "DPI.isPFIpourEnvoiMSSProIndependante",
	"DPI.isPFIpourEnvoiMSSCitoyenIndependante", "DPI.isProSanteConnectNeeded",
	"PFI.isCRBIOAssociated", "PFI.isCRRADAssociated",
	"PFI.isEnvoiDMP", "PFI.isEnvoiMSSPro", "PFI.isEnvoiMSSCitoyen",
}

// appendChaineJSON appends s as encoding/json writes a string without HTML
// escaping: the escapes JSON requires, U+2028 and U+2029 escaped, and each
// byte of invalid UTF-8 as \ufffd.
func appendChaineJSON(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// FichierSolde is a balance file to write from typed balance lines
// (docs/solde.md).
type FichierSolde struct {
	NumeroAns string
	SIRET     string
	Soldes    []DonneesSolde // NumLigne is set from 1 in the file's order
}

type (
	soldeFichier struct {
		ImpID        *string      `json:"impId"`
		NumeroAns    string       `json:"numeroAns"`
		SIRET        string       `json:"SIRET"`
		LignesImport []soldeLigne `json:"lignesImport"`
	}
	soldeLigne struct {
		NumLigne             int          `json:"numLigne"`
		TypeAction           string       `json:"typeAction"`
		NumeroASP            string       `json:"numeroASP"`
		NumeroEditeur        string       `json:"numeroEditeur"`
		Facture              soldeFacture `json:"facture"`
		DateMiseEnService    string       `json:"dateMiseEnService"`
		PiecesJustificatives []hopPiece   `json:"piecesJustificatives"`
		CodeTraitement       *string      `json:"codeTraitement"`
		LibelleTraitement    *string      `json:"libelleTraitement"`
	}
	soldeFacture struct {
		NumeroFacture    string      `json:"numeroFacture"`
		DateFacture      string      `json:"dateFacture"`
		MontantFactureHT json.Number `json:"montantFactureHT"`
	}
)

// EcrireSolde writes f as the balance model lays it out: the model's keys in
// its order, two-space indentation, amounts with two decimals, a final
// newline.
func EcrireSolde(w io.Writer, f FichierSolde) error {
	out := soldeFichier{NumeroAns: f.NumeroAns, SIRET: f.SIRET, LignesImport: []soldeLigne{}}
	for i, s := range f.Soldes {
		l := soldeLigne{NumLigne: i + 1, TypeAction: "C", NumeroASP: s.NumeroASP, NumeroEditeur: s.NumeroEditeur,
			Facture: soldeFacture{NumeroFacture: s.NumeroFacture, DateFacture: s.DateFacture.String(),
				MontantFactureHT: json.Number(MontantTexte(s.MontantFactureHTCents))},
			DateMiseEnService: s.DateMiseEnService.String(), PiecesJustificatives: hopPieces(s.Pieces)}
		out.LignesImport = append(out.LignesImport, l)
	}
	return ecrireJSON(w, out)
}

// hopPiece is an attachment as the files write it.
type hopPiece struct {
	NomFichier    string `json:"nomFichier"`
	FormatFichier string `json:"formatFichier"`
	TypeFichier   string `json:"typeFichier"`
}

// hopPieces are attachments as the files write them; never nil.
func hopPieces(ps []Piece) []hopPiece {
	out := make([]hopPiece, 0, len(ps))
	for _, p := range ps {
		out = append(out, hopPiece{p.NomFichier, p.Format, p.Type})
	}
	return out
}

// ecrireJSON writes v as the agency's files are laid out: two-space
// indentation, no HTML escaping, a final newline; all or nothing.
func ecrireJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
