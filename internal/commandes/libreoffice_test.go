package commandes

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/segur-numerique/segur/internal/segurtest"
)

// TestLireXLSXLibreOffice: an order book saved as XLSX by a real spreadsheet
// reads as the same requests as its CSV. LibreOffice imports the CSV as a
// French user would (its separator and character set, French locale: « 13 750,00 » becomes
// a number, « 15/10/2021 » a date), the columns of identifiers as text (a
// spreadsheet would otherwise drop their leading zeros), and saves it as
// Excel 2007-365.
func TestLireXLSXLibreOffice(t *testing.T) {
	exe := segurtest.Soffice(t)
	for _, tt := range []struct {
		name string
		// The separator's and the character set's codes of LibreOffice's
		// CSV filter: 59 « ; », 44 « , »; 76 UTF-8, 1 Windows-1252.
		sep, charset int
	}{
		{"../../docs/exemple-carnet.csv", 59, 76},
		{"testdata/carnet-valide.csv", 44, 1},
	} {
		name := tt.name
		t.Run(filepath.Base(name), func(t *testing.T) {
			csv, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			want, errs := lire(t, csv)
			if errs != nil {
				t.Fatalf("the CSV: %v", errs)
			}
			dir := t.TempDir()
			src := filepath.Join(dir, "carnet.csv")
			if err := os.WriteFile(src, csv, 0o644); err != nil {
				t.Fatal(err)
			}
			// Columns 2 (numéro éditeur), 8 and 11 (telephones), 12 (FINESS)
			// as text (2); column 3 (date) as DD/MM/YY (4).
			cmd := exec.Command(exe, "-env:UserInstallation=file://"+filepath.Join(dir, "profil"), "--headless",
				fmt.Sprintf("--infilter=CSV:%d,34,%d,1,2/2/3/4/8/2/11/2/12/2,1036", tt.sep, tt.charset), "--convert-to", "xlsx:Calc MS Excel 2007 XML",
				"--outdir", dir, src)
			cmd.Env = append(os.Environ(), "HOME="+dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("soffice: %v\n%s", err, out)
			}
			xlsx, err := os.ReadFile(filepath.Join(dir, "carnet.xlsx"))
			if err != nil {
				t.Fatal(err)
			}
			got, errs := lire(t, xlsx)
			if errs != nil {
				t.Fatalf("the XLSX LibreOffice wrote: %v", errs)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the XLSX reads\n%+v\nthe CSV\n%+v", got, want)
			}
		})
	}
}
