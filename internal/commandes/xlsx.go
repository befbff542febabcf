package commandes

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/segur-numerique/segur/hop"
)

// dezippeMax bounds what an XLSX file may unzip to: a 10 Mo workbook
// compresses well, but not a hundredfold.
const dezippeMax = 200 << 20

// lireXLSX reads the first sheet of an XLSX book: each cell's displayed
// text and, for a number, its raw value (dates may be serial numbers, and an
// amount's display depends on the spreadsheet's locale). The error is for a
// file that is not a readable workbook.
func lireXLSX(data []byte) ([]ligneBrute, []Erreur, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: dezippeMax})
	if err != nil {
		return nil, nil, fmt.Errorf("carnet de commandes XLSX illisible : %w", err)
	}
	defer f.Close()
	feuilles := f.GetSheetList()
	if len(feuilles) == 0 {
		return nil, nil, fmt.Errorf("carnet de commandes XLSX illisible : aucune feuille")
	}
	date1904 := false
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		date1904 = *p.Date1904
	}
	// Two iterators over the same sheet, in step: one displayed, one raw.
	affiches, err := f.Rows(feuilles[0])
	if err != nil {
		return nil, nil, fmt.Errorf("carnet de commandes XLSX illisible : %w", err)
	}
	defer affiches.Close()
	bruts, err := f.Rows(feuilles[0])
	if err != nil {
		return nil, nil, fmt.Errorf("carnet de commandes XLSX illisible : %w", err)
	}
	defer bruts.Close()
	var lignes []ligneBrute
	var errs []Erreur
	for num := 1; affiches.Next() && bruts.Next(); num++ {
		if num > LignesMax {
			errs = append(errs, Erreur{Ligne: num, Message: fmt.Sprintf("plus de %d lignes : découper le carnet", LignesMax)})
			break
		}
		textes, err := affiches.Columns()
		if err != nil {
			return nil, nil, fmt.Errorf("carnet de commandes XLSX illisible, ligne %d : %w", num, err)
		}
		valeurs, err := bruts.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, nil, fmt.Errorf("carnet de commandes XLSX illisible, ligne %d : %w", num, err)
		}
		nombres := make([]string, len(valeurs))
		for i, v := range valeurs {
			if _, err := strconv.ParseFloat(v, 64); err == nil {
				nombres[i] = v
			}
		}
		l, e := ligneDe(num, textes, nombres)
		for i := range l.cellules {
			l.cellules[i].date1904 = date1904
		}
		lignes = append(lignes, l)
		errs = append(errs, e...)
	}
	if err := affiches.Error(); err != nil {
		return nil, nil, fmt.Errorf("carnet de commandes XLSX illisible : %w", err)
	}
	return lignes, errs, nil
}

// dateSerie reads a spreadsheet's serial date number (days since the end of
// 1899, or since 1904), its time of day ignored.
func dateSerie(nombre string, date1904 bool) (hop.Date, bool) {
	v, err := strconv.ParseFloat(nombre, 64)
	if err != nil || v < 1 || v > 2958465 { // 2958465 is 31/12/9999
		return hop.Date{}, false
	}
	t, err := excelize.ExcelDateToTime(v, date1904)
	if err != nil {
		return hop.Date{}, false
	}
	return hop.Date{Annee: t.Year(), Mois: int(t.Month()), Jour: t.Day()}, true
}
