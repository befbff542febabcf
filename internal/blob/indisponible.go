package blob

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/segur-numerique/segur"
)

// indisponible is an error of a store that does not answer (connection
// refused or cut, a 5xx status after the retries): the portal answers
// EUNAVAILABLE, and the log keeps the store's own error.
type indisponible struct {
	se  *segur.Error
	err error
}

func (e *indisponible) Error() string   { return e.err.Error() }
func (e *indisponible) Unwrap() []error { return []error{e.se, e.err} }

// marquerIndisponible marks err as the S3 server's unavailability when it
// is one; other errors are returned as they are.
func marquerIndisponible(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	var op *net.OpError
	var e *s3Error
	if errors.As(err, &op) || errors.As(err, &e) && e.Status >= http.StatusInternalServerError ||
		errors.Is(err, context.DeadlineExceeded) {
		return &indisponible{se: segur.Errorf(segur.EUNAVAILABLE, "le stockage des fichiers ne répond pas : réessayez dans quelques instants"), err: err}
	}
	return err
}

// Check reports whether the store answers: its folder and tmp folder
// exist and tmp is writable.
func (d *Dir) Check(ctx context.Context) error {
	f, err := os.CreateTemp(filepath.Join(d.root, "tmp"), "put-check-*")
	if err != nil {
		return &indisponible{se: segur.Errorf(segur.EUNAVAILABLE, "le dossier des fichiers est inaccessible"), err: err}
	}
	f.Close()
	return os.Remove(f.Name())
}

// Check reports whether the bucket answers.
func (s *S3) Check(ctx context.Context) error {
	_, _, err := s.client.headBucket(ctx)
	if err != nil {
		return &indisponible{se: segur.Errorf(segur.EUNAVAILABLE, "le stockage des fichiers ne répond pas"), err: err}
	}
	return nil
}
