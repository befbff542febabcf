package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

const adminBackupHelp = `Usage : segur admin backup --to DOSSIER [--data DOSSIER]

Sauvegarde le dossier des données (--data, ./segur-data par défaut), même
pendant que segur serve tourne : d'abord une copie cohérente de la base
SQLite (VACUUM INTO, jamais une copie du fichier), puis les fichiers stockés
que la sauvegarde n'a pas encore. Les fichiers stockés ne changent jamais :
une nouvelle sauvegarde dans le même dossier ne copie que les nouveaux, et
remplace la base. Chaque fichier copié est vérifié par son empreinte SHA-256.

Une base PostgreSQL (--db, SEGUR_DB) se sauvegarde avec ses propres outils
(pg_dump, archivage continu) : la commande refuse. Avec un stockage S3
(--blobs, SEGUR_BLOBS) et la base SQLite, seule la base est sauvegardée :
les fichiers stockés restent dans le compartiment, que protègent son
versionnage et sa réplication.

Exemple :
  segur admin backup --data /srv/segur-data --to /sauvegardes/segur
`

const adminRestoreHelp = `Usage : segur admin restore --from DOSSIER --data DOSSIER

Restaure une sauvegarde de segur admin backup dans un dossier des données
vide ou absent (jamais par-dessus des données) : chaque fichier est vérifié
par son empreinte SHA-256 pendant la copie, puis la base restaurée est
contrôlée (PRAGMA integrity_check).

Exemple :
  segur admin restore --from /sauvegardes/segur --data /srv/segur-data
`

// backupBlobs is the folder of the stored files, in the data folder and
// in a backup; its tmp folder holds the files being written.
const backupBlobs = "blobs"

// adminBackup copies the data folder: the database first, then the files
// it may reference. A file a committed row references was stored before
// its transaction committed, so it is there when the files are copied.
func adminBackup(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "admin backup", adminBackupHelp)
	dbf := addDBFlags(fs)
	blobs := fs.String("blobs", os.Getenv("SEGUR_BLOBS"), "stockage S3 des fichiers (la base seule est alors sauvegardée : voir ci-dessus)")
	to := fs.String("to", "", "dossier de la sauvegarde (créé s'il manque)")
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "segur admin backup : argument « %s » inattendu\n", rest[0])
		return exitUsage
	}
	var refus []string
	if *dbf.db != "" {
		refus = append(refus, "la base est PostgreSQL (--db ou SEGUR_DB) : sauvegardez-la avec pg_dump "+
			"(par exemple « pg_dump -Fc -f segur.dump \"$SEGUR_DB\" ») ou par l'archivage continu de PostgreSQL "+
			"(pg_basebackup et archivage des WAL), qui permet de revenir à un instant choisi")
	}
	if len(refus) > 0 {
		fmt.Fprintf(e.stderr, "segur admin backup : ne sauvegarde que le dossier des données (--data, SQLite) ;\n- %s.\n",
			strings.Join(refus, " ;\n- "))
		return 1
	}
	if strings.TrimSpace(*to) == "" {
		fmt.Fprintln(e.stderr, "segur admin backup : --to est obligatoire (le dossier de la sauvegarde)")
		return exitUsage
	}
	data, dest := *dbf.data, *to
	if memeDossier(data, dest) {
		fmt.Fprintln(e.stderr, "segur admin backup : --to doit être un autre dossier que --data")
		return exitUsage
	}
	base := filepath.Join(data, "segur.db")
	if st, err := os.Stat(base); err != nil || !st.Mode().IsRegular() {
		fmt.Fprintf(e.stderr, "segur admin backup : pas de base « %s » : vérifiez --data (ou SEGUR_DATA)\n", base)
		return exitBase
	}
	if err := dossierPrive(dest); err != nil {
		fmt.Fprintf(e.stderr, "segur admin backup : dossier de la sauvegarde « %s » : %s\n", dest, plainErr(err))
		return 1
	}
	// What an interrupted backup left half written is removed: one backup
	// at a time writes into a folder.
	restes, _ := filepath.Glob(filepath.Join(dest, "segur.db*.tmp-*"))
	copiesEnCours, _ := filepath.Glob(filepath.Join(dest, backupBlobs, "tmp", "copie-*"))
	for _, p := range append(restes, copiesEnCours...) {
		os.Remove(p)
	}
	taille, err := sqlstore.BackupSQLite(ctx, base, filepath.Join(dest, "segur.db"))
	if err != nil {
		fmt.Fprintf(e.stderr, "segur admin backup : copie de la base impossible : %v\n", err)
		return exitInterne
	}
	if err := ecrireEmpreinte(filepath.Join(dest, "segur.db")); err != nil {
		fmt.Fprintf(e.stderr, "segur admin backup : empreinte de la base : %v\n", err)
		return exitInterne
	}
	if *blobs != "" {
		fmt.Fprintf(e.stderr, "Sauvegarde faite dans « %s » : base de %s. Les fichiers stockés sont dans le stockage S3 "+
			"(--blobs ou SEGUR_BLOBS) et n'ont pas été copiés : protégez-les par le versionnage du compartiment et sa "+
			"réplication vers un autre site.\n", dest, octets(taille))
		return exitOK
	}
	copies, presents, err := copierFichiers(ctx, filepath.Join(data, backupBlobs), filepath.Join(dest, backupBlobs))
	if err != nil {
		fmt.Fprintf(e.stderr, "segur admin backup : base copiée, mais copie des fichiers interrompue : %v\n"+
			"Relancez la commande : elle reprend où elle s'est arrêtée.\n", err)
		return exitInterne
	}
	fmt.Fprintf(e.stderr, "Sauvegarde faite dans « %s » : base de %s, %s, %s.\n",
		dest, octets(taille), pluriel(copies, "fichier copié", "fichiers copiés"), pluriel(presents, "déjà présent", "déjà présents"))
	return exitOK
}

