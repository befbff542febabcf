package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// blobsGCAge is the age under which a stored file is never removed: a
// deposit's files are stored just before the transaction that references
// them commits.
const blobsGCAge = 24 * time.Hour

// adminBlobsGC lists, and with --apply removes, the stored files that no
// row references and that are more than a day old.
func adminBlobsGC(ctx context.Context, e *env, args []string) int {
	var apply *bool
	var blobs *string
	var fs *flag.FlagSet
	return adminCmd(ctx, e, "blobs gc", args, func(f *flag.FlagSet) func() error {
		fs = f
		apply = f.Bool("apply", false, "supprimer les fichiers listés (sans --apply, la liste seule)")
		blobs = f.String("blobs", os.Getenv("SEGUR_BLOBS"), "stockage S3 des fichiers, comme segur serve --blobs (par défaut : le dossier --data)")
		return func() error { return nil }
	}, func(db *sqlstore.DB) error {
		data := fs.Lookup("data").Value.String()
		store, err := blob.Open(ctx, *blobs, data)
		if err != nil {
			return err
		}
		d, ok := store.(blob.Inventaire)
		if !ok {
			return segur.Errorf(segur.EINVALID, "ce stockage des fichiers ne sait pas lister ses fichiers")
		}
		// The references are read before the files are listed: a file
		// stored since is younger than a day, and kept.
		refs, err := db.FindBlobsReferences(ctx)
		if err != nil {
			return err
		}
		now := time.Now()
		var n int
		var octets int64
		err = d.Walk(ctx, func(s blob.Stocke) error {
			if refs[s.SHA256] || now.Sub(s.ModTime) < blobsGCAge {
				return nil
			}
			if *apply {
				if err := d.Remove(ctx, s.SHA256); err != nil {
					return err
				}
			}
			fmt.Fprintf(e.stdout, "%s\t%d\n", s.SHA256, s.Taille)
			n++
			octets += s.Taille
			return nil
		})
		if err != nil {
			return err
		}
		switch {
		case *apply:
			fmt.Fprintf(e.stderr, "%d fichiers orphelins supprimés (%d octets).\n", n, octets)
		default:
			fmt.Fprintf(e.stderr, "%d fichiers orphelins (%d octets) : relancez avec --apply pour les supprimer.\n", n, octets)
		}
		return nil
	})
}
