// Package carnet is the vendor's local ledger of numeroEditeur: every number
// ever used (accepted, rejected, or known from the portal) is remembered, and
// none is given twice. It also keeps the Idempotency-Key of each file sent,
// so that sending a file again never creates a second deposit.
package carnet

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// États of a number.
const (
	Reserve = "reserve" // given by build, not yet deposited
	Accepte = "accepte" // accepted by the portal, with its ASP number
	Rejete  = "rejete"  // in a request the portal rejected: used all the same
	Portail = "portail" // known from the portal (another machine, the web form)
)

// Entree is what the ledger knows of one number.
type Entree struct {
	Numero    string    `json:"numero"`
	Etat      string    `json:"etat"`
	NumeroASP string    `json:"numeroASP,omitempty"`
	Fichier   string    `json:"fichier,omitempty"`
	Quand     time.Time `json:"quand"`
}

// Carnet is the ledger, kept in one JSON file rewritten whole.
type Carnet struct {
	chemin  string
	Numeros map[string]Entree `json:"numeros"` // by upper-cased number
	Cles    map[string]string `json:"cles"`    // Idempotency-Key by the SHA-256 of the files sent
}

// Ouvrir reads the ledger at chemin, or starts an empty one.
func Ouvrir(chemin string) (*Carnet, error) {
	c := &Carnet{chemin: chemin, Numeros: map[string]Entree{}, Cles: map[string]string{}}
	b, err := os.ReadFile(chemin)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("carnet %s illisible : %v", chemin, err)
	}
	if c.Numeros == nil {
		c.Numeros = map[string]Entree{}
	}
	if c.Cles == nil {
		c.Cles = map[string]string{}
	}
	return c, nil
}

// Enregistrer writes the ledger whole or not at all.
func (c *Carnet) Enregistrer() error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(c.chemin), ".carnet-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err = f.Write(append(b, '\n')); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, c.chemin)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Utilise reports whether numero is in the ledger, whatever its state.
func (c *Carnet) Utilise(numero string) bool {
	_, ok := c.Numeros[strings.ToUpper(numero)]
	return ok
}

// Marquer records numero in a state; a number accepted stays accepted.
func (c *Carnet) Marquer(numero, etat, asp, fichier string, quand time.Time) {
	k := strings.ToUpper(numero)
	if old, ok := c.Numeros[k]; ok && old.Etat == Accepte && etat != Accepte {
		return
	}
	c.Numeros[k] = Entree{Numero: numero, Etat: etat, NumeroASP: asp, Fichier: fichier, Quand: quand.UTC()}
}

// Nouveau gives a number never used, the smallest free one of 00001 to
// 99999, and reserves it for fichier.
func (c *Carnet) Nouveau(fichier string, quand time.Time) (string, error) {
	for n := 1; n <= 99999; n++ {
		num := fmt.Sprintf("%05d", n)
		if !c.Utilise(num) {
			c.Marquer(num, Reserve, "", fichier, quand)
			return num, nil
		}
	}
	return "", errors.New("carnet plein : les 99 999 numéros à 5 chiffres sont pris")
}

// Cle returns the Idempotency-Key of the files of digest sha, made once.
func (c *Carnet) Cle(sha string) string {
	if k, ok := c.Cles[sha]; ok {
		return k
	}
	b := make([]byte, 16)
	rand.Read(b)
	k := "segur-" + hex.EncodeToString(b)
	c.Cles[sha] = k
	return k
}
