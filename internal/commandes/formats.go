package commandes

import (
	"math"
	"strconv"
	"strings"
	"unicode"
)

// A number format of styles.xml (ECMA-376, §18.8.31) says how a number is
// shown: up to four sections (positive; negative; zero; text), each of digit
// placeholders (0 # ?), literals ("…", \x, and the characters shown as
// they are), a decimal point, thousands separators and scaling commas,
// percent signs, or date and time codes (y m d h s AM/PM).
//
// The book needs a number's displayed text only where a column is text
// (FINESS, telephone, numéro éditeur, padded with zeros by their format) or
// to quote the cell in a message: dates and amounts are read from the raw
// number. So this renders what those need as Excel does in English (a
// point, commas, English month names), and shows the number as General does
// for the rest: scientific notation, fractions, conditions, elapsed times.

// formatNb is a parsed number format; without sections, General.
type formatNb struct {
	sections []section
}

// section is one section of a format.
type section struct {
	jetons    []jetonFmt
	date      bool // date or time codes
	ampm      bool // hours on 12
	pourcent  int  // percent signs: each multiplies by 100
	echelle   int  // scaling commas: each divides by 1000
	milliers  bool // thousands separated by commas
	entiers   int  // digit placeholders before the point
	decimales int  // digit placeholders after the point
}

// jetonFmt is one code of a section: a literal ('L'), a digit placeholder
// ('0', '#', '?'), the decimal point ('.'), General or @ ('G'), a comma
// (',', then 'x' once read as a separator or a scale), a date code ('y',
// 'm' month, 'M' minutes, 'd', 'h', 's') of n letters, AM/PM ('A') or A/P
// ('a').
type jetonFmt struct {
	genre byte
	texte string
	n     int
	frac  bool // a placeholder after the point
}

// formatIntegre returns the code of a built-in number format (ECMA-376,
// §18.8.30), "" for General or an unknown one. Formats 14 and 22, the
// short date of the reader's locale, are written as France writes them.
func formatIntegre(id int32) string {
	switch id {
	case 1:
		return "0"
	case 2:
		return "0.00"
	case 3:
		return "#,##0"
	case 4:
		return "#,##0.00"
	case 9:
		return "0%"
	case 10:
		return "0.00%"
	case 14:
		return "dd/mm/yyyy"
	case 15:
		return "d-mmm-yy"
	case 16:
		return "d-mmm"
	case 17:
		return "mmm-yy"
	case 18:
		return "h:mm AM/PM"
	case 19:
		return "h:mm:ss AM/PM"
	case 20:
		return "h:mm"
	case 21:
		return "h:mm:ss"
	case 22:
		return "dd/mm/yyyy h:mm"
	case 37:
		return "#,##0 ;(#,##0)"
	case 38:
		return "#,##0 ;[Red](#,##0)"
	case 39:
		return "#,##0.00;(#,##0.00)"
	case 40:
		return "#,##0.00;[Red](#,##0.00)"
	case 45:
		return "mm:ss"
	case 49:
		return "@"
	}
	return "" // 11, 12, 13, 46, 47, 48 (scientific, fractions, elapsed time) too
}

// lireFormat parses a format code; what it does not render is General.
func lireFormat(code string) *formatNb {
	f := &formatNb{}
	if code == "" || strings.EqualFold(code, "General") {
		return f
	}
	for _, s := range decouper(code) {
		sec, ok := lireSection(s)
		if !ok {
			return &formatNb{}
		}
		f.sections = append(f.sections, sec)
	}
	return f
}

// decouper splits a format code into its sections, at the semicolons
// outside quotes, brackets and escapes.
func decouper(code string) []string {
	var out []string
	debut, guillemets, crochets := 0, false, false
	for i := 0; i < len(code); i++ {
		switch c := code[i]; {
		case guillemets:
			guillemets = c != '"'
		case crochets:
			crochets = c != ']'
		case c == '"':
			guillemets = true
		case c == '[':
			crochets = true
		case c == '\\' || c == '_' || c == '*':
			i++
		case c == ';':
			out = append(out, code[debut:i])
			debut = i + 1
		}
	}
	return append(out, code[debut:])
}

