package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// runIn calls Main with stdin.
func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// etapeAdmin is a step of a test of segur admin: a command, its standard
// input, and what it must answer.
type etapeAdmin struct {
	name    string
	stdin   string
	args    []string
	code    int
	out     string // regexp the stdout must match, "" for empty
	errPart string // part of stderr
}

// runEtapes runs steps in order, each a subtest.
func runEtapes(t *testing.T, steps []etapeAdmin) {
	t.Helper()
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, out, errs := runIn(t, s.stdin, s.args...)
			if code != s.code {
				t.Fatalf("got exit %d, want %d; stderr:\n%s", code, s.code, errs)
			}
			if s.out == "" && out != "" {
				t.Errorf("got stdout %q, want nothing", out)
			}
			if s.out != "" && !regexp.MustCompile(s.out).MatchString(out) {
				t.Errorf("got stdout %q, want it to match %s", out, s.out)
			}
			if !strings.Contains(errs, s.errPart) {
				t.Errorf("got stderr %q, want it to contain %q", errs, s.errPart)
			}
			sansAnglais(t, errs)
		})
	}
}

func TestAdmin(t *testing.T) {
	data := t.TempDir()
	d := "--data=" + data
	steps := []etapeAdmin{
		{"SIRET de test sans --force", "", []string{"admin", "vendor", "add", d, "--siret", "88558855858745", "--name", "Le Beau Logiciel", "--email", "contact@lebeaulogiciel.fr"}, 1, "", "--force"},
		{"enrôlement", "", []string{"admin", "vendor", "add", d, "--siret", "88558855858745", "--name", "Le Beau Logiciel", "--email", "contact@lebeaulogiciel.fr", "--iban", "FR76 3000 6000 0112 3456 7890 189", "--bic", "AGRIFRPP", "--force"}, 0, "", "enrôlé"},
		{"doublon", "", []string{"admin", "vendor", "add", d, "--siret", "88558855858745", "--name", "Autre", "--email", "a@b.fr", "--force"}, 1, "", "déjà enrôlé"},
		{"IBAN faux", "", []string{"admin", "vendor", "add", d, "--siret", "35600000000048", "--name", "La Poste", "--email", "a@b.fr", "--iban", "FR7630006000011234567890188", "--bic", "AGRIFRPP"}, 1, "", "IBAN"},
		{"option manquante", "", []string{"admin", "vendor", "add", d, "--siret", "35600000000048"}, exitUsage, "", "obligatoire"},
		{"numéro ANS", "", []string{"admin", "ans", "add", d, "--siret", "88558855858745", "--ans", "1234567890", "--logiciel", "ri", "--product", "RI du Beau Logiciel"}, 0, "", "enregistré"},
		{"numéro ANS court", "", []string{"admin", "ans", "add", d, "--siret", "88558855858745", "--ans", "99999999", "--logiciel", "RI", "--product", "X"}, 1, "", "10 lettres ou chiffres"},
		{"numéro ANS d'un inconnu", "", []string{"admin", "ans", "add", d, "--siret", "35600000000048", "--ans", "1234567891", "--logiciel", "RI", "--product", "X"}, 1, "", "35600000000048"},
		{"liste des numéros", "", []string{"admin", "ans", "list", d, "--siret", "88558855858745"}, 0, `1234567890\s+RI\s+RI du Beau Logiciel`, ""},
		{"jeton", "", []string{"admin", "token", "add", d, "--siret", "88558855858745"}, 0, `^sgr_[A-Za-z0-9_-]{43}\n$`, "qu'une fois"},
		{"utilisateur", "un mot de passe assez long\n", []string{"admin", "user", "add", d, "--login", "Jean@LeBeauLogiciel.fr", "--name", "Jean", "--role", "fournisseur", "--siret", "88558855858745", "--password-stdin"}, 0, "", "jean@lebeaulogiciel.fr"},
		{"utilisateur invité", "", []string{"admin", "user", "add", d, "--login", "instructeur@asp.fr", "--name", "Marie", "--role", "instructeur", "--url", "https://segur.asp.example/"}, 0,
			`^Invitation pour instructeur@asp\.fr dans la file d'envoi : un lien valable 7 jours pour choisir son mot de passe, sur https://segur\.asp\.example \(envoyée par segur serve avec --smtp ; segur admin mail list la montre\)\.\n$`, "créé"},
		{"invitation dans la file", "", []string{"admin", "mail", "list", d}, 0, `à envoyer\s+utilisateur:instructeur@asp\.fr\s+instructeur@asp\.fr`, ""},
		{"adresse du portail fausse", "", []string{"admin", "user", "add", d, "--login", "z@asp.fr", "--name", "Z", "--role", "payeur", "--url", "ftp://x"}, 1, "", "--url"},
		{"rôle fournisseur sans SIRET", "", []string{"admin", "user", "add", d, "--login", "x@asp.fr", "--name", "X", "--role", "fournisseur"}, 1, "", "--siret"},
		{"mot de passe court", "court\n", []string{"admin", "user", "add", d, "--login", "y@asp.fr", "--name", "Y", "--role", "admin", "--password-stdin"}, 1, "", "trop court"},
		{"campagne", "", []string{"admin", "window", "add", d, "--logiciel", "RI", "--type", "avance", "--from", "2026-12-01 14:00", "--to", "2027-03-31 12:00"}, 0, "", "01/12/2026 14:00"},
		{"campagne à l'envers", "", []string{"admin", "window", "add", d, "--logiciel", "RI", "--from", "2027-12-01 14:00", "--to", "2027-03-31 12:00"}, 1, "", "suivre"},
		{"liste des campagnes", "", []string{"admin", "window", "list", d}, 0, `RI\s+avance\s+01/12/2026 14:00\s+31/03/2027 12:00`, ""},
		{"liste des fournisseurs", "", []string{"admin", "vendor", "list", d}, 0, `88558855858745\s+Le Beau Logiciel\s+contact@lebeaulogiciel.fr\s+FR7630006000011234567890189`, ""},
		{"commande inconnue", "", []string{"admin", "vendor", "remove", d}, exitUsage, "", "inconnu"},
	}
	runEtapes(t, steps)
	// Revoke the token by its prefix.
	_, list, _ := runIn(t, "", "admin", "token", "list", d, "--siret", "88558855858745")
	prefix := regexp.MustCompile(`sgr_\S+`).FindString(list)
	// Its expiry, a year after its creation.
	if m := regexp.MustCompile(prefix + `\s+\d\d/\d\d/(\d{4}) \d\d:\d\d\s+\d\d/\d\d/(\d{4}) \d\d:\d\d`).FindStringSubmatch(list); !strings.Contains(list, "EXPIRE LE") ||
		m == nil || m[2] != fmt.Sprint(atoi(m[1])+1) {
		t.Errorf("got token list %q, want its expiry a year after its creation", list)
	}
	if code, _, errs := runIn(t, "", "admin", "token", "revoke", d, "--siret", "88558855858745", "--prefix", prefix); code != 0 {
		t.Fatalf("revoke: got exit %d; %s", code, errs)
	}
	_, list, _ = runIn(t, "", "admin", "token", "list", d, "--siret", "88558855858745")
	if !regexp.MustCompile(prefix + `.*\d\d/\d\d/\d{4} \d\d:\d\d\s*$`).MatchString(strings.TrimSpace(list)) {
		t.Errorf("got token list %q, want the revocation date", list)
	}
}

func TestAdminReference(t *testing.T) {
	data := t.TempDir()
	ok := filepath.Join(data, "ref.csv")
	os.WriteFile(ok, []byte("# référentiel\n999999999;HOPITAL;10000,00;60000,00;20000,00\n"), 0o644)
	if code, _, errs := runIn(t, "", "admin", "reference", "import", "--data", data, ok); code != 0 || !strings.Contains(errs, "version 1, 1 établissements") {
		t.Errorf("got %d %q", code, errs)
	}
	bad := filepath.Join(data, "bad.csv")
	os.WriteFile(bad, []byte("999999999;HOPITAL;dix mille;1;2\n"), 0o644)
	if code, _, errs := runIn(t, "", "admin", "reference", "import", "--data", data, bad); code != 1 || !strings.Contains(errs, "ligne 1") {
		t.Errorf("got %d %q, want the line at fault", code, errs)
	}
}

// atoi is the number s writes, 0 if none.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
