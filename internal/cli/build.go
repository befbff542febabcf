package cli

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/api"
	"github.com/segur-numerique/segur/internal/carnet"
	"github.com/segur-numerique/segur/internal/commandes"
)

const buildHelp = `Usage : segur build --ans NUMERO --siret SIRET [--logiciel RI] [--date AAAAMMJJ]
                   --from COMMANDES.csv|.xlsx [--pieces-dir DOSSIER] --out DOSSIER
                   [--ledger FICHIER] [--url URL --token-file FICHIER]
       segur build --template

Fabrique, depuis le carnet de commandes du fournisseur (une ligne par
établissement bénéficiaire ; docs/carnet-de-commandes.md), les fichiers
JSON-HOP de 200 demandes au plus, nommés selon la nomenclature, et leur .zip
de pièces (les bons de commande et preuves HT du dossier --pieces-dir,
renommés selon la nomenclature), puis les vérifie comme segur check.
Toutes les erreurs du carnet sont signalées d'un coup, par ligne et colonne,
pièces introuvables comprises ; rien n'est écrit tant qu'il en reste, et les
fichiers n'apparaissent sous leur nom qu'une fois tous écrits. Les
numeroEditeur manquants sont pris dans le carnet des numéros (--ledger, par
défaut DOSSIER/carnet-numeros.json), qui ne donne jamais deux fois le même.
Les fichiers sont numérotés après ceux du jour déjà dans DOSSIER ; avec --url
et --token-file, le carnet des numéros est d'abord mis à jour depuis le
portail, et la numérotation suit aussi les fichiers que le portail a reçus ce
jour pour ce numéro ANS.

Exemple :
  segur build --ans 1234567890 --siret 88558855858745 --from docs/exemple-carnet.csv \
      --pieces-dir docs/pieces --out depots
`

// carnetVierge is the header of a blank order book (segur build --template).
const carnetVierge = "reference;numeroEditeur;dateCommande;regimeTVA;montantHT;mandataire;emailMandataire;telephoneMandataire;nomClient;emailClient;telephoneClient;FINESSPMSI;bonDeCommande;preuveHT\n"

