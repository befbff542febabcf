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
	"strconv"
	"strings"
	"time"
)

// Exit statuses, shared by every subcommand (the README and each command's
// help list those it returns).
const (
	exitOK      = 0
	exitRejets  = 1  // at least one request rejected
	exitFichier = 2  // the file is rejected by control 1
	exitLecture = 3  // a file cannot be read
	exitPortail = 4  // the portal refused a deposit or a call of its API, or --url is not a portal's (submit, status, build --url)
	exitInterne = 5  // internal error; for submit, status and build --url, the network or the portal's server failed
	exitService = 6  // serve cannot listen on its address (in use, forbidden)
	exitBase    = 7  // the database cannot be opened: unreachable, credentials or name refused, unreadable folder (serve, migrate, admin)
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
		{"health", "demander à un portail s'il répond (sonde de santé, pour un conteneur)", runHealth},
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
// usage status when parsing failed or help was asked. The flag package's
// own messages are English and followed by the whole help: they are
// silenced, and a refused option is said in French (flagError), with the
// way to the help.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	out, help := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	defer func() {
		fs.SetOutput(out)
		fs.Usage = help
	}()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				help()
				return nil, exitOK, false
			}
			fmt.Fprintf(out, "segur %s : %s\n« segur %s --help » détaille les options.\n", fs.Name(), flagError(fs, args), fs.Name())
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

// flagError says in French which option of args fs.Parse refused, and what
// it expects. The flag package's errors are English text only: args are
// read again here, by the package's grammar (-name, --name, -name=value,
// -name value; a boolean takes no separate value; the options end at the
// first argument that is not one).
func flagError(fs *flag.FlagSet, args []string) string {
	for i := 0; i < len(args); i++ {
		s := args[i]
		if len(s) < 2 || s[0] != '-' || s == "--" {
			break
		}
		name := strings.TrimPrefix(s[1:], "-")
		if name == "" || name[0] == '-' || name[0] == '=' {
			return fmt.Sprintf("« %s » : option mal écrite ; attendu --nom ou --nom=valeur", s)
		}
		name, value, hasValue := strings.Cut(name, "=")
		f := fs.Lookup(name)
		if f == nil {
			return fmt.Sprintf("option %s inconnue%s ; options : %s", optionName(name), suggestion(fs, name), optionNames(fs))
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			if _, err := strconv.ParseBool(value); hasValue && err != nil {
				return fmt.Sprintf("%s « %s » : attendu true ou false, ou l'option seule", optionName(name), value)
			}
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return fmt.Sprintf("%s attend une valeur : %s", optionName(name), f.Usage)
			}
			i++
			value = args[i]
		}
		if want := expected(f, value); want != "" {
			return fmt.Sprintf("%s « %s » : attendu %s", optionName(name), value, want)
		}
	}
	return "option refusée"
}

// expected says what option f expects when value is not one, "" when it is
// (or when f's type is not one the flag package provides).
func expected(f *flag.Flag, value string) string {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return ""
	}
	var err error
	want := ""
	switch g.Get().(type) {
	case int, int64:
		_, err = strconv.ParseInt(value, 0, 64)
		want = "un nombre entier"
	case uint, uint64:
		_, err = strconv.ParseUint(value, 0, 64)
		want = "un nombre entier positif"
	case float64:
		_, err = strconv.ParseFloat(value, 64)
		want = "un nombre"
	case time.Duration:
		_, err = time.ParseDuration(value)
		want = "une durée, par exemple 30s ou 5m"
	}
	if err != nil {
		return want
	}
	return ""
}

// optionName is how the help writes option name: -x, or --name.
func optionName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// suggestion names the one option of fs that begins like name (-o for
// --out), "" when there is none or more than one.
func suggestion(fs *flag.FlagSet, name string) string {
	var found []string
	fs.VisitAll(func(f *flag.Flag) {
		if name != "" && strings.HasPrefix(f.Name, name) {
			found = append(found, f.Name)
		}
	})
	if len(found) != 1 {
		return ""
	}
	return " (vouliez-vous dire " + optionName(found[0]) + " ?)"
}

// optionNames lists fs's options, for the message of an unknown one.
func optionNames(fs *flag.FlagSet) string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, optionName(f.Name)) })
	if len(names) == 0 {
		return "aucune"
	}
	return strings.Join(names, ", ")
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
		case "int", "int64", "uint", "uint64", "float":
			line += " NOMBRE"
		case "duration":
			line += " DURÉE"
		case "value":
			line += " VALEUR"
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
