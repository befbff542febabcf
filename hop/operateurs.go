package hop

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed donnees/operateurs.txt
var operateursParDefaut []byte

// Operateurs is the agency's list of secure-messaging operators, one of
// which a PFI request names in operateurMessagerie.
type Operateurs struct {
	noms map[string]bool
}

// OperateursParDefaut returns the fictitious list shipped for demos and tests.
var OperateursParDefaut = sync.OnceValue(func() *Operateurs {
	o, err := LireOperateurs(bytes.NewReader(operateursParDefaut))
	if err != nil {
		panic("segur: default operators' list: " + err.Error()) // a build fault, caught by the tests
	}
	return o
})

// LireOperateurs reads a list: one name a line, UTF-8; blank lines and lines
// starting with # are ignored.
func LireOperateurs(r io.Reader) (*Operateurs, error) {
	o := &Operateurs{noms: map[string]bool{}}
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\uFEFF"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("liste des opérateurs, ligne %d : texte non UTF-8", n)
		}
		o.noms[line] = true
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("liste des opérateurs, ligne %d : %w", n+1, err)
	}
	if len(o.noms) == 0 {
		return nil, fmt.Errorf("liste des opérateurs vide : attendu un nom d'opérateur par ligne")
	}
	return o, nil
}

// Contient reports whether nom is in the list (exact match).
func (o *Operateurs) Contient(nom string) bool { return o.noms[nom] }
