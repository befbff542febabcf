package blob

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/segur-numerique/segur"
)

// Open opens the blob store that spec names: "" for the folder blobs under
// dataDir (Dir), an s3:// URL for a bucket (NewS3, which says the URL's
// form). Anything else is an EINVALID error.
func Open(ctx context.Context, spec string, dataDir string) (segur.Blobs, error) {
	switch {
	case spec == "":
		d, err := NewDir(filepath.Join(dataDir, "blobs"))
		if err != nil {
			return nil, err
		}
		return d, nil
	case len(spec) >= 5 && strings.EqualFold(spec[:5], "s3://"):
		s, err := NewS3(ctx, spec)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, segur.Errorf(segur.EINVALID,
		"stockage des fichiers %s inconnu : laisser vide pour le dossier de données, ou donner une adresse s3://CLE:SECRET@hote:port/compartiment",
		redacted(spec))
}

// redacted quotes spec for an error message, without the password a URL
// may hold.
func redacted(spec string) string {
	if !strings.Contains(spec, "@") {
		return "« " + spec + " »"
	}
	if u, err := url.Parse(spec); err == nil && u.Opaque == "" && u.User != nil {
		return "« " + u.Redacted() + " »"
	}
	return "(adresse masquée : elle semble contenir un mot de passe)"
}
