package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

const adminVerifyHelp = `Usage : segur admin verify [--data DOSSIER | --db postgres://...] [--blobs s3://…]

Vérifie la base et les fichiers stockés, sans rien modifier (utilisable
pendant que segur serve tourne ; une base SQLite d'une version antérieure
est d'abord mise à jour, comme par les autres commandes) :
  - le contrôle d'intégrité de la base (SQLite : integrity_check et
    foreign_key_check ; PostgreSQL : les index avec l'extension amcheck si
    elle est installée) ;
  - chaque fichier stocké qu'une ligne de la base référence : présent, et
    d'empreinte SHA-256 exacte (il est relu en entier) ;
  - aucun numéro ASP ni référence de dépôt donné deux fois, et les séquences
    en avance sur tous les numéros donnés ;
  - les déclencheurs qui protègent les tables en ajout seul (journal
    d'audit, historique des demandes, paiements…) tous présents (et
    actifs, sur PostgreSQL).

Une base endommagée au point que le moteur refuse d'en lire une partie
est un problème trouvé (code 1), comme ce que son contrôle d'intégrité
signale.

Une ligne par problème, qui dit quoi et où, puis un bilan.

Sur la même base que segur serve : --data DOSSIER (SQLite, ./segur-data par
défaut) ou --db postgres://... ; variables SEGUR_DATA, SEGUR_DB et
SEGUR_BLOBS.

Exemple :
  segur admin verify --data /srv/segur

Code de sortie : 0 rien à signaler ; 1 problème trouvé ; 5 erreur interne ;
7 base de données injoignable ou refusée ; 64 usage incorrect.
`

// adminVerify checks the database and the stored files, and reports every
// problem found: exit 1 when there is one.
func adminVerify(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "admin verify", adminVerifyHelp)
	dbf := addDBFlags(fs)
	blobs := fs.String("blobs", os.Getenv("SEGUR_BLOBS"), "stockage S3 des fichiers, comme segur serve --blobs (par défaut : le dossier --data)")
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "segur admin verify : argument « %s » inattendu\n", rest[0])
		return exitUsage
	}
	// A mistyped --data would otherwise be a new, empty and healthy base.
	if dbf.baseAbsente(e, "admin verify") {
		return exitBase
	}
	db, err := dbf.open(ctx)
	var refus *sqlstore.ConnectError
	if msg, ok := sqlstore.DamagedSQLite(err, dbf.sqlite()); ok && *dbf.db == "" && !errors.As(err, &refus) {
		// A base damaged where opening reads (its schema, its list of
		// migrations) is what verify is for: a problem found. A file
		// that is no SQLite base at all stays refused (exit 7), as by
		// every command: the path may be wrong.
		fmt.Fprintln(e.stdout, msg)
		fmt.Fprintln(e.stderr, "Contrôle d'intégrité : SQLite : base illisible dès l'ouverture, rien d'autre vérifié.")
		fmt.Fprintln(e.stderr, "1 problème trouvé.")
		return 1
	}
	if err != nil {
		return reportErr(e, "admin verify", err)
	}
	defer db.Close()
	store, err := blob.Open(ctx, *blobs, *dbf.data)
	if err != nil {
		return reportErr(e, "admin verify", err)
	}
	v, err := db.Verify(ctx)
	if err != nil {
		return reportErr(e, "admin verify", err)
	}
	refs, err := db.FindBlobsReferenceRows(ctx)
	if msg, ok := db.Damaged(err, "lecture des références aux fichiers stockés"); ok {
		v.Problemes = append(v.Problemes, msg)
	} else if err != nil {
		return reportErr(e, "admin verify", err)
	}
	fichiers, problemes, err := verifyBlobs(ctx, store, refs)
	if err != nil {
		return reportErr(e, "admin verify", err)
	}
	problemes = append(v.Problemes, problemes...)
	for _, p := range problemes {
		fmt.Fprintln(e.stdout, p)
	}
	fmt.Fprintf(e.stderr, "Contrôle d'intégrité : %s.\n", v.Integrite)
	fmt.Fprintf(e.stderr, "%d fichiers stockés relus pour %d références.\n", fichiers, len(refs))
	if len(problemes) > 0 {
		fmt.Fprintf(e.stderr, "%s.\n", pluriel(len(problemes), "problème trouvé", "problèmes trouvés"))
		return 1
	}
	fmt.Fprintln(e.stderr, "Aucun problème trouvé.")
	return exitOK
}

// verifyBlobs reads and hashes, once each, the stored files refs name,
// and returns how many it read and a line for every row whose file is
// missing or altered.
func verifyBlobs(ctx context.Context, store segur.Blobs, refs []sqlstore.BlobReference) (int, []string, error) {
	bySum := map[string][]sqlstore.BlobReference{}
	var sums []string
	for _, r := range refs {
		if bySum[r.SHA256] == nil {
			sums = append(sums, r.SHA256)
		}
		bySum[r.SHA256] = append(bySum[r.SHA256], r)
	}
	sort.Strings(sums)
	var problemes []string
	for _, sum := range sums {
		etat, err := verifyBlob(ctx, store, sum)
		if err != nil {
			return 0, nil, err
		}
		if etat == "" {
			continue
		}
		for _, r := range bySum[sum] {
			problemes = append(problemes, fmt.Sprintf("fichier stocké %s %s : table %s, ligne %d, colonne %s", sum, etat, r.Table, r.ID, r.Colonne))
		}
	}
	return len(sums), problemes, nil
}

// verifyBlob returns "" when the stored file sum is there with that
// digest, else what is wrong with it, in French.
func verifyBlob(ctx context.Context, store segur.Blobs, sum string) (string, error) {
	b, err := store.Open(ctx, sum)
	var se *segur.Error
	if errors.As(err, &se) && se.Code == segur.ENOTFOUND {
		return "absent", nil
	}
	if err != nil {
		return "", err
	}
	defer b.Close()
	h := sha256.New()
	if _, err := io.Copy(h, b); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return fmt.Sprintf("illisible (%v)", err), nil
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return "altéré (son contenu a l'empreinte " + got + ")", nil
	}
	return "", nil
}
