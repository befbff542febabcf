package segur

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestFenetreAnnuler: only a window that has not opened is cancelled.
func TestFenetreAnnuler(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	debut := time.Date(2027, 1, 15, 8, 0, 0, 0, time.UTC)
	f := Fenetre{ID: 1, Logiciel: "DPI", Type: TypeAvance, Debut: debut, Fin: debut.Add(30 * 24 * time.Hour)}
	for _, tc := range []struct {
		now  time.Time
		want string // "" when cancelled
	}{
		{debut.Add(-time.Hour), ""},
		{debut.Add(-time.Nanosecond), ""},
		{debut, "est ouverte depuis le 15/01/2027 à 09:00 (heure de Paris) : elle ne s'annule plus"},
		{debut.Add(24 * time.Hour), "est ouverte depuis le 15/01/2027 à 09:00"},
		{f.Fin, "a fermé le 14/02/2027 à 09:00 (heure de Paris) : une campagne close ne s'annule plus"},
	} {
		err := f.Annuler(tc.now, paris)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("at %v: got %v, want cancelled", tc.now, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("at %v: got %v, want « %s »", tc.now, err, tc.want)
		case tc.want != "":
			var fs Fautes
			if !errors.As(err, &fs) || fs[0].Champ != "annuler" || !IsCode(err, EINVALID) {
				t.Errorf("at %v: got %#v, want a refusal of field annuler", tc.now, err)
			}
		}
	}
}