// adminRestore restores a backup into an empty or absent data folder.
func adminRestore(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "admin restore", adminRestoreHelp)
	from := fs.String("from", "", "dossier de la sauvegarde (segur admin backup --to)")
	data := fs.String("data", "", "dossier des données à créer : vide ou absent")
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "segur admin restore : argument « %s » inattendu\n", rest[0])
		return exitUsage
	}
	if strings.TrimSpace(*from) == "" || strings.TrimSpace(*data) == "" {
		fmt.Fprintln(e.stderr, "segur admin restore : --from et --data sont obligatoires")
		return exitUsage
	}
	src := filepath.Join(*from, "segur.db")
	if st, err := os.Stat(src); err != nil || !st.Mode().IsRegular() {
		fmt.Fprintf(e.stderr, "segur admin restore : pas de base « %s » : --from doit être un dossier écrit par segur admin backup\n", src)
		return 1
	}
	switch vide, err := dossierVide(*data); {
	case err != nil:
		fmt.Fprintf(e.stderr, "segur admin restore : dossier « %s » : %s\n", *data, plainErr(err))
		return 1
	case !vide:
		fmt.Fprintf(e.stderr, "segur admin restore : le dossier « %s » n'est pas vide : la restauration ne remplace jamais "+
			"des données ; donnez à --data un dossier vide ou absent\n", *data)
		return 1
	}
	if err := dossierPrive(*data); err != nil {
		fmt.Fprintf(e.stderr, "segur admin restore : dossier « %s » : %s\n", *data, plainErr(err))
		return 1
	}
	echec := func(format string, args ...any) int {
		fmt.Fprintf(e.stderr, "segur admin restore : "+format+"\nLa restauration est incomplète : videz le dossier « %s » avant de la relancer.\n",
			append(args, *data)...)
		return exitInterne
	}
	dst := filepath.Join(*data, "segur.db")
	want, err := lireEmpreinte(src)
	if err != nil {
		return echec("empreinte de la base : %v", err)
	}
	if err := copierFichier(src, dst, want, filepath.Dir(dst)); err != nil {
		return echec("copie de la base : %v", err)
	}
	copies, _, err := copierFichiers(ctx, filepath.Join(*from, backupBlobs), filepath.Join(*data, backupBlobs))
	if err != nil {
		return echec("copie des fichiers : %v", err)
	}
	if err := sqlstore.CheckSQLite(ctx, dst); err != nil {
		return echec("la base restaurée est endommagée : %v", err)
	}
	st, _ := os.Stat(dst)
	fmt.Fprintf(e.stderr, "Restauration faite dans « %s » : base de %s vérifiée (integrity_check), %s.\n"+
		"Lancez : segur serve --data %s\n", *data, octets(st.Size()), pluriel(copies, "fichier copié et vérifié", "fichiers copiés et vérifiés"), *data)
	return exitOK
}

