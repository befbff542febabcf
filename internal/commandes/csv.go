package commandes

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// lireCSV reads a CSV book as spreadsheets write it: UTF-8 with or without
// a byte order mark, or Windows-1252 when the bytes are not UTF-8; fields
// separated by ; or , (the more frequent in the header line), quoted or not.
func lireCSV(data []byte) ([]ligneBrute, []Erreur) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		// Windows-1252 maps every byte: decoding cannot fail.
		if d, err := charmap.Windows1252.NewDecoder().Bytes(data); err == nil {
			data = d
		}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = separateur(data)
	r.FieldsPerRecord = -1
	var lignes []ligneBrute
	var errs []Erreur
	for num := 1; ; num++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			errs = append(errs, Erreur{Ligne: num, Message: fmt.Sprintf("CSV illisible à partir d'ici (ligne %d du fichier, caractère %d) : guillemet mal placé ou non fermé", pe.Line, pe.Column)})
			break
		}
		if err != nil {
			errs = append(errs, Erreur{Ligne: num, Message: "CSV illisible à partir d'ici"})
			break
		}
		if num > LignesMax {
			errs = append(errs, Erreur{Ligne: num, Message: fmt.Sprintf("plus de %d lignes : découper le carnet", LignesMax)})
			break
		}
		l, e := ligneDe(num, rec, nil)
		lignes = append(lignes, l)
		errs = append(errs, e...)
	}
	return lignes, errs
}

// ligneDe makes a row from its texts and, for XLSX, its raw values; a row
// wider than ColonnesMax (counting up to its last value) is cut, with an
// error.
func ligneDe(num int, textes, nombres []string) (ligneBrute, []Erreur) {
	n := len(textes)
	for n > 0 && textes[n-1] == "" && (n > len(nombres) || nombres[n-1] == "") {
		n--
	}
	var errs []Erreur
	if n > ColonnesMax {
		errs = append(errs, Erreur{Ligne: num, Message: fmt.Sprintf("%d colonnes, %d au plus", n, ColonnesMax)})
		n = ColonnesMax
	}
	l := ligneBrute{num: num, cellules: make([]cellule, n)}
	for i := range n {
		l.cellules[i].texte = textes[i]
		if i < len(nombres) {
			l.cellules[i].nombre = nombres[i]
		}
	}
	return l, errs
}

// separateur picks ; or , from the header line, outside quotes.
func separateur(data []byte) rune {
	pv, v := 0, 0
	guillemets := false
	for _, c := range data {
		switch {
		case c == '"':
			guillemets = !guillemets
		case guillemets:
		case c == '\n':
			if v > pv {
				return ','
			}
			return ';'
		case c == ';':
			pv++
		case c == ',':
			v++
		}
	}
	if v > pv {
		return ','
	}
	return ';'
}