func runBuild(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "build", buildHelp)
	ans := fs.String("ans", "", "numéro ANS du logiciel")
	siret := fs.String("siret", "", "SIRET du fournisseur")
	logiciel := fs.String("logiciel", "RI", "type de logiciel : RI, DPI ou PFI")
	date := fs.String("date", "", "date du dépôt AAAAMMJJ (par défaut : aujourd'hui, heure de Paris)")
	from := fs.String("from", "", "carnet de commandes (.csv ou .xlsx)")
	piecesDir := fs.String("pieces-dir", "", "dossier des pièces (par défaut : celui du carnet)")
	out := fs.String("out", "", "dossier où écrire les fichiers")
	ledger := fs.String("ledger", "", "carnet des numéros (par défaut DOSSIER/carnet-numeros.json)")
	url := fs.String("url", "", "portail, pour mettre à jour le carnet des numéros et suivre les numéros d'ordre du jour")
	tokenFile := fs.String("token-file", "", "fichier du jeton d'API (avec --url)")
	template := fs.Bool("template", false, "écrire un carnet de commandes vierge")
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if *template {
		e.stdout.Write([]byte("\uFEFF" + carnetVierge))
		return exitOK
	}
	if len(rest) > 0 || *ans == "" || *siret == "" || *from == "" || *out == "" {
		fmt.Fprint(e.stderr, buildHelp)
		return exitUsage
	}
	l, err := hop.ParseLogiciel(*logiciel)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur build : --logiciel : %v\n", err)
		return exitUsage
	}
	now := time.Now()
	jour := aujourdhui(now)
	if *date != "" {
		if jour, err = hop.ParseDateAAAAMMJJ(*date); err != nil {
			fmt.Fprintf(e.stderr, "segur build : --date : %v\n", err)
			return exitUsage
		}
	}
	if *url != "" && *tokenFile == "" {
		fmt.Fprintln(e.stderr, "segur build : --url demande --token-file")
		return exitUsage
	}
	if *piecesDir == "" {
		*piecesDir = filepath.Dir(*from)
	}
	f, err := os.Open(*from)
	if err != nil {
		return cannotRead(e, *from, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return cannotRead(e, *from, err)
	}
	if *ledger == "" {
		*ledger = filepath.Join(*out, "carnet-numeros.json")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(e.stderr, "segur build : %s : %v\n", *out, plainErr(err))
		return exitLecture
	}
	c, err := carnet.Ouvrir(*ledger)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur build : %v\n", err)
		return exitLecture
	}
	// The ordinals of the day already taken: by the files in the folder
	// and, with --url, by the deposits the portal accepted.
	pris := ordinauxLocaux(*out, *ans, jour)
	if *url != "" {
		jeton, err := lireJeton(*tokenFile)
		if err != nil {
			return cannotRead(e, *tokenFile, err)
		}
		p := &portail{url: strings.TrimRight(*url, "/"), jeton: jeton, client: httpClient(), stderr: e.stderr}
		numeros, code, err := p.numerosEditeur(ctx)
		if err != nil {
			fmt.Fprintf(e.stderr, "segur build : carnet des numéros : %v\n", err)
			return code
		}
		for _, n := range numeros {
			if !c.Utilise(n) {
				c.Marquer(n, carnet.Portail, "", "", now)
			}
		}
		portail, code, err := p.ordinauxPris(ctx, *ans, jour)
		if err != nil {
			fmt.Fprintf(e.stderr, "segur build : numéros d'ordre du jour : %v\n", err)
			return code
		}
		if len(portail) > 0 {
			numeros := "numéro d'ordre"
			if len(portail) > 1 {
				numeros = "numéros d'ordre"
			}
			fmt.Fprintf(e.stderr, "Le portail a déjà reçu le %s %s pour le numéro ANS %s, %s %s : %s.\n",
				jour, pluriel(len(portail), "fichier", "fichiers"), *ans, numeros, listeOrdinaux(portail), accord(len(portail), "il est pris", "ils sont pris"))
			for _, o := range portail {
				pris[o] = true
			}
		}
	}

	// One reading finds every mistake: the rows', the attachment files' and
	// the numbers already used.
	pj := newPieces(*piecesDir)
	lecteur := commandes.Lecteur{
		Piece: pj.verifier,
		NumeroEditeur: func(n string) error {
			if c.Utilise(n) {
				return fmt.Errorf("« %s » déjà utilisé (carnet des numéros) ; laissez la colonne vide pour un numéro neuf", n)
			}
			return nil
		},
	}
	demandes, erreurs, err := lecteur.Lire(f, st.Size())
	if err != nil {
		fmt.Fprintf(e.stderr, "segur build : %s : %v\n", *from, err)
		return exitLecture
	}
	if len(erreurs) > 0 {
		for _, er := range erreurs {
			fmt.Fprintln(e.stderr, er.Error())
		}
		fmt.Fprintf(e.stderr, "%s dans le carnet de commandes : rien n'est écrit.\n", pluriel(len(erreurs), "erreur", "erreurs"))
		return exitRejets
	}
	// The book's own numbers first, so that a fresh one never takes them.
	for _, d := range demandes {
		if d.NumeroEditeur != "" {
			c.Marquer(d.NumeroEditeur, carnet.Reserve, "", filepath.Base(*from), now)
		}
	}
	for i := range demandes {
		if demandes[i].NumeroEditeur == "" {
			if demandes[i].NumeroEditeur, err = c.Nouveau(filepath.Base(*from), now); err != nil {
				fmt.Fprintf(e.stderr, "segur build : %v\n", err)
				return exitInterne
			}
		}
	}
	lots := decouper(demandes, pj)
	ordinaux := ordinauxLibres(pris, len(lots))
	if len(ordinaux) < len(lots) {
		fmt.Fprintf(e.stderr, "segur build : %s à écrire, mais %s ce jour pour ce numéro ANS (de 001 à 999) ; rien n'est écrit.\n",
			pluriel(len(lots), "fichier", "fichiers"), pluriel(len(ordinaux), "numéro d'ordre libre", "numéros d'ordre libres"))
		return exitInterne
	}
	// The numbers are on disk before any file that carries them: a build
	// that stops half-way leaves numbers reserved, never given twice.
	enregistre := make(chan error, 1)
	go func() { enregistre <- c.Enregistrer() }()
	carnetEcrit := sync.OnceValue(func() error { return <-enregistre })
	defer carnetEcrit()

	pub := &publication{dir: *out}
	defer pub.abandonner()
	w := &ecrivain{logiciel: l, quand: now.In(paris()), pieces: pj}
	// Each file is checked while the next is written: the check of segur
	// check, on the file as written, with its zip.
	// Unbuffered: a file's JSON buffer is written again only once its check
	// is over.
	verifs := make(chan verification)
	code := make(chan int, 1)
	go func() {
		code <- rapporter(e, verifs)
	}()
	for i, lot := range lots {
		base := filepath.Join(*out, fmt.Sprintf("JSON-%s-%s-%03d", *ans, jour.AAAAMMJJ(), ordinaux[i]))
		fc, zipTmp, err := w.ecrire(pub, base, lot, *ans, *siret)
		if err != nil {
			close(verifs)
			<-code
			fmt.Fprintf(e.stderr, "segur build : %s : %s ; rien n'est écrit.\n", filepath.Base(base), plainErr(err))
			return exitInterne
		}
		verifs <- verification{base: base, json: fc, zip: zipTmp,
			decl: hop.Declaration{NomFichier: filepath.Base(base) + ".json", NumeroAns: *ans, SIRET: *siret, Logiciel: l, Date: jour}}
	}
	close(verifs)
	resultat := <-code
	if resultat == exitInterne {
		return resultat
	}
	if err := carnetEcrit(); err != nil {
		fmt.Fprintf(e.stderr, "segur build : carnet %s : %s ; rien n'est écrit.\n", *ledger, plainErr(err))
		return exitLecture
	}
	if err := pub.publier(); err != nil {
		fmt.Fprintf(e.stderr, "segur build : %s : %s\n", *out, plainErr(err))
		return exitInterne
	}
	return resultat
}

