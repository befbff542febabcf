package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur/hop"
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
Toutes les erreurs du carnet sont signalées d'un coup, par ligne et colonne ;
rien n'est écrit tant qu'il en reste. Les numeroEditeur manquants sont pris
dans le carnet des numéros (--ledger, par défaut DOSSIER/carnet-numeros.json),
qui ne donne jamais deux fois le même ; avec --url et --token-file, il est
d'abord mis à jour depuis le portail.

Exemple :
  segur build --ans 1234567890 --siret 88558855858745 --from docs/exemple-carnet.csv \
      --pieces-dir docs/pieces --out depots
`

// En-tête du carnet vierge (segur build --template).
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
	url := fs.String("url", "", "portail, pour mettre le carnet des numéros à jour")
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
	jour := aujourdhui(time.Now())
	if *date != "" {
		if jour, err = hop.ParseDateAAAAMMJJ(*date); err != nil {
			fmt.Fprintf(e.stderr, "segur build : --date : %v\n", err)
			return exitUsage
		}
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
	demandes, erreurs, err := commandes.Lire(f, st.Size())
	if err != nil {
		fmt.Fprintf(e.stderr, "segur build : %s : %v\n", *from, err)
		return exitLecture
	}
	// The attachments must be there before anything is written.
	for _, d := range demandes {
		for _, nom := range []string{d.BonDeCommande, d.PreuveHT} {
			if nom == "" {
				continue
			}
			if _, err := os.Stat(filepath.Join(*piecesDir, filepath.Base(nom))); err != nil {
				erreurs = append(erreurs, commandes.Erreur{Ligne: d.Lignes[0], Colonne: "pièce",
					Message: fmt.Sprintf("« %s » introuvable dans %s", nom, *piecesDir)})
			}
		}
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
	now := time.Now()
	if *url != "" {
		if *tokenFile == "" {
			fmt.Fprintln(e.stderr, "segur build : --url demande --token-file")
			return exitUsage
		}
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
	}
	for _, d := range demandes {
		if d.NumeroEditeur != "" && c.Utilise(d.NumeroEditeur) {
			erreurs = append(erreurs, commandes.Erreur{Ligne: d.Lignes[0], Colonne: "numeroEditeur",
				Message: fmt.Sprintf("« %s » déjà utilisé (carnet des numéros) ; laissez la colonne vide pour un numéro neuf", d.NumeroEditeur)})
		}
	}
	if len(erreurs) > 0 {
		for _, er := range erreurs {
			fmt.Fprintln(e.stderr, er.Error())
		}
		fmt.Fprintf(e.stderr, "%d erreur(s) dans le carnet de commandes : rien n'est écrit.\n", len(erreurs))
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
	lots := decouper(demandes, *piecesDir)
	ordinal := ordinalSuivant(*out, *ans, jour)
	code := exitOK
	for _, lot := range lots {
		if ordinal > 999 {
			fmt.Fprintln(e.stderr, "segur build : plus de 999 fichiers ce jour pour ce numéro ANS")
			return exitInterne
		}
		base := filepath.Join(*out, fmt.Sprintf("JSON-%s-%s-%03d", *ans, jour.AAAAMMJJ(), ordinal))
		ordinal++
		fc, err := ecrireLot(base, lot, *ans, *siret, l, *piecesDir)
		if err != nil {
			fmt.Fprintf(e.stderr, "segur build : %v\n", err)
			return exitInterne
		}
		// The same check as segur check.
		decl := hop.Declaration{NomFichier: filepath.Base(base) + ".json", NumeroAns: *ans, SIRET: *siret, Logiciel: l, Date: jour}
		z, err := os.Open(base + ".zip")
		if err != nil {
			return cannotRead(e, base+".zip", err)
		}
		zst, _ := z.Stat()
		opt := hop.Options{}
		opt.Archive, opt.ArchiveErreur = hop.OpenArchive(z, zst.Size())
		res, err := hop.Controler(fc, decl, opt)
		z.Close()
		if err != nil {
			fmt.Fprintf(e.stderr, "segur build : %v\n", err)
			return exitInterne
		}
		if res.Rejet != nil {
			fmt.Fprintf(e.stderr, "%s.json : rejeté : %s : %s\n", base, res.Rejet.Code, res.Rejet.Libelle())
			code = exitFichier
			continue
		}
		fmt.Fprintf(e.stderr, "%s.json : %d demande(s), %d acceptée(s) au contrôle ; %s.zip\n", base, len(res.Demandes), res.Acceptees(), base)
		for _, d := range res.Demandes {
			if !d.Acceptee() {
				fmt.Fprintf(e.stderr, "  numLigne %d, numeroEditeur %s : %s : %s\n", d.Position, d.NumeroEditeur, d.Code(), d.Libelle())
				if code == exitOK {
					code = exitRejets
				}
			}
		}
	}
	if err := c.Enregistrer(); err != nil {
		fmt.Fprintf(e.stderr, "segur build : carnet %s : %v\n", *ledger, err)
		return exitLecture
	}
	return code
}

// decouper splits the requests into files of at most 200 requests whose
// attachments stay within one 200 Mo zip.
func decouper(demandes []commandes.Demande, piecesDir string) [][]commandes.Demande {
	const maxZip = hop.MaxArchive - 1<<20 // room for the zip's own headers
	var lots [][]commandes.Demande
	var lot []commandes.Demande
	var taille int64
	for _, d := range demandes {
		var t int64
		for _, nom := range []string{d.BonDeCommande, d.PreuveHT} {
			if nom != "" {
				if st, err := os.Stat(filepath.Join(piecesDir, filepath.Base(nom))); err == nil {
					t += st.Size()
				}
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

// ordinalSuivant is the first ordinal after the files of that day already in dir.
func ordinalSuivant(dir, ans string, jour hop.Date) int {
	re := regexp.MustCompile(`^JSON-` + regexp.QuoteMeta(ans) + `-` + jour.AAAAMMJJ() + `-(\d{3})\.json$`)
	entries, _ := os.ReadDir(dir)
	next := 1
	for _, en := range entries {
		if m := re.FindStringSubmatch(en.Name()); m != nil {
			if n, _ := strconv.Atoi(m[1]); n >= next {
				next = n + 1
			}
		}
	}
	return next
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

// ecrireLot writes base.json and base.zip for one file's requests, whole or
// not at all, and returns the JSON.
func ecrireLot(base string, lot []commandes.Demande, ans, siret string, l hop.Logiciel, piecesDir string) ([]byte, error) {
	f := hop.FichierHOP{NumeroAns: ans, SIRET: siret, Logiciel: l}
	tmpZip, err := os.CreateTemp(filepath.Dir(base), ".zip-*.tmp")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmpZip.Name())
	zw := zip.NewWriter(tmpZip)
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
				return nil, err
			}
			nom := hop.NomPiece(l, p.typ, d.NumeroEditeur, format)
			dd.Pieces = append(dd.Pieces, hop.Piece{NomFichier: nom, Format: format, Type: p.typ})
			src, err := os.Open(filepath.Join(piecesDir, filepath.Base(p.nom)))
			if err != nil {
				return nil, err
			}
			w, err := zw.Create(nom)
			if err == nil {
				_, err = io.Copy(w, src)
			}
			src.Close()
			if err != nil {
				return nil, err
			}
		}
		f.Demandes = append(f.Demandes, dd)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if err := tmpZip.Sync(); err != nil {
		return nil, err
	}
	if err := tmpZip.Close(); err != nil {
		return nil, err
	}
	var js bytes.Buffer
	if err := hop.EcrireHOP(&js, f); err != nil {
		return nil, err
	}
	if err := os.Rename(tmpZip.Name(), base+".zip"); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(base+".json", js.Bytes()); err != nil {
		return nil, err
	}
	return js.Bytes(), nil
}
