package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zone database

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

var checkHelp = fmt.Sprintf(`Usage : segur check [options] FICHIER.json

Vérifie un fichier de demandes de financement JSON-HOP comme le portail de
l'ASP au dépôt : contrôle 1 (le fichier entier), puis contrôle 2 (chaque
demande, arrêté à sa première erreur). Écrit le fichier retour (le fichier
déposé avec, sur chaque demande, codeTraitement et libelleTraitement ;
numeroASP reste null hors ligne) sur la sortie standard, ou dans -o.

Avec --type solde, vérifie un fichier de demandes de solde (docs/solde.md) :
même en-tête, une ligne par demande de solde, qui garde son numeroASP.

Exemples :
  segur check --date 20211025 --pieces JSON-1234567890-20211025-001.zip \
      JSON-1234567890-20211025-001.json
  segur check --type solde --date 20220315 \
      --pieces JSON-1234567890-20220315-001.zip JSON-1234567890-20220315-001.json

Sur la sortie d'erreur : un résumé (demandes acceptées, rejetées avec leur
code et libellé), les fichiers du .zip cités par aucune demande, et les
règles que seul le portail peut vérifier.

Limites (contrôle 1) : fichier JSON de %d octets (10 Mo) au plus ;
%d niveaux d'objets ou de tableaux imbriqués au plus ; %d demandes au plus ;
.zip de 200 Mo au plus, 2 000 fichiers au plus, 3 Mo par pièce.

Code de sortie : 0 toutes les demandes acceptées ; 1 au moins une demande
rejetée ; 2 fichier rejeté par le contrôle 1 (rien sur la sortie standard) ;
3 un fichier ne peut pas être lu ; 5 erreur interne ; 64 usage incorrect.
`, hop.MaxFichier, hop.MaxProfondeur, hop.MaxDemandes)

func runCheck(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "check", checkHelp)
	ans := fs.String("ans", "", "numéro ANS déclaré pour le dépôt (par défaut : celui du fichier)")
	siret := fs.String("siret", "", "SIRET du fournisseur qui dépose (par défaut : celui du fichier)")
	logiciel := fs.String("logiciel", "RI", "type de logiciel du dépôt : RI, DPI ou PFI")
	typ := fs.String("type", "avance", "type de demande du fichier : avance ou solde")
	date := fs.String("date", "", "date du dépôt AAAAMMJJ (par défaut : aujourd'hui, heure de Paris)")
	pieces := fs.String("pieces", "", "le .zip des pièces justificatives (sans lui, les pièces ne sont pas vérifiées)")
	all := fs.Bool("all", false, "lister toutes les erreurs de chaque demande (le fichier retour garde la première)")
	operateurs := fs.String("operateurs", "", "liste des opérateurs de messagerie (PFI), un par ligne (par défaut : une liste fictive)")
	out := fs.String("o", "", "écrire le fichier retour dans ce fichier plutôt que sur la sortie standard")
	files, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(files) != 1 {
		fmt.Fprintln(e.stderr, "segur check : un fichier JSON attendu, par exemple : segur check JSON-1234567890-20211025-001.json")
		return exitUsage
	}
	depot := hop.Declaration{NomFichier: filepath.Base(files[0]), NumeroAns: *ans, SIRET: *siret}
	controler := hop.Controler
	switch t, err := segur.ParseTypeDemande(*typ); {
	case err != nil:
		fmt.Fprintf(e.stderr, "segur check : --type : %v\n", err)
		return exitUsage
	case t == segur.TypeSolde:
		controler = hop.ControlerSolde
	}
	var err error
	if depot.Logiciel, err = hop.ParseLogiciel(*logiciel); err != nil {
		fmt.Fprintf(e.stderr, "segur check : --logiciel : %v\n", err)
		return exitUsage
	}
	if *date == "" {
		depot.Date = aujourdhui(time.Now())
	} else if depot.Date, err = hop.ParseDateAAAAMMJJ(*date); err != nil {
		fmt.Fprintf(e.stderr, "segur check : --date : %v\n", err)
		return exitUsage
	}
	opt := hop.Options{Toutes: *all}
	if *operateurs != "" {
		f, err := os.Open(*operateurs)
		if err != nil {
			return cannotRead(e, *operateurs, err)
		}
		opt.Operateurs, err = hop.LireOperateurs(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(e.stderr, "segur check : %s : %v\n", *operateurs, err)
			return exitLecture
		}
	}

	data, err := readBounded(files[0], hop.MaxFichier)
	if err != nil {
		return cannotRead(e, files[0], err)
	}
	if *pieces != "" {
		zf, err := os.Open(*pieces)
		if err != nil {
			return cannotRead(e, *pieces, err)
		}
		defer zf.Close()
		st, err := zf.Stat()
		if err != nil {
			return cannotRead(e, *pieces, err)
		}
		opt.Archive, opt.ArchiveErreur = hop.OpenArchive(zf, st.Size())
		if opt.ArchiveErreur != nil {
			var ae *hop.ArchiveError
			if !errors.As(opt.ArchiveErreur, &ae) {
				// An I/O failure, not a fault of the archive.
				return cannotRead(e, *pieces, opt.ArchiveErreur)
			}
		}
	}
	res, err := controler(data, depot, opt)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur check : erreur interne : %v\n", err)
		return exitInterne
	}
	if res.Rejet != nil {
		r := res.Rejet
		fmt.Fprintf(e.stderr, "%s : %s", r.Code, r.Libelle())
		if r.Ligne > 0 {
			fmt.Fprintf(e.stderr, " (ligne %d, colonne %d)", r.Ligne, r.Colonne)
		}
		fmt.Fprintf(e.stderr, "\nFichier %s rejeté par le contrôle 1 : aucune demande n'est examinée.\n", depot.NomFichier)
		if r.Code == hop.CodeNomFichierDate && *date == "" {
			fmt.Fprintln(e.stderr, "La date du dépôt est aujourd'hui par défaut ; pour une autre date : --date AAAAMMJJ.")
		}
		ignorees(e.stderr, res)
		return exitFichier
	}
	// The returned file is streamed: EcrireRetour writes it in pieces, never
	// whole in memory.
	ecrire := func(w io.Writer) error { return res.EcrireRetour(w, "", nil) }
	if *out != "" {
		if err := writeFileWith(*out, ecrire); err != nil {
			fmt.Fprintf(e.stderr, "segur check : impossible d'écrire %s : %v\n", *out, plainErr(err))
			return exitLecture
		}
	} else {
		bw := bufio.NewWriterSize(e.stdout, 64<<10)
		err := ecrire(bw)
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "segur check : écriture impossible : %v\n", plainErr(err))
			return exitLecture
		}
	}
	resume(e.stderr, depot.NomFichier, res, *all)
	if res.Acceptees() < len(res.Demandes) {
		return exitRejets
	}
	return exitOK
}