// memeDossier reports whether a and b name the same folder.
func memeDossier(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 == nil && err2 == nil && aa == bb {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// dossierPrive creates dir, its user's only (0700), if it is missing.
func dossierPrive(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// dossierVide reports whether dir is absent or an empty folder.
func dossierVide(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return len(entries) == 0, nil
}

// ecrireEmpreinte writes path's SHA-256 beside it, in path.sha256, as
// sha256sum writes it: restore checks the database against it.
func ecrireEmpreinte(path string) error {
	sum, err := empreinte(path)
	if err != nil {
		return err
	}
	line := []byte(sum + "  " + filepath.Base(path) + "\n")
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".sha256.tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(line)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path+".sha256")
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return syncDossier(filepath.Dir(path))
}

// lireEmpreinte returns the SHA-256 that backup wrote for path.
func lireEmpreinte(path string) (string, error) {
	b, err := os.ReadFile(path + ".sha256")
	if err != nil {
		return "", err
	}
	sum, _, _ := bytes.Cut(b, []byte(" "))
	if !blob.SommeValide(string(sum)) {
		return "", fmt.Errorf("%s.sha256 illisible", path)
	}
	return string(sum), nil
}

func empreinte(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// copierFichiers copies the stored files of src (ab/cd/abcd…, the
// content-addressed layout of blob.Dir) that dst lacks, and returns how
// many it copied and how many dst already had. src's tmp folder, where
// files are written before they are stored, is skipped. A stored file
// never changes: one dst has, at its size, is the same.
func copierFichiers(ctx context.Context, src, dst string) (copies, presents int, err error) {
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil // no file stored yet
	}
	if err := dossierPrive(filepath.Join(dst, "tmp")); err != nil {
		return 0, 0, err
	}
	if err := os.Chmod(dst, 0o700); err != nil {
		return 0, 0, err
	}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel == "tmp" {
				return filepath.SkipDir
			}
			return nil
		}
		sum := d.Name()
		if !d.Type().IsRegular() || !blob.SommeValide(sum) || rel != filepath.Join(sum[0:2], sum[2:4], sum) {
			return nil // not a stored file
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		cible := filepath.Join(dst, rel)
		if st, err := os.Stat(cible); err == nil && st.Size() == info.Size() {
			presents++
			return nil
		}
		if err := dossierPrive(filepath.Dir(cible)); err != nil {
			return err
		}
		if err := copierFichier(path, cible, sum, filepath.Join(dst, "tmp")); err != nil {
			return err
		}
		copies++
		return nil
	})
	return copies, presents, err
}

// copierFichier copies src to dst through a temporary file in tmpDir,
// 0600 and synced, checking on the way that its SHA-256 is want, then
// renames it into place and syncs dst's folder.
func copierFichier(src, dst, want, tmpDir string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.CreateTemp(tmpDir, "copie-*")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	if err := out.Chmod(0o600); err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), in); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("« %s » est altéré : empreinte SHA-256 %s, attendu %s", src, got, want)
	}
	if err := out.Sync(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if err := os.Rename(out.Name(), dst); err != nil {
		return err
	}
	done = true
	return syncDossier(filepath.Dir(dst))
}

// octets says a size for people: in octets, kilo-octets or mega-octets.
func octets(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d octets", n)
	case n < 1000*1000:
		return strings.Replace(fmt.Sprintf("%.1f Ko", float64(n)/1000), ".", ",", 1)
	}
	return strings.Replace(fmt.Sprintf("%.1f Mo", float64(n)/1e6), ".", ",", 1)
}