func lireSection(s string) (section, bool) {
	var sec section
	r := []rune(s)
	point, barre := false, false
	lit := func(t string) { sec.jetons = append(sec.jetons, jetonFmt{genre: 'L', texte: t}) }
	debutDe := func(i int, mot string) bool {
		return i+len(mot) <= len(r) && strings.EqualFold(string(r[i:i+len(mot)]), mot)
	}
	for i := 0; i < len(r); i++ {
		switch c := r[i]; {
		case c == '"':
			j := i + 1
			for j < len(r) && r[j] != '"' {
				j++
			}
			lit(string(r[i+1 : j]))
			i = j
		case c == '\\':
			if i+1 < len(r) {
				lit(string(r[i+1]))
				i++
			}
		case c == '_': // the width of the next character
			lit(" ")
			i++
		case c == '*': // the next character repeated to fill the cell
			i++
		case c == '[':
			j := i + 1
			for j < len(r) && r[j] != ']' {
				j++
			}
			dedans := string(r[i+1 : j])
			i = j
			switch {
			case strings.HasPrefix(dedans, "$"): // [$€-40C]: a currency, a locale
				symbole, _, _ := strings.Cut(dedans[1:], "-")
				lit(symbole)
			case dedans != "" && strings.ContainsRune("<>=", rune(dedans[0])):
				return sec, false // a condition
			case dedans != "" && strings.Trim(strings.ToLower(dedans), "hms") == "":
				return sec, false // elapsed time
			} // a colour
		case c == '0' || c == '#' || c == '?':
			sec.jetons = append(sec.jetons, jetonFmt{genre: byte(c), frac: point})
			if point {
				sec.decimales++
			} else {
				sec.entiers++
			}
		case c == '.':
			if point {
				lit(".")
			} else {
				point = true
				sec.jetons = append(sec.jetons, jetonFmt{genre: '.'})
			}
		case c == ',':
			sec.jetons = append(sec.jetons, jetonFmt{genre: ','})
		case c == '%':
			sec.pourcent++
			lit("%")
		case c == '/':
			barre = true
			lit("/")
		case c == '@':
			sec.jetons = append(sec.jetons, jetonFmt{genre: 'G'})
		case debutDe(i, "General"):
			sec.jetons = append(sec.jetons, jetonFmt{genre: 'G'})
			i += len("General") - 1
		case debutDe(i, "AM/PM"):
			sec.jetons = append(sec.jetons, jetonFmt{genre: 'A'})
			sec.ampm, sec.date = true, true
			i += len("AM/PM") - 1
		case debutDe(i, "A/P"):
			sec.jetons = append(sec.jetons, jetonFmt{genre: 'a'})
			sec.ampm, sec.date = true, true
			i += len("A/P") - 1
		case strings.ContainsRune("yYmMdDhHsS", c):
			j := i
			for j < len(r) && unicode.ToLower(r[j]) == unicode.ToLower(c) {
				j++
			}
			sec.jetons = append(sec.jetons, jetonFmt{genre: byte(unicode.ToLower(c)), n: j - i})
			sec.date = true
			i = j - 1
		case strings.ContainsRune("EeBbGg", c):
			return sec, false // scientific notation, eras
		default:
			lit(string(c))
		}
	}
	if sec.date {
		sec.dater()
		return sec, true
	}
	if barre && sec.entiers+sec.decimales > 0 {
		return sec, false // a fraction
	}
	// A comma before a placeholder of the integer part separates thousands;
	// one after a placeholder, or after such a comma, divides by 1000.
	apres := false
	for i := range sec.jetons {
		j := &sec.jetons[i]
		switch {
		case j.genre == ',' && i+1 < len(sec.jetons) && chiffre(sec.jetons[i+1].genre) && !sec.jetons[i+1].frac && sec.entiers > 0:
			sec.milliers, j.genre = true, 'x'
		case j.genre == ',' && apres:
			sec.echelle++
			j.genre = 'x'
		case j.genre == ',':
			j.genre, j.texte = 'L', ","
		}
		apres = chiffre(j.genre) || j.genre == 'x' && apres
	}
	return sec, true
}

