package hop

import (
	"bytes"
	"errors"
	"io"
)

// EcrireRetour writes the returned file of a file that passed control 1: the
// deposited file with its keys in the same order and its values as written
// (numbers keep their literal, unknown keys are kept), re-indented with two
// spaces, UTF-8 without byte-order mark, strings re-encoded with only the
// escapes JSON requires, and a final newline. impId is set to impID (null
// when empty); each request gets numeroASP (numerosASP[i], null when empty or
// missing; a balance file's lines keep theirs, numerosASP unused),
// codeTraitement and libelleTraitement. A processing key that a request
// lacked is added at its end.
func (r *Resultat) EcrireRetour(w io.Writer, impID string, numerosASP []string) error {
	if r.Rejet != nil || r.doc == nil {
		return errors.New("segur: no returned file for a file rejected by control 1")
	}
	e := retour{b: r.data, res: r, impID: impID, asp: numerosASP, w: w}
	e.out = make([]byte, 0, 2*flushAt)
	e.slots = [...]int{fNumeroASP, fCodeTraitement, fLibelleTraitement}
	if r.solde {
		e.slots = [...]int{sNumeroASP, sCodeTraitement, sLibelleTraitement}
	}
	e.ws()
	e.racine()
	e.out = append(e.out, '\n')
	e.flush()
	return e.err
}

// flushAt is the size past which the output is written out, between two
// requests: the returned file is never held whole in memory. A run of the
// file copied as is and at least as long goes to the writer directly.
const flushAt = 4 << 10

func (e *retour) flush() {
	if e.err == nil && len(e.out) > 0 {
		_, e.err = e.w.Write(e.out)
	}
	e.out = e.out[:0]
}

