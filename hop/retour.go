package hop

import (
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
	e.ws()
	e.racine()
	e.out = append(e.out, '\n')
	e.flush()
	return e.err
}

// flushAt is the size past which the output is written out, between two
// requests: the returned file is never held whole in memory.
const flushAt = 32 << 10

func (e *retour) flush() {
	if e.err == nil {
		_, e.err = e.w.Write(e.out)
	}
	e.out = e.out[:0]
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
}

func (e *retour) ws() {
	for e.i < len(e.b) && isSpace[e.b[e.i]] {
		e.i++
	}
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
		for !strStop[e.b[i]] {
			i++
		}
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

func (e *retour) demande(n int) {
	d := e.res.Demandes[n]
	asp := ""
	if n < len(e.asp) && d.Acceptee() {
		asp = e.asp[n]
	}
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
			e.out = appendString(e.out, []byte(d.Code()))
			seen |= 2
		case "libelleTraitement":
			e.skip()
			e.out = appendString(e.out, []byte(d.Libelle()))
			seen |= 4
		default:
			e.value(3)
		}
	})
	for bit, k := range [...]string{"numeroASP", "codeTraitement", "libelleTraitement"} {
		if seen&(1<<bit) != 0 {
			continue
		}
		if !empty {
			e.out = append(e.out, ',')
		}
		e.indent(3)
		e.out = appendString(e.out, []byte(k))
		e.out = append(e.out, ':', ' ')
		switch bit {
		case 0:
			e.nullOrString(asp)
		case 1:
			e.out = appendString(e.out, []byte(d.Code()))
		case 2:
			e.out = appendString(e.out, []byte(d.Libelle()))
		}
		seen |= 1 << bit
		empty = false
	}
	e.indent(2)
	e.out = append(e.out, '}')
}

func (e *retour) nullOrString(s string) {
	if s == "" {
		e.out = append(e.out, "null"...)
		return
	}
	e.out = appendString(e.out, []byte(s))
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
func appendString(dst, s []byte) []byte {
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