// verification is a file written, to be checked.
type verification struct {
	base string // its path, without .json
	json []byte
	zip  string // the zip's temporary path
	decl hop.Declaration
}

// rapporter checks the files written, in their order, reports each, and
// returns build's exit status: exitInterne when a file could not be
// checked (the rest are then only drained), and nothing is to be
// published.
func rapporter(e *env, verifs <-chan verification) int {
	code := exitOK
	for v := range verifs {
		if code == exitInterne {
			continue
		}
		res, err := controlerEcrit(v.json, v.zip, v.decl)
		if err != nil {
			fmt.Fprintf(e.stderr, "segur build : %s : %s ; rien n'est écrit.\n", filepath.Base(v.base), plainErr(err))
			code = exitInterne
			continue
		}
		if res.Rejet != nil {
			fmt.Fprintf(e.stderr, "%s.json : rejeté : %s : %s\n", v.base, res.Rejet.Code, res.Rejet.Libelle())
			code = exitFichier
			continue
		}
		fmt.Fprintf(e.stderr, "%s.json : %s, %s au contrôle ; %s.zip\n", v.base, pluriel(len(res.Demandes), "demande", "demandes"),
			pluriel(res.Acceptees(), "acceptée", "acceptées"), v.base)
		for _, d := range res.Demandes {
			if !d.Acceptee() {
				fmt.Fprintf(e.stderr, "  numLigne %d, numeroEditeur %s : %s : %s\n", d.Position, d.NumeroEditeur, d.Code(), d.Libelle())
				if code == exitOK {
					code = exitRejets
				}
			}
		}
	}
	return code
}

// controlerEcrit runs segur check's controls on a file written, with its
// zip.
func controlerEcrit(fc []byte, zipPath string, decl hop.Declaration) (*hop.Resultat, error) {
	z, err := os.Open(zipPath)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	st, err := z.Stat()
	if err != nil {
		return nil, err
	}
	opt := hop.Options{}
	opt.Archive, opt.ArchiveErreur = hop.OpenArchive(z, st.Size())
	return hop.Controler(fc, decl, opt)
}

