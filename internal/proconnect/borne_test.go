package proconnect

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// The provider's answers are read up to a bound, and no further.
func TestCorpsBorne(t *testing.T) {
	for _, tc := range []struct {
		taille int
		trop   bool
	}{{0, false}, {99, false}, {100, false}, {101, true}, {10000, true}} {
		b := &corpsBorne{ReadCloser: io.NopCloser(strings.NewReader(strings.Repeat("x", tc.taille))), reste: 100}
		got, err := io.ReadAll(b)
		switch {
		case tc.trop && !errors.Is(err, errTropGros):
			t.Errorf("%d bytes, bound 100: got %d bytes and %v, want errTropGros", tc.taille, len(got), err)
		case !tc.trop && (err != nil || len(got) != tc.taille):
			t.Errorf("%d bytes, bound 100: got %d bytes and %v, want them all", tc.taille, len(got), err)
		}
	}
}
