package sqlstore

import (
	"reflect"
	"testing"

	"github.com/segur-numerique/segur"
)

func runReferenceSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("reference", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		_, _, err := db.FindReference(ctx)
		assertCode(t, err, segur.ENOTFOUND)
		demo := segur.ReferenceDemo()
		v1, err := db.CreateReference(ctx, demo)
		if err != nil {
			t.Fatal(err)
		}
		got, v, err := db.FindReference(ctx)
		if err != nil || v != v1 || !reflect.DeepEqual(got, demo) {
			t.Fatalf("got %v %v %v, want the demo reference", v, err, got)
		}
		// A new import is a new version; the latest applies.
		petite := segur.Reference{"999999999": demo["999999999"]}
		v2, err := db.CreateReference(ctx, petite)
		if err != nil || v2 <= v1 {
			t.Fatalf("got version %d %v, want > %d", v2, err, v1)
		}
		got, v, _ = db.FindReference(ctx)
		if v != v2 || len(got) != 1 {
			t.Errorf("got version %d with %d establishments, want %d with 1", v, len(got), v2)
		}
	})
}
