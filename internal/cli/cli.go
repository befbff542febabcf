// Package cli is segur's command line: one file per subcommand. Main is its
// only entry point; tests call it in process.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// Exit statuses, shared by every subcommand (the README and each command's
// help list those it returns).
const (
	exitOK      = 0
	exitRejets  = 1  // at least one request rejected
	exitFichier = 2  // the file is rejected by control 1
	exitLecture = 3  // a file cannot be read
	exitPortail = 4  // the portal refused a deposit or a call of its API (submit, status, build --url)
	exitInterne = 5  // internal error; for submit and status, the network failed
	exitService = 6  // serve cannot listen on its address (in use, forbidden)
	exitUsage   = 64 // wrong usage
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) int
}

// env is what every subcommand gets: its standard streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func commands() []command {
	return []command{
		{"check", "vérifier un fichier JSON-HOP et son .zip comme le portail", runCheck},
		{"codes", "lister les codes de résultat et les interprétations", runCodes},
		{"template", "écrire le modèle JSON-HOP vide", runTemplate},
		{"schema", "écrire le schéma JSON (draft 2020-12) du format", runSchema},
		{"build", "fabriquer les fichiers JSON-HOP et leurs .zip depuis un carnet de commandes", runBuild},
		{"submit", "déposer un fichier et son .zip sur le portail, par son API", runSubmit},
		{"status", "lister ses demandes sur le portail, avec leur statut", runStatus},
		{"admin", "administrer le portail : fournisseurs, numéros ANS, comptes, jetons, campagnes", runAdmin},
		{"serve", "servir le portail de dépôt de l'agence et son API", runServe},
		{"migrate", "mettre à jour le schéma d'une base PostgreSQL", runMigrate},
		{"version", "afficher la version, le commit et la version de Go", runVersion},
	}
}

// Main runs the segur command with args (without the program name) and
// returns the process exit status.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	defer func() {
		if r := recover(); r != nil {
			// Never show a stack trace to a user; keep it for a bug report.
			fmt.Fprintf(stderr, "segur : erreur interne (%v).\n", r)
			if os.Getenv("SEGUR_DEBUG") != "" {
				stderr.Write(debug.Stack())
			}
			code = exitInterne
		}
	}()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage())
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" || args[0] == "-version" {
		return runVersion(ctx, e, args[1:])
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "segur : commande « %s » inconnue.\n\n%s", args[0], usage())
	return exitUsage
}

func usage() string {
	var b strings.Builder
	b.WriteString("segur : les demandes de financement du Ségur numérique (format JSON-HOP)\n\nUsage : segur COMMANDE [options]\n\nCommandes :\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	b.WriteString("\n« segur COMMANDE --help » détaille une commande.\n")
	return b.String()
}

// parseArgs parses flags that may come before or after the positional
// arguments, as users type them. It returns the positional arguments, or a
// usage status when parsing failed or help was asked.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func newFlagSet(e *env, name, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, help)
		fmt.Fprintln(e.stderr, "\nOptions :")
		printOptions(e.stderr, fs)
	}
	return fs
}

// printOptions lists a command's options in French (flag.PrintDefaults
// writes "default" in English).
func printOptions(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if len(f.Name) == 1 {
			line = "  -" + f.Name
		}
		switch name {
		case "":
		case "string":
			line += " VALEUR"
		case "int":
			line += " NOMBRE"
		default:
			line += " " + strings.ToUpper(name)
		}
		fmt.Fprintf(w, "%s\n      %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (par défaut : %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// writeFileAtomic writes a file whole or not at all: a temporary file in
// the same folder, synced, then renamed.
func writeFileAtomic(path string, data []byte) error {
	return writeFileWith(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeFileWith writes a file whole or not at all, through write: to a
// temporary file in the same folder, buffered, synced, then renamed over
// path. A path that exists and is not a regular file (/dev/null,
// /dev/stdout, a named pipe) is written to directly: renaming over it
// would replace the device with a file.
func writeFileWith(path string, write func(io.Writer) error) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		if st.IsDir() {
			return errors.New("c'est un dossier")
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 64<<10)
		err = write(bw)
		if err == nil {
			err = bw.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err = write(bw); err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
