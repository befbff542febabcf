package segurtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/segur-numerique/segur/hop"
)

// ControlerDossier checks in process, as segur check does, every JSON-HOP
// file of dir with the zip of the same name, declared as decl says (the
// name of each file its own); it returns how many files and accepted
// requests it saw, and an error for a file it cannot read or that control
// 1 rejects. It is the baseline of segur build's measures: the check of
// the files a build wrote.
func ControlerDossier(dir string, decl hop.Declaration) (fichiers, acceptees int, err error) {
	noms, err := filepath.Glob(filepath.Join(dir, "JSON-*.json"))
	if err != nil {
		return 0, 0, err
	}
	for _, nom := range noms {
		res, err := controlerFichier(nom, decl)
		if err != nil {
			return fichiers, acceptees, err
		}
		if res.Rejet != nil {
			return fichiers, acceptees, fmt.Errorf("%s: rejected: %s %s", nom, res.Rejet.Code, res.Rejet.Libelle())
		}
		fichiers++
		acceptees += res.Acceptees()
	}
	return fichiers, acceptees, nil
}

func controlerFichier(nom string, decl hop.Declaration) (*hop.Resultat, error) {
	data, err := os.ReadFile(nom)
	if err != nil {
		return nil, err
	}
	z, err := os.Open(strings.TrimSuffix(nom, ".json") + ".zip")
	if err != nil {
		return nil, err
	}
	defer z.Close()
	st, err := z.Stat()
	if err != nil {
		return nil, err
	}
	opt := hop.Options{}
	opt.Archive, opt.ArchiveErreur = hop.OpenArchive(z, st.Size())
	decl.NomFichier = filepath.Base(nom)
	return hop.Controler(data, decl, opt)
}

// GrosCarnet writes into dir, with internal/segurtest/groscarnet run from
// the module's root racine, an order book of n rows and its shared order
// form; it returns the book's path.
func GrosCarnet(racine, dir string, n int) (string, error) {
	cmd := exec.Command("go", "run", "./internal/segurtest/groscarnet", "-o", dir, "-n", strconv.Itoa(n))
	cmd.Dir = racine
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("groscarnet: %v\n%s", err, out)
	}
	return filepath.Join(dir, "carnet.csv"), nil
}
