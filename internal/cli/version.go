package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"time"
)

const versionHelp = `Usage : segur version   (ou segur --version)

Affiche la version de segur, le commit dont il est construit et la version
de Go qui l'a compilé : ce qu'il faut joindre à un signalement.
`

func runVersion(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "version", versionHelp)
	files, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(files) != 0 {
		fmt.Fprintln(e.stderr, "segur version : aucun argument attendu.")
		return exitUsage
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprint(e.stdout, versionText(info))
	return exitOK
}

// versionText describes a build: the module's version, the commit and its
// date, whether the work tree had uncommitted changes, and the Go version.
// info is nil when the binary carries no build information.
func versionText(info *debug.BuildInfo) string {
	version, commit, date, modifie := "inconnue", "", "", false
	goVersion := runtime.Version()
	if info != nil {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		goVersion = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
					date = t.UTC().Format("2006-01-02 15:04 UTC")
				}
			case "vcs.modified":
				modifie = s.Value == "true"
			}
		}
	}
	if version == "(devel)" {
		version = "de développement"
	}
	s := "segur, version " + version + "\n"
	if commit != "" {
		s += "commit " + commit
		if date != "" {
			s += " du " + date
		}
		if modifie {
			s += ", avec des modifications non validées"
		}
		s += "\n"
	} else {
		s += "commit inconnu (construit hors d'un dépôt git)\n"
	}
	return s + "compilé avec " + goVersion + " pour " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
}