// listeOrdinaux writes ordinals as a French list: 001, 002 et 004.
func listeOrdinaux(ords []int) string {
	var b strings.Builder
	for i, o := range ords {
		switch {
		case i == 0:
		case i == len(ords)-1:
			b.WriteString(" et ")
		default:
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%03d", o)
	}
	return b.String()
}

// ordinauxPris lists, in increasing order, the ordinals that the portal's
// deposits of numeroAns took on day jour: those of the files that passed
// control 1, advance and balance files alike (a file rejected by control 1
// takes none). It reads the vendor's deposits, newest first, back to the
// day before jour: they come in the order the portal recorded them, each
// dated by its first byte, and no upload lasts a day.
func (p *portail) ordinauxPris(ctx context.Context, numeroAns string, jour hop.Date) ([]int, int, error) {
	prefixe := "JSON-" + numeroAns + "-" + jour.AAAAMMJJ() + "-"
	avant := time.Date(jour.Annee, time.Month(jour.Mois), jour.Jour, 0, 0, 0, 0, paris()).AddDate(0, 0, -1)
	var pris []int
	lus := 0
	for page := 1; ; page++ {
		b, code, err := p.get(ctx, fmt.Sprintf("/api/v1/depots?parPage=500&page=%d", page))
		if err != nil {
			return nil, code, err
		}
		var l struct {
			Depots []api.DepotJSON `json:"depots"`
			Total  int             `json:"total"`
		}
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, exitInterne, fmt.Errorf("réponse du portail illisible : %v", err)
		}
		fini := len(l.Depots) == 0
		for _, d := range l.Depots {
			if n, ok := ordinalDe(d.NomFichier, prefixe); ok && d.Statut == string(segur.DepotTraite) {
				pris = append(pris, n)
			}
			if t, err := time.Parse(time.RFC3339, d.Recu); err == nil && t.Before(avant) {
				fini = true
			}
		}
		lus += len(l.Depots)
		if fini || lus >= l.Total {
			break
		}
	}
	sort.Ints(pris)
	return compacter(pris), exitOK, nil
}

// compacter removes the repeats of a sorted list.
func compacter(s []int) []int {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// ordinalDe reads the ordinal of a JSON-HOP file name that starts with
// prefixe (JSON-<numeroAns>-<AAAAMMJJ>-): 1 to 999.
func ordinalDe(nom, prefixe string) (int, bool) {
	r, ok := strings.CutPrefix(nom, prefixe)
	if !ok || len(r) != len("001.json") || r[3:] != ".json" {
		return 0, false
	}
	n := 0
	for i := range 3 {
		if r[i] < '0' || r[i] > '9' {
			return 0, false
		}
		n = 10*n + int(r[i]-'0')
	}
	return n, n > 0
}

// ordinauxLocaux are the ordinals of the day's JSON-HOP files of numeroAns
// already in dir.
func ordinauxLocaux(dir, ans string, jour hop.Date) map[int]bool {
	prefixe := "JSON-" + ans + "-" + jour.AAAAMMJJ() + "-"
	entries, _ := os.ReadDir(dir)
	pris := map[int]bool{}
	for _, en := range entries {
		if n, ok := ordinalDe(en.Name(), prefixe); ok {
			pris[n] = true
		}
	}
	return pris
}

// ordinauxLibres gives the n smallest ordinals from 1 to 999 not taken,
// fewer when there are not n left. The portal asks only that a day's
// ordinal be used once (code 1005), not that they follow each other.
func ordinauxLibres(pris map[int]bool, n int) []int {
	var libres []int
	for o := 1; o <= 999 && len(libres) < n; o++ {
		if !pris[o] {
			libres = append(libres, o)
		}
	}
	return libres
}

// decouper splits the requests into files of at most 200 requests whose
// attachments stay within one 200 Mo zip.
func decouper(demandes []commandes.Demande, pj *pieces) [][]commandes.Demande {
	const maxZip = hop.MaxArchive - 1<<20 // room for the zip's own headers
	var lots [][]commandes.Demande
	var lot []commandes.Demande
	var taille int64
	for _, d := range demandes {
		var t int64
		for _, nom := range []string{d.BonDeCommande, d.PreuveHT} {
			if nom != "" {
				t += pj.taille(nom)
			}
		}
		if len(lot) == hop.MaxDemandes || len(lot) > 0 && taille+t > maxZip {
			lots = append(lots, lot)
			lot, taille = nil, 0
		}
		lot = append(lot, d)
		taille += t
	}
	if len(lot) > 0 {
		lots = append(lots, lot)
	}
	return lots
}

// formatDe is the formatFichier of a vendor's file name.
func formatDe(nom string) (string, error) {
	switch strings.ToLower(filepath.Ext(nom)) {
	case ".pdf":
		return "PDF", nil
	case ".jpg", ".jpeg":
		return "JPG", nil
	case ".png":
		return "PNG", nil
	}
	return "", fmt.Errorf("« %s » : attendu un fichier .pdf, .jpg ou .png", nom)
}

// pieces are the attachment files of a book, in their folder, each looked
// at once however many requests name it.
type pieces struct {
	dir  string
	vues map[string]*piece // by base name
}

// piece is what build knows of one attachment file.
type piece struct {
	taille int64
	err    error // why it cannot be put in a zip
	// usages is how many requests of the book name it.
	usages int
}

func newPieces(dir string) *pieces { return &pieces{dir: dir, vues: map[string]*piece{}} }

// chemin is where the file a book names is: in the folder, whatever the
// path the book gives.
func (pj *pieces) chemin(nom string) string { return filepath.Join(pj.dir, filepath.Base(nom)) }

func (pj *pieces) voir(nom string) *piece {
	base := filepath.Base(nom)
	if p, ok := pj.vues[base]; ok {
		return p
	}
	p := &piece{}
	pj.vues[base] = p
	st, err := os.Stat(pj.chemin(nom))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.err = fmt.Errorf("« %s » introuvable dans %s", nom, pj.dir)
	case err != nil:
		p.err = fmt.Errorf("« %s » illisible : %s", nom, plainErr(err))
	case !st.Mode().IsRegular():
		p.err = fmt.Errorf("« %s » n'est pas un fichier", nom)
	default:
		p.taille = st.Size()
		if p.taille > hop.MaxPiece {
			p.err = fmt.Errorf("« %s » dépasse 3 Mo ; attendu : au plus 3 Mo (3 145 728 octets) par pièce", nom)
		}
	}
	return p
}