func chiffre(genre byte) bool { return genre == '0' || genre == '#' || genre == '?' }

// dater settles a date section: m is minutes after h or before s; digit
// placeholders, points and commas are shown as they are (ss.00).
func (sec *section) dater() {
	precedent := byte(0)
	for i := range sec.jetons {
		j := &sec.jetons[i]
		switch j.genre {
		case '0', '#', '?':
			j.genre, j.texte = 'L', "0"
		case '.', ',':
			j.genre, j.texte = 'L', string(j.genre)
		case 'm':
			suivant := byte(0)
			for _, k := range sec.jetons[i+1:] {
				if strings.IndexByte("ymdhs", k.genre) >= 0 {
					suivant = k.genre
					break
				}
			}
			if j.n <= 2 && (precedent == 'h' || suivant == 's') {
				j.genre = 'M'
			}
		}
		if strings.IndexByte("ymMdhs", j.genre) >= 0 {
			precedent = j.genre
		}
	}
}

// afficher shows the number v (as nombreXML reads it) in this format.
func (f *formatNb) afficher(v string, date1904 bool) string {
	if len(f.sections) == 0 {
		return general(v)
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return general(v)
	}
	sec, moins := &f.sections[0], x < 0
	switch {
	case x == 0 && len(f.sections) >= 3:
		sec = &f.sections[2]
	case x < 0 && len(f.sections) >= 2:
		sec, moins = &f.sections[1], false // the section writes its own sign
	}
	x = math.Abs(x)
	if sec.date {
		if moins || x >= 2958466 {
			return general(v) // Excel shows ####
		}
		return sec.afficherDate(x, date1904)
	}
	s := sec.afficherNombre(x)
	if moins {
		return "-" + s
	}
	return s
}

func (sec *section) afficherNombre(x float64) string {
	x *= math.Pow(100, float64(sec.pourcent))
	x /= math.Pow(1000, float64(sec.echelle))
	ent, dec := arrondir(x, sec.decimales)

	// The integer part's digits, each to its placeholder from the right,
	// the first placeholder taking those left; with thousands separators,
	// all of them to the first placeholder.
	places := make([]string, sec.entiers)
	if sec.milliers {
		zeros := 0
		for _, j := range sec.jetons {
			if j.genre == '0' && !j.frac {
				zeros++
			}
		}
		if len(ent) < zeros {
			ent = strings.Repeat("0", zeros-len(ent)) + ent
		}
		if len(places) > 0 {
			places[0] = milliers(ent)
		}
	} else {
		k := sec.entiers - 1
		for i := len(sec.jetons) - 1; i >= 0; i-- {
			j := sec.jetons[i]
			if !chiffre(j.genre) || j.frac {
				continue
			}
			switch {
			case k == 0:
				places[k] = ent
				if ent == "" {
					places[k] = sansChiffre(j.genre)
				}
			case ent != "":
				places[k], ent = ent[len(ent)-1:], ent[:len(ent)-1]
			default:
				places[k] = sansChiffre(j.genre)
			}
			k--
		}
	}
	// The decimals: trailing zeros hidden by # and blanked by ?.
	fin := len(dec)
	for fin > 0 {
		if dec[fin-1] != '0' {
			break
		}
		g := byte('0')
		for n, j := 0, 0; j < len(sec.jetons); j++ {
			if chiffre(sec.jetons[j].genre) && sec.jetons[j].frac {
				n++
				if n == fin {
					g = sec.jetons[j].genre
				}
			}
		}
		if g == '0' {
			break
		}
		fin--
	}

	var b strings.Builder
	ie, id := 0, 0
	for _, j := range sec.jetons {
		switch {
		case j.genre == 'L':
			b.WriteString(j.texte)
		case j.genre == 'G':
			b.WriteString(general(strconv.FormatFloat(x, 'f', -1, 64)))
		case j.genre == '.':
			if sec.entiers == 0 {
				b.WriteString(ent) // no integer placeholder: the digits before the point
			}
			b.WriteByte('.')
		case chiffre(j.genre) && !j.frac:
			b.WriteString(places[ie])
			ie++
		case chiffre(j.genre):
			switch {
			case id < fin:
				b.WriteByte(dec[id])
			case j.genre == '?':
				b.WriteByte(' ')
			}
			id++
		}
	}
	return b.String()
}

