package blob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestInventaire: Walk lists the stored files, with their sizes and
// times, not the temporary ones nor foreign files; Remove removes one, and
// an absent one is no error. On disk and on a real S3 server.
func TestInventaire(t *testing.T) {
	cas := map[string]func(t *testing.T) (Inventaire, func(data []byte) string){
		"disque": func(t *testing.T) (Inventaire, func([]byte) string) {
			d, err := NewDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return d, func(data []byte) string {
				ref, err := d.Put(t.Context(), bytes.NewReader(data), 1<<20)
				if err != nil {
					t.Fatal(err)
				}
				return ref.SHA256
			}
		},
		"S3": func(t *testing.T) (Inventaire, func([]byte) string) {
			s := testS3(t, nil)
			// A foreign object in the bucket is not the store's.
			if err := s.client.putObject(t.Context(), "autre/chose", []byte("x"), hexSum([]byte("x"))); err != nil {
				t.Fatal(err)
			}
			return s, func(data []byte) string {
				ref, err := s.Put(t.Context(), bytes.NewReader(data), 1<<20)
				if err != nil {
					t.Fatal(err)
				}
				return ref.SHA256
			}
		},
	}
	for nom, ouvrir := range cas {
		t.Run(nom, func(t *testing.T) {
			st, put := ouvrir(t)
			var want []string
			tailles := map[string]int64{}
			for i := range 5 {
				data := []byte(fmt.Sprintf("contenu %d %s", i, bytes.Repeat([]byte("x"), i*100)))
				sum := put(data)
				want = append(want, sum)
				tailles[sum] = int64(len(data))
			}
			slices.Sort(want)
			lister := func() []string {
				var got []string
				err := st.Walk(t.Context(), func(s Stocke) error {
					if s.Taille != tailles[s.SHA256] || time.Since(s.ModTime) > time.Hour || time.Until(s.ModTime) > time.Hour {
						t.Errorf("%s: size %d, time %v; want %d, now", s.SHA256, s.Taille, s.ModTime, tailles[s.SHA256])
					}
					got = append(got, s.SHA256)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			if got := lister(); !slices.Equal(got, want) {
				t.Fatalf("Walk: got %v, want %v", got, want)
			}
			if err := st.Remove(t.Context(), want[2]); err != nil {
				t.Fatal(err)
			}
			if err := st.Remove(t.Context(), want[2]); err != nil {
				t.Errorf("removing an absent file: %v", err)
			}
			if got := lister(); !slices.Equal(got, slices.Delete(slices.Clone(want), 2, 3)) {
				t.Errorf("after Remove: got %v", got)
			}
		})
	}
}

func hexSum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