// aujourdhui is the date in Europe/Paris at t.
func aujourdhui(t time.Time) hop.Date {
	y, m, d := t.In(paris()).Date()
	return hop.Date{Annee: y, Mois: int(m), Jour: d}
}

func pluriel(n int, un, plusieurs string) string {
	if n > 1 {
		return fmt.Sprintf("%d %s", n, plusieurs)
	}
	return fmt.Sprintf("%d %s", n, un)
}

// resume writes the French summary of a file that passed control 1.
func resume(w io.Writer, nom string, res *hop.Resultat, all bool) {
	acc := res.Acceptees()
	rej := len(res.Demandes) - acc
	fmt.Fprintf(w, "%s : %s, %s, %s.\n", nom, pluriel(len(res.Demandes), "demande", "demandes"),
		pluriel(acc, "acceptée", "acceptées"), pluriel(rej, "rejetée", "rejetées"))
	if rej > 0 {
		fmt.Fprintln(w, "Demandes rejetées :")
		for i, d := range res.Demandes {
			if d.Acceptee() {
				continue
			}
			ne := d.NumeroEditeur
			if ne == "" {
				ne = "?"
			}
			errs := d.Erreurs
			if !all {
				errs = errs[:1]
			}
			if asp := res.NumeroASP(i); asp != "" {
				ne += ", numeroASP " + asp
			}
			for i, er := range errs {
				if i == 0 {
					fmt.Fprintf(w, "  numLigne %d, numeroEditeur %s : %s : %s\n", d.Position, ne, er.Code, er.Libelle())
				} else {
					fmt.Fprintf(w, "      puis %s : %s\n", er.Code, er.Libelle())
				}
			}
		}
	}
	if len(res.NonCitees) > 0 {
		fmt.Fprintf(w, "Fichiers du .zip cités par aucune demande (ignorés) : %s\n", strings.Join(res.NonCitees, ", "))
	}
	if len(res.NonExaminees) > 0 {
		fmt.Fprintf(w, "Fichiers du .zip cités par des demandes rejetées avant l'examen de leurs pièces (non vérifiés) : %s\n", strings.Join(res.NonExaminees, ", "))
	}
	ignorees(w, res)
}

func ignorees(w io.Writer, res *hop.Resultat) {
	if len(res.Ignorees) == 0 {
		return
	}
	fmt.Fprintln(w, "Règles non vérifiées hors ligne (le portail les vérifiera) :")
	for _, r := range res.Ignorees {
		fmt.Fprintf(w, "  %s : %s\n", r.Code, r.Raison)
	}
}

// readBounded reads at most max+1 bytes of a file: enough to know it is too big.
func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, errors.New("c'est un dossier")
	}
	// One allocation of the file's size and a spare byte, which the final
	// read, at the end of the file, needs; a pipe (size 0) grows as read.
	buf := make([]byte, 0, min(st.Size(), max)+1)
	for int64(len(buf)) <= max {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):min(int64(cap(buf)), max+1)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func cannotRead(e *env, path string, err error) int {
	fmt.Fprintf(e.stderr, "segur : impossible de lire %s : %v\n", path, plainErr(err))
	return exitLecture
}

// plainErr says an OS error in French where it is a common one.
func plainErr(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "fichier introuvable"
	case errors.Is(err, fs.ErrPermission):
		return "permission refusée"
	case errors.Is(err, syscall.ENOTDIR):
		return "un élément du chemin n'est pas un dossier"
	case errors.Is(err, syscall.EISDIR):
		return "c'est un dossier"
	case errors.Is(err, syscall.EROFS):
		return "système de fichiers en lecture seule"
	case errors.Is(err, syscall.ENOSPC):
		return "disque plein"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
