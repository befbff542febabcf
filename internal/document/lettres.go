package document

// EnLettres writes an amount in euro cents in words, in French, as a
// convention or a décision states it next to the figures: « treize mille
// sept cent cinquante euros », « vingt-trois mille euros et un centime »,
// « un million d'euros », « quarante-cinq centimes ».
//
// It follows the traditional rules (before the 1990 reform): hyphens only
// between the tens and the units below one hundred, « et » in 21, 31, 41,
// 51, 61 and 71 (« soixante et onze ») but not in 81 and 91; « vingt » and
// « cent » take an s when multiplied and ending the number, or before
// million and milliard (nouns), but not before mille (« deux cents euros »,
// « deux cent un euros », « deux cent mille euros », « deux cents millions
// d'euros »); mille never takes an s; « d'euros » after million and
// milliard.
func EnLettres(cents int64) string {
	if cents < 0 {
		// Through uint64: -math.MinInt64 does not fit an int64.
		return "moins " + enLettres(uint64(-(cents+1))+1)
	}
	return enLettres(uint64(cents))
}

func enLettres(cents uint64) string {
	euros, c := cents/100, cents%100
	var s string
	switch {
	case euros == 0 && c > 0:
		return centaines(c, true) + pluriel(" centime", c)
	case euros == 0:
		s = "zéro euro"
	case euros == 1:
		s = "un euro"
	case euros%1_000_000 == 0:
		s = nombre(euros) + " d'euros"
	default:
		s = nombre(euros) + " euros"
	}
	if c > 0 {
		s += " et " + centaines(c, true) + pluriel(" centime", c)
	}
	return s
}

func pluriel(mot string, n uint64) string {
	if n > 1 {
		return mot + "s"
	}
	return mot
}

// nombre writes n > 0 in words, ending the number (a final « cents » or
// « quatre-vingts » takes its s).
func nombre(n uint64) string {
	var s []string
	if g := n / 1_000_000_000; g > 0 {
		// More than 999 milliards: the count itself in words, a noun
		// again when it is whole millions (« deux millions de milliards »).
		m := nombre(g)
		if g%1_000_000 == 0 {
			m += " de"
		}
		s = append(s, m+pluriel(" milliard", g))
	}
	if g := n / 1_000_000 % 1000; g > 0 {
		s = append(s, centaines(g, true)+pluriel(" million", g))
	}
	switch g := n / 1000 % 1000; {
	case g == 1:
		s = append(s, "mille")
	case g > 1:
		s = append(s, centaines(g, false)+" mille")
	}
	if g := n % 1000; g > 0 {
		s = append(s, centaines(g, true))
	}
	out := s[0]
	for _, w := range s[1:] {
		out += " " + w
	}
	return out
}

var unites = [...]string{
	"zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf",
	"dix", "onze", "douze", "treize", "quatorze", "quinze", "seize",
}

var dizaines = [...]string{"", "dix", "vingt", "trente", "quarante", "cinquante", "soixante"}

// centaines writes 1 ≤ n ≤ 999; final tells whether « cent » and
// « quatre-vingt » end the number (or precede million, milliard, euros):
// then they take an s when multiplied and last.
func centaines(n uint64, final bool) string {
	c, r := n/100, n%100
	var s string
	switch {
	case c == 1:
		s = "cent"
	case c > 1:
		s = unites[c] + " cent"
		if r == 0 && final {
			s += "s"
		}
	}
	if r == 0 {
		return s
	}
	if s != "" {
		s += " "
	}
	return s + dizainesUnites(r, final)
}

// dizainesUnites writes 1 ≤ n ≤ 99.
func dizainesUnites(n uint64, final bool) string {
	switch {
	case n <= 16:
		return unites[n]
	case n < 20:
		return "dix-" + unites[n-10]
	case n < 70:
		d, u := n/10, n%10
		switch u {
		case 0:
			return dizaines[d]
		case 1:
			return dizaines[d] + " et un"
		}
		return dizaines[d] + "-" + unites[u]
	case n == 71:
		return "soixante et onze"
	case n < 80:
		return "soixante-" + dizainesUnites(n-60, final)
	case n == 80 && final:
		return "quatre-vingts"
	case n == 80:
		return "quatre-vingt"
	}
	return "quatre-vingt-" + dizainesUnites(n-80, final)
}