// raw writes a run of the file copied as is.
func (e *retour) raw(b []byte) {
	if len(b) < flushAt {
		e.out = append(e.out, b...)
		return
	}
	e.flush()
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

// retour re-reads a file already checked by control 1 and writes it out.
type retour struct {
	b     []byte
	i     int
	out   []byte
	res   *Resultat
	impID string
	asp   []string
	tmp   []byte
	w     io.Writer
	err   error
	// slots are the processingKeys' slots in a request's record.
	slots [len(processingKeys)]int
}

func (e *retour) ws() {
	e.i = skipBlanks(e.b, e.i)
}

// indents holds a newline and enough spaces for the format's depths.
const indents = "\n                                                                "

func (e *retour) indent(depth int) {
	if n := 1 + 2*depth; n <= len(indents) {
		e.out = append(e.out, indents[:n]...)
		return
	}
	e.out = append(e.out, '\n')
	for range depth {
		e.out = append(e.out, ' ', ' ')
	}
}

// key copies the key at e.i and its colon, and returns its text.
func (e *retour) key() []byte {
	start, end, esc := e.str()
	e.ws()
	e.i++ // ':'
	e.ws()
	raw := e.b[start:end]
	if esc {
		e.tmp = unescape(e.tmp[:0], raw)
		raw = e.tmp
		e.out = appendString(e.out, raw)
	} else {
		// Already valid UTF-8 without anything to escape: copy it.
		e.out = append(e.out, e.b[start-1:end+1]...)
	}
	e.out = append(e.out, ':', ' ')
	return raw
}

// str skips the string at e.i and returns its content's bounds.
func (e *retour) str() (start, end int, esc bool) {
	i := e.i + 1
	start = i
	for {
		i = skipPlain(e.b, i)
		if e.b[i] == '"' {
			e.i = i + 1
			return start, i, esc
		}
		esc = true
		i += 2 // an escape: its second byte is never a quote that ends the string
	}
}

// members walks the members of the object at e.i, calling each for every
// key after writing it; each writes or skips the value. It returns after the
// closing brace, which the caller writes.
func (e *retour) members(depth int, each func(k []byte)) (empty bool) {
	e.i++ // '{'
	e.ws()
	if e.b[e.i] == '}' {
		e.i++
		return true
	}
	first := true
	for {
		e.ws()
		if !first {
			e.out = append(e.out, ',')
		}
		first = false
		e.indent(depth + 1)
		each(e.key())
		e.ws()
		if e.b[e.i] == ',' {
			e.i++
			continue
		}
		e.i++ // '}'
		return false
	}
}

func (e *retour) racine() {
	e.out = append(e.out, '{')
	empty := e.members(0, func(k []byte) {
		switch string(k) {
		case "impId":
			e.skip()
			e.nullOrString(e.impID)
		case "lignesImport":
			e.lignes()
		default:
			e.value(1)
		}
	})
	if !empty {
		e.indent(0)
	}
	e.out = append(e.out, '}')
}

func (e *retour) lignes() {
	e.i++ // '['
	e.out = append(e.out, '[')
	for n := 0; ; n++ {
		e.ws()
		if e.b[e.i] == ']' {
			e.i++
			if n > 0 {
				e.indent(1)
			}
			e.out = append(e.out, ']')
			return
		}
		if n > 0 {
			e.out = append(e.out, ',')
		}
		e.indent(2)
		e.demande(n)
		if len(e.out) > flushAt {
			e.flush()
		}
		e.ws()
		if e.b[e.i] == ',' {
			e.i++
		}
	}
}

// demande writes request n, from e.i on its opening brace to after its
// closing one.
func (e *retour) demande(n int) {
	d := e.res.Demandes[n]
	asp := ""
	if n < len(e.asp) && d.Acceptee() {
		asp = e.asp[n]
	}
	if dd := &e.res.doc.demandes[n]; dd.forme != formeAutre && dd.v.end-dd.v.start > 2 {
		e.demandeCopiee(dd, d, asp)
		e.i = int(dd.v.end)
		return
	}
	// Read the request again and write it re-indented.
	var seen uint8
	e.out = append(e.out, '{')
	empty := e.members(2, func(k []byte) {
		switch string(k) {
		case "numeroASP":
			if e.res.solde {
				// A balance line quotes its request's number: kept as written.
				e.value(3)
			} else {
				e.skip()
				e.nullOrString(asp)
			}
			seen |= 1
		case "codeTraitement":
			e.skip()
			e.out = appendString(e.out, d.Code())
			seen |= 2
		case "libelleTraitement":
			e.skip()
			e.out = appendString(e.out, d.Libelle())
			seen |= 4
		default:
			e.value(3)
		}
	})
	e.finDemande(d, asp, seen, empty)
}

// processingKeys are the keys the returned file fills in each request, in
// the order it adds those a request lacks; a seen set has bit i for key i.
var processingKeys = [...]string{"numeroASP", "codeTraitement", "libelleTraitement"}

// finDemande adds the processing keys a request lacked (not in seen; empty:
// the request had no member) and closes it.
func (e *retour) finDemande(d ResultatDemande, asp string, seen uint8, empty bool) {
	for bit, k := range processingKeys {
		if seen&(1<<bit) != 0 {
			continue
		}
		if !empty {
			e.out = append(e.out, ',')
		}
		e.indent(3)
		e.out = appendString(e.out, k)
		e.out = append(e.out, ':', ' ')
		e.processingValue(bit, d, asp)
		empty = false
	}
	e.indent(2)
	e.out = append(e.out, '}')
}

// processingValue writes the value of processing key number bit.
func (e *retour) processingValue(bit int, d ResultatDemande, asp string) {
	switch bit {
	case 0:
		e.nullOrString(asp)
	case 1:
		e.out = appendString(e.out, d.Code())
	case 2:
		e.out = appendString(e.out, d.Libelle())
	}
}

// demandeCopiee writes a request whose text is in the returned file's form
// or lines (demande.forme), and with members. The parser recorded where its
// processing keys' values and its strings with escapes are: the text is
// copied, rewriting only those, and in formeLignes the indentation where
// it differs, without reading the tokens again. It writes what re-reading
// the request would, byte for byte.
func (e *retour) demandeCopiee(dd *demande, d ResultatDemande, asp string) {
	// The processing keys' values to replace, in the file's order (three
	// at most: an insertion sort).
	type valeur struct {
		start, end int
		bit        int
	}
	var vs [len(processingKeys)]valeur
	n := 0
	var seen uint8
	for bit, slot := range e.slots {
		v := dd.f[slot]
		if v.kind == kAbsent {
			continue
		}
		seen |= 1 << bit
		if bit == 0 && e.res.solde {
			continue // a balance line quotes its request's number: kept as written
		}
		if v.kind == kString {
			v.start, v.end = v.start-1, v.end+1 // its quotes
		}
		j := n
		for ; j > 0 && vs[j-1].start > int(v.start); j-- {
			vs[j] = vs[j-1]
		}
		vs[j] = valeur{int(v.start), int(v.end), bit}
		n++
	}
	echappees := e.res.doc.echappees[dd.e0:dd.e1]

	b := e.b
	lignes := dd.forme == formeLignes
	end := int(dd.v.end) - 1 // the closing brace, written by finDemande
	if !lignes {
		end -= len("\n    ") // and the line break before it
	}
	from := int(dd.v.start) // the text from there to i is to copy
	depth := 2              // of the line being copied: the request's opening brace is at 2
	for i := from; ; {
		// The next value to replace: a processing key's, or a string with
		// escapes (not in a value replaced).
		for len(echappees) > 0 && int(echappees[0].start) <= i {
			echappees = echappees[1:]
		}
		next := end
		if n > 0 {
			next = vs[0].start
		}
		if len(echappees) > 0 && int(echappees[0].start)-1 < next {
			next = int(echappees[0].start) - 1
		}
		// A line break before it: the indentation that follows is the
		// returned file's when it has as many levels as the brackets say.
		// No string spans a line break (JSON escapes it), so any "\n" of the
		// text is one.
		if lignes {
			if nl := bytes.IndexByte(b[i:next], '\n'); nl >= 0 {
				nl += i
				eol := nl // the end of the line's text
				if b[eol-1] == '\r' {
					eol--
				}
				j := skipIndent(b, nl+1)
				if c := b[eol-1]; c == '{' || c == '[' {
					depth++
				}
				if c := b[j]; c == '}' || c == ']' {
					depth--
				}
				if j == end {
					e.raw(b[from:eol])
					break
				}
				if eol != nl || string(b[nl:j]) != indents[:1+2*depth] {
					e.raw(b[from:eol])
					e.indent(depth)
					from = j
				}
				i = j
				continue
			}
		}
		e.raw(b[from:next])
		if next == end {
			break // formeExacte: the text's end
		}
		if n > 0 && vs[0].start == next {
			e.processingValue(vs[0].bit, d, asp)
			i = vs[0].end
			vs[0], vs[1], vs[2] = vs[1], vs[2], valeur{}
			n--
		} else {
			s := echappees[0]
			e.tmp = unescape(e.tmp[:0], b[s.start:s.end])
			e.out = appendString(e.out, e.tmp)
			i = int(s.end) + 1
		}
		from = i
	}
	e.finDemande(d, asp, seen, false)
}

func (e *retour) nullOrString(s string) {
	if s == "" {
		e.out = append(e.out, "null"...)
		return
	}
	e.out = appendString(e.out, s)
}

// skip passes over the value at e.i without writing it.
func (e *retour) skip() {
	mark := len(e.out)
	e.value(0)
	e.out = e.out[:mark]
}

// value copies the value at e.i, re-indented at depth.
func (e *retour) value(depth int) {
	switch c := e.b[e.i]; c {
	case '"':
		start, end, esc := e.str()
		raw := e.b[start:end]
		if !esc {
			e.out = append(e.out, e.b[start-1:end+1]...)
			return
		}
		e.tmp = unescape(e.tmp[:0], raw)
		e.out = appendString(e.out, e.tmp)
	case '{':
		e.out = append(e.out, '{')
		if !e.members(depth, func([]byte) { e.value(depth + 1) }) {
			e.indent(depth)
		}
		e.out = append(e.out, '}')
	case '[':
		e.i++
		e.out = append(e.out, '[')
		for n := 0; ; n++ {
			e.ws()
			if e.b[e.i] == ']' {
				e.i++
				if n > 0 {
					e.indent(depth)
				}
				e.out = append(e.out, ']')
				return
			}
			if n > 0 {
				e.out = append(e.out, ',')
			}
			e.indent(depth + 1)
			e.value(depth + 1)
			e.ws()
			if e.b[e.i] == ',' {
				e.i++
			}
		}
	default: // number, true, false, null: as written
		start := e.i
		for e.i < len(e.b) && !isSpace[e.b[e.i]] && e.b[e.i] != ',' && e.b[e.i] != '}' && e.b[e.i] != ']' {
			e.i++
		}
		e.out = append(e.out, e.b[start:e.i]...)
	}
}

// appendString appends s (valid UTF-8) as a JSON string with only the
// escapes JSON requires.
func appendString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