// verifier is the book reader's check of an attachment file, called once
// for each request that names it.
func (pj *pieces) verifier(nom string) error {
	p := pj.voir(nom)
	p.usages++
	return p.err
}

// taille is the size of an attachment file, 0 when it cannot be read.
func (pj *pieces) taille(nom string) int64 { return pj.voir(nom).taille }

// ecrivain writes the files of a build.
type ecrivain struct {
	logiciel hop.Logiciel
	// quand dates the zips' entries: the build's time, in Europe/Paris.
	quand  time.Time
	pieces *pieces
	bw     *bufio.Writer // the zips' buffer
	js     [2][]byte     // the JSON files' buffers, used in turn
	tour   int           // the last used
	buf    []byte        // the copy buffer of the attachments
	// partagees holds, by base name, the content of the files that several
	// requests name, from the first entry made of each to the last: one
	// order form for a whole book is read once, not once per request.
	// They hold garde bytes, at most maxGarde.
	partagees map[string]*partagee
	garde     int64
}

// partagee is the content of an attachment file, with how many entries
// are still to be made of it.
type partagee struct {
	data    []byte
	restant int
}

// maxGarde bounds the memory held by the shared attachments.
const maxGarde = 32 << 20

// ecrire writes base.json and base.zip for one file's requests, as
// temporary files of pub, and returns the JSON and the zip's temporary
// path.
func (w *ecrivain) ecrire(pub *publication, base string, lot []commandes.Demande, ans, siret string) ([]byte, string, error) {
	f := hop.FichierHOP{NumeroAns: ans, SIRET: siret, Logiciel: w.logiciel, Demandes: make([]hop.DonneesDemande, 0, len(lot))}
	tmpZip, err := pub.creer(base + ".zip")
	if err != nil {
		return nil, "", err
	}
	remis := false // to pub, which closes it
	defer func() {
		if !remis {
			tmpZip.Close()
		}
	}()
	if w.bw == nil {
		w.bw, w.buf = bufio.NewWriterSize(tmpZip, 256<<10), make([]byte, 256<<10)
	}
	bw := w.bw
	bw.Reset(tmpZip)
	zw := zip.NewWriter(bw)
	for _, d := range lot {
		dd := d.Donnees
		dd.NumeroEditeur = d.NumeroEditeur
		dd.Pieces = nil
		for _, p := range []struct{ nom, typ string }{{d.BonDeCommande, hop.TypeBonCommande}, {d.PreuveHT, hop.TypePreuveHT}} {
			if p.nom == "" {
				continue
			}
			format, err := formatDe(p.nom)
			if err != nil {
				return nil, "", err
			}
			nom := hop.NomPiece(w.logiciel, p.typ, d.NumeroEditeur, format)
			dd.Pieces = append(dd.Pieces, hop.Piece{NomFichier: nom, Format: format, Type: p.typ})
			if err := w.piece(zw, nom, p.nom); err != nil {
				return nil, "", err
			}
		}
		f.Demandes = append(f.Demandes, dd)
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	if err := bw.Flush(); err != nil {
		return nil, "", err
	}
	pub.fermer(tmpZip)
	remis = true
	// Two buffers in turn: the file written last is checked while this one
	// is made.
	w.tour = 1 - w.tour
	js, err := hop.AjouterHOP(w.js[w.tour][:0], f)
	if err != nil {
		return nil, "", err
	}
	w.js[w.tour] = js
	tmpJSON, err := pub.creer(base + ".json")
	if err != nil {
		return nil, "", err
	}
	if _, err = tmpJSON.Write(js); err != nil {
		tmpJSON.Close()
		return nil, "", err
	}
	pub.fermer(tmpJSON)
	return js, tmpZip.Name(), nil
}

// piece copies the attachment file the book names source into the zip as
// nom, stored: PDF, JPEG and PNG are compressed formats already, and
// deflating them again would cost the build, the portal and every reader
// of the zip their time for a few bytes. The entry carries the build's
// time.
func (w *ecrivain) piece(zw *zip.Writer, nom, source string) error {
	zf, err := zw.CreateHeader(&zip.FileHeader{Name: nom, Method: zip.Store, Modified: w.quand})
	if err != nil {
		return err
	}
	base := filepath.Base(source)
	if p := w.partagee(base); p != nil {
		_, err := zf.Write(p.data)
		if p.restant--; p.restant == 0 {
			delete(w.partagees, base)
			w.garde -= int64(len(p.data))
		}
		return err
	}
	src, err := os.Open(w.pieces.chemin(source))
	if err != nil {
		return err
	}
	defer src.Close()
	// Through the reader alone, so that the copy uses w.buf.
	_, err = io.CopyBuffer(zf, struct{ io.Reader }{src}, w.buf)
	return err
}

// partagee returns the content of the attachment file base when several
// requests name it and it fits in what may be held; nil otherwise, or when
// it cannot be read (the copy says why).
func (w *ecrivain) partagee(base string) *partagee {
	if p, ok := w.partagees[base]; ok {
		return p
	}
	pc := w.pieces.vues[base]
	if pc == nil || pc.usages < 2 || pc.taille > hop.MaxPiece || w.garde+pc.taille > maxGarde {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(w.pieces.dir, base))
	if err != nil {
		return nil
	}
	if w.partagees == nil {
		w.partagees = map[string]*partagee{}
	}
	p := &partagee{data: data, restant: pc.usages}
	w.partagees[base] = p
	w.garde += int64(len(data))
	return p
}

// publication is the files a build writes: temporary files beside their
// names, published all at once when every one is written. None shows under
// its name before that, and each is on disk before it does.
type publication struct {
	dir   string
	temps []string // temporary files not yet renamed, "" once renamed
	noms  []string // their names
	err   error    // the first failure to close a file written
}

// creer creates the temporary file of path, beside it, for writing.
func (p *publication) creer(path string) (*os.File, error) {
	f, err := os.CreateTemp(p.dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	p.temps = append(p.temps, f.Name())
	p.noms = append(p.noms, path)
	return f, nil
}

// fermer closes a temporary file written whole, once the writing of its
// data to disk has started: the disk works while the next files are made,
// and the sync of them all (attendre) has less left to wait for.
func (p *publication) fermer(f *os.File) {
	ecrireBientot(f)
	if err := f.Close(); p.err == nil {
		p.err = err
	}
}

// attendre puts the files written on disk. All at once, by one sync of
// their file system where it can: one after the other, each file's sync
// waits for its own flush of the disk (on ext4, 100 files took 150 ms).
func (p *publication) attendre() error {
	if p.err != nil {
		return p.err
	}
	return syncFichiers(p.dir, p.temps)
}

// publier waits for the files to be on disk, renames them to their names,
// then puts the renames on disk: after a crash, each file is there whole
// or not at all.
func (p *publication) publier() error {
	if err := p.attendre(); err != nil {
		return err
	}
	for i, tmp := range p.temps {
		if err := os.Rename(tmp, p.noms[i]); err != nil {
			return err
		}
		p.temps[i] = ""
	}
	return syncDossier(p.dir)
}

// syncDossier puts dir's entries (the renames) on disk. Windows cannot
// sync a folder, and needs not: NTFS journals its renames.
func syncDossier(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// abandonner removes the temporary files not published.
func (p *publication) abandonner() {
	for _, tmp := range p.temps {
		if tmp != "" {
			os.Remove(tmp)
		}
	}
}
