package segur

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LimiteDepots bounds the uploads of deposits in progress on one server:
// in all (Max) and per vendor (MaxParFournisseur); 0 is no bound. Beyond,
// an upload is refused before its body is read (ETOOMANY), so that a
// vendor, or an attacker holding a token, cannot take every connection,
// file descriptor and temporary file of the portal.
type LimiteDepots struct {
	Max, MaxParFournisseur int

	mu  sync.Mutex
	n   int
	par map[FournisseurID]int
}

// Prendre counts an upload of vendor f, or refuses it past a bound; rendre
// ends it, once.
func (l *LimiteDepots) Prendre(f FournisseurID) (rendre func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Max > 0 && l.n >= l.Max {
		return nil, Errorf(ETOOMANY, "le portail reçoit déjà %d dépôts en même temps : réessayez dans quelques secondes", l.Max)
	}
	if l.MaxParFournisseur > 0 && l.par[f] >= l.MaxParFournisseur {
		return nil, Errorf(ETOOMANY, "vous avez déjà %d dépôts en cours d'envoi : attendez la fin de l'un d'eux avant d'en commencer un autre", l.MaxParFournisseur)
	}
	if l.par == nil {
		l.par = map[FournisseurID]int{}
	}
	l.n++
	l.par[f]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.n--
			if l.par[f]--; l.par[f] == 0 {
				delete(l.par, f)
			}
		})
	}, nil
}

// Quotas bound what one vendor deposits: deposits per hour and bytes (JSON
// and zip) per day, over the deposits recorded; 0 is no bound.
type Quotas struct {
	DepotsParHeure int
	OctetsParJour  int64
}

// ActiviteStore is what quotas need of the store.
type ActiviteStore interface {
	// FindActivite returns how many deposits vendor f made since heure,
	// and how many bytes its deposits since jour hold.
	FindActivite(ctx context.Context, f FournisseurID, heure, jour time.Time) (depots int, octets int64, err error)
}

// VerifierQuotas refuses (ETOOMANY) a deposit of vendor f at now, of
// octets bytes (0 before its files are read), past a quota of q.
func VerifierQuotas(ctx context.Context, s ActiviteStore, q Quotas, f FournisseurID, now time.Time, octets int64) error {
	if q == (Quotas{}) {
		return nil
	}
	n, total, err := s.FindActivite(ctx, f, now.Add(-time.Hour), now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	if q.DepotsParHeure > 0 && octets == 0 && n >= q.DepotsParHeure {
		return Errorf(ETOOMANY, "quota atteint : %d dépôts au plus par heure pour un fournisseur ; réessayez plus tard", q.DepotsParHeure)
	}
	if q.OctetsParJour > 0 && (total >= q.OctetsParJour || total+octets > q.OctetsParJour) {
		return Errorf(ETOOMANY, "quota atteint : %s au plus déposés par jour pour un fournisseur (%s en 24 heures) ; réessayez plus tard",
			Octets(q.OctetsParJour), Octets(total+octets))
	}
	return nil
}

// Octets writes a size in French: « 1,5 Go », « 200 Mo », « 12 ko ».
func Octets(n int64) string {
	unites := []string{"o", "ko", "Mo", "Go", "To"}
	v, i := float64(n), 0
	for v >= 1000 && i < len(unites)-1 {
		v /= 1000
		i++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return strings.Replace(s, ".", ",", 1) + "\u00a0" + unites[i]
}