// sansChiffre is what a placeholder without a digit shows.
func sansChiffre(genre byte) string {
	switch genre {
	case '0':
		return "0"
	case '?':
		return " "
	}
	return ""
}

// milliers separates thousands with commas.
func milliers(ent string) string {
	if len(ent) <= 3 {
		return ent
	}
	var b strings.Builder
	for i := range len(ent) {
		if i > 0 && (len(ent)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(ent[i])
	}
	return b.String()
}

// arrondir rounds x ≥ 0 to n decimals, half away from zero on its shortest
// decimal writing (0.125 is 0.13, as Excel shows it), and returns its
// integer digits ("" for 0) and its n decimals.
func arrondir(x float64, n int) (ent, dec string) {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	ent, dec, _ = strings.Cut(s, ".")
	if len(dec) > n {
		haut := dec[n] >= '5'
		dec = dec[:n]
		if haut {
			ch := []byte(ent + dec)
			i := len(ch) - 1
			for ; i >= 0 && ch[i] == '9'; i-- {
				ch[i] = '0'
			}
			if i >= 0 {
				ch[i]++
			} else {
				ch = append([]byte{'1'}, ch...)
			}
			ent, dec = string(ch[:len(ch)-n]), string(ch[len(ch)-n:])
		}
	}
	return strings.TrimLeft(ent, "0"), dec + strings.Repeat("0", n-len(dec))
}

var (
	moisAnglais  = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	joursAnglais = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

func (sec *section) afficherDate(x float64, date1904 bool) string {
	j := jourSerie(x, date1904)
	var b strings.Builder
	nombre := func(v, n int) {
		if n >= 2 && v < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(v))
	}
	for _, t := range sec.jetons {
		switch t.genre {
		case 'L':
			b.WriteString(t.texte)
		case 'G':
			b.WriteString(general(strconv.FormatFloat(x, 'f', -1, 64)))
		case 'y':
			if t.n <= 2 {
				nombre(j.annee%100, 2)
			} else {
				nombre(j.annee, 2)
			}
		case 'm':
			switch {
			case t.n <= 2:
				nombre(j.mois, t.n)
			case t.n == 3:
				b.WriteString(moisAnglais[j.mois-1][:3])
			case t.n == 4:
				b.WriteString(moisAnglais[j.mois-1])
			default:
				b.WriteString(moisAnglais[j.mois-1][:1])
			}
		case 'M':
			nombre(j.minute, t.n)
		case 'd':
			switch {
			case t.n <= 2:
				nombre(j.jour, t.n)
			case t.n == 3:
				b.WriteString(joursAnglais[j.semaine][:3])
			default:
				b.WriteString(joursAnglais[j.semaine])
			}
		case 'h':
			h := j.heure
			if sec.ampm {
				if h %= 12; h == 0 {
					h = 12
				}
			}
			nombre(h, t.n)
		case 's':
			nombre(j.seconde, t.n)
		case 'A':
			if j.heure < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'a':
			if j.heure < 12 {
				b.WriteString("A")
			} else {
				b.WriteString("P")
			}
		}
	}
	return b.String()
}

// general shows a number as the General format does: its shortest
// writing, without exponent, or 15 significant digits when longer (Excel
// keeps 15).
func general(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if len(s)-strings.Count(s, ".") > 15 && !entierLong(v) {
		return strconv.FormatFloat(f, 'G', 15, 64)
	}
	return s
}

// entierLong tells whether v is an integer written with zeros after its
// 15 significant digits, as Excel writes one.
func entierLong(v string) bool {
	if strings.ContainsAny(v, ".Ee") {
		return false
	}
	v = strings.TrimLeft(v, "+-0")
	return len(strings.TrimRight(v, "0")) <= 15
}
