package document

import (
	"math"
	"strings"
	"testing"
)

func TestEnLettres(t *testing.T) {
	const e = 100 // one euro, in cents
	for _, tc := range []struct {
		cents int64
		want  string
	}{
		{0, "zéro euro"},
		{1, "un centime"},
		{45, "quarante-cinq centimes"},
		{80, "quatre-vingts centimes"},
		{1 * e, "un euro"},
		{2 * e, "deux euros"},
		{16 * e, "seize euros"},
		{17 * e, "dix-sept euros"},
		{20 * e, "vingt euros"},
		{21 * e, "vingt et un euros"},
		{22 * e, "vingt-deux euros"},
		{31 * e, "trente et un euros"},
		{61 * e, "soixante et un euros"},
		{70 * e, "soixante-dix euros"},
		{71 * e, "soixante et onze euros"},
		{72 * e, "soixante-douze euros"},
		{77 * e, "soixante-dix-sept euros"},
		{80 * e, "quatre-vingts euros"},
		{81 * e, "quatre-vingt-un euros"},
		{90 * e, "quatre-vingt-dix euros"},
		{91 * e, "quatre-vingt-onze euros"},
		{99 * e, "quatre-vingt-dix-neuf euros"},
		{100 * e, "cent euros"},
		{101 * e, "cent un euros"},
		{180 * e, "cent quatre-vingts euros"},
		{200 * e, "deux cents euros"},
		{201 * e, "deux cent un euros"},
		{280 * e, "deux cent quatre-vingts euros"},
		{999 * e, "neuf cent quatre-vingt-dix-neuf euros"},
		{1000 * e, "mille euros"},
		{1001 * e, "mille un euros"},
		{1100 * e, "mille cent euros"},
		{2000 * e, "deux mille euros"},
		{21_000 * e, "vingt et un mille euros"},
		{80_000 * e, "quatre-vingt mille euros"},
		{81_000 * e, "quatre-vingt-un mille euros"},
		{200_000 * e, "deux cent mille euros"},
		{280_000 * e, "deux cent quatre-vingt mille euros"},
		{13_750 * e, "treize mille sept cent cinquante euros"},
		{48_000 * e, "quarante-huit mille euros"},
		{23_000_01, "vingt-trois mille euros et un centime"},
		{13_750_45, "treize mille sept cent cinquante euros et quarante-cinq centimes"},
		{1_000_000 * e, "un million d'euros"},
		{1_000_001 * e, "un million un euros"},
		{1_000_000*e + 1, "un million d'euros et un centime"},
		{2_300_000_00, "deux millions trois cent mille euros"},
		{2_000_000 * e, "deux millions d'euros"},
		{80_000_000 * e, "quatre-vingts millions d'euros"},
		{200_000_000 * e, "deux cents millions d'euros"},
		{201_000_000 * e, "deux cent un millions d'euros"},
		{1_000_000_000 * e, "un milliard d'euros"},
		{2_000_000_000 * e, "deux milliards d'euros"},
		{200_000_000_000 * e, "deux cents milliards d'euros"},
		{1_234_567_891 * e, "un milliard deux cent trente-quatre millions cinq cent soixante-sept mille huit cent quatre-vingt-onze euros"},
		{1_000_000_000_000 * e, "mille milliards d'euros"},
		{200_000_000_000_000 * e, "deux cent mille milliards d'euros"},
		{-15 * e, "moins quinze euros"},
		{math.MaxInt64, "quatre-vingt-douze millions deux cent trente-trois mille sept cent vingt milliards trois cent soixante-huit millions cinq cent quarante-sept mille sept cent cinquante-huit euros et sept centimes"},
		{math.MinInt64, "moins quatre-vingt-douze millions deux cent trente-trois mille sept cent vingt milliards trois cent soixante-huit millions cinq cent quarante-sept mille sept cent cinquante-huit euros et huit centimes"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := EnLettres(tc.cents); got != tc.want {
				t.Errorf("EnLettres(%d): got %q, want %q", tc.cents, got, tc.want)
			}
		})
	}
}

// TestEnLettresTiret checks the traditional hyphens on every number below
// one thousand: a hyphen only inside the tens and units, never next to
// « cent » or « et ».
func TestEnLettresTiret(t *testing.T) {
	for n := int64(1); n < 1000; n++ {
		s := EnLettres(n * 100)
		for _, bad := range []string{"-cent", "cent-", "-et", "et-", "  "} {
			if strings.Contains(s, bad) {
				t.Errorf("EnLettres(%d): got %q, holds %q", n*100, s, bad)
			}
		}
	}
}
