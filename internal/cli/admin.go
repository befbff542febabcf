package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// adminHelp is segur admin's help; adminUsage adds the list of its
// objects and actions, from adminObjets.
const adminHelp = `Usage : segur admin OBJET ACTION [options]

Administration du portail, sur la même base que segur serve (utilisable
pendant qu'il tourne) : --data DOSSIER (SQLite, ./segur-data par défaut) ou
--db postgres://... ; variables SEGUR_DATA et SEGUR_DB.

`

const adminExemple = `
Exemple :
  segur admin vendor add --siret 88558855858745 --name "Le Beau Logiciel" \
      --email contact@lebeaulogiciel.fr --force

« segur admin OBJET --help » liste les actions d'un objet, « segur admin OBJET
ACTION --help » détaille une action.

Code de sortie : 0 fait ; 1 refusé (donnée invalide, introuvable, doublon) ;
3 fichier illisible ; 5 erreur interne ; 7 base de données injoignable ou
refusée (--db, --data) ; 64 usage incorrect.
`

// adminObjet is what segur admin manages, with its actions.
type adminObjet struct {
	nom, resume string
	actions     []adminAction
}

// adminAction is an action on an object: its options as the help shows
// them, what it does, an example, and its function.
type adminAction struct {
	nom, options, resume, exemple string
	run                           func(context.Context, *env, []string) int
}

func adminObjets() []adminObjet {
	return []adminObjet{
		{"vendor", "les fournisseurs (éditeurs) qui déposent", []adminAction{
			{"add", "--siret S --name NOM --email E [--iban I --bic B] [--force]", "enrôler un fournisseur",
				`--siret 88558855858745 --name "Le Beau Logiciel" --email contact@lebeaulogiciel.fr --force`, adminVendorAdd},
			{"list", "", "lister les fournisseurs", "", adminVendorList},
			{"suspend", "--siret S", "suspendre un fournisseur : ses dépôts (portail, API, pièces) sont refusés avec un message qui dit à qui écrire ; ses données restent consultables",
				"--siret 88558855858745", adminVendorSuspend},
			{"resume", "--siret S", "rétablir un fournisseur suspendu : ses dépôts sont de nouveau acceptés", "--siret 88558855858745", adminVendorResume},
			{"email", "--siret S --email E", "changer le courriel de contact d'un fournisseur", "--siret 88558855858745 --email compta@lebeaulogiciel.fr", adminVendorEmail},
			{"iban list", "", "lister les changements de coordonnées bancaires en attente d'approbation, le plus ancien d'abord (ceux non approuvés dans les 30 jours ont expiré)", "", adminVendorIbanList},
			{"iban propose", "--siret S --iban I --bic B --justificatif FICHIER --as LOGIN", "proposer de nouvelles coordonnées bancaires, avec le relevé d'identité bancaire (RIB : PDF, PNG ou JPG, 3 Mo au plus) ; elles prennent effet quand un autre administrateur les approuve dans les 30 jours (--as : votre identifiant d'administrateur du portail, authentifié par votre mot de passe du portail, saisi au terminal ou lu sur l'entrée standard)",
				"--siret 88558855858745 --iban FR7630004008230001234567819 --bic BNPAFRPP --justificatif rib.pdf --as alice@asp.fr", adminVendorIbanPropose},
			{"iban approve", "--siret S --as LOGIN [--contact E]", "approuver le changement de coordonnées bancaires en attente, après l'avoir comparé au relevé joint : pas celui qui l'a proposé (séparation des tâches) ; le fournisseur et ses utilisateurs sont avertis par courriel",
				"--siret 88558855858745 --as bob@asp.fr", adminVendorIbanApprove},
			{"iban reject", "--siret S --reason MOTIF --as LOGIN", "rejeter (ou retirer) le changement de coordonnées bancaires en attente, avec son motif",
				`--siret 88558855858745 --reason "RIB au nom d'une autre société" --as bob@asp.fr`, adminVendorIbanReject},
		}},
		{"ans", "les numéros de référencement ANS des logiciels d'un fournisseur", []adminAction{
			{"add", "--siret S --ans NUMERO --logiciel RI|DPI|PFI --product NOM", "enregistrer un numéro ANS",
				`--siret 88558855858745 --ans 1234567890 --logiciel RI --product "RI du Beau Logiciel"`, adminAnsAdd},
			{"list", "--siret S", "lister les numéros ANS d'un fournisseur", "--siret 88558855858745", adminAnsList},
		}},
		{"user", "les comptes des pages du portail", []adminAction{
			{"add", "--login E --name NOM --role fournisseur|instructeur|payeur|admin\n           [--siret S] [--url URL] [--password-stdin]",
				"créer un compte ; la personne reçoit une invitation par courriel, avec un lien valable 7 jours pour choisir son mot de passe (envoyée par segur serve avec --smtp) ; avec --password-stdin, le mot de passe est lu sur l'entrée standard et aucune invitation n'est envoyée",
				`--login jean@lebeaulogiciel.fr --name "Jean Dupont" --role fournisseur --siret 88558855858745`, adminUserAdd},
			{"unlock", "--login E", "débloquer les connexions d'un compte : ses échecs de connexion, de toutes les adresses, sont effacés",
				"--login jean@lebeaulogiciel.fr", adminUserUnlock},
			{"disable", "--login E", "désactiver un compte : la personne ne peut plus se connecter ; ses sessions et les jetons d'API qu'elle a créés prennent fin aussitôt (ni soi-même ni le dernier administrateur)",
				"--login jean@lebeaulogiciel.fr", adminUserDisable},
			{"enable", "--login E", "réactiver un compte désactivé, sans ses anciennes sessions ni ses anciens jetons", "--login jean@lebeaulogiciel.fr", adminUserEnable},
			{"roles", "--login E --role instructeur,payeur,admin", "changer les rôles d'un agent (le dernier administrateur garde le sien)",
				"--login marie@asp.fr --role instructeur,payeur", adminUserRoles},
			{"reset", "--login E [--url URL]", "réinitialiser un mot de passe : l'ancien ne fonctionne plus, les sessions sont fermées, un courriel envoie un lien à usage unique pour en choisir un nouveau",
				"--login marie@asp.fr", adminUserReset},
		}},
		{"token", "les jetons d'API des fournisseurs", []adminAction{
			{"add", "--siret S            (écrit le jeton seul sur la sortie standard)", "créer un jeton d'API, affiché une seule fois", "--siret 88558855858745", adminTokenAdd},
			{"list", "--siret S", "lister les jetons d'un fournisseur", "--siret 88558855858745", adminTokenList},
			{"revoke", "--siret S --prefix PREFIXE", "révoquer un jeton", "--siret 88558855858745 --prefix sgr_AbCd", adminTokenRevoke},
		}},
		{"agent-token", "les jetons d'API des agents (sga_…, API de l'agence en lecture seule), que chaque agent crée dans « Mon compte »", []adminAction{
			{"list", "--login E", "lister les jetons d'un agent, révoqués compris, avec leur numéro", "--login marie@asp.fr", adminAgentTokenList},
			{"revoke", "--id N | --token-stdin [--login E]", "révoquer un jeton d'agent (fuite, départ) : l'API de l'agence le refuse dès sa prochaine requête ; avec --token-stdin, le jeton qui a fuité est lu sur l'entrée standard (sans son numéro) ; avec --login, seulement s'il est bien celui de cet agent",
				"--id 12 --login marie@asp.fr", adminAgentTokenRevoke},
		}},
		{"window", "les campagnes de dépôt", []adminAction{
			{"add", `--logiciel RI|DPI|PFI --type avance|solde --from "AAAA-MM-JJ HH:MM" --to "AAAA-MM-JJ HH:MM"`, "ouvrir une campagne de dépôt",
				`--logiciel RI --type avance --from "2026-12-01 14:00" --to "2027-03-31 12:00"`, adminWindowAdd},
			{"list", "", "lister les campagnes", "", adminWindowList},
			{"edit", `--id N --to "AAAA-MM-JJ HH:MM"`, "avancer ou reculer la fermeture d'une campagne pas encore close (pas dans le passé)",
				`--id 1 --to "2027-04-30 12:00"`, adminWindowEdit},
			{"close", "--id N", "fermer maintenant une campagne ouverte", "--id 1", adminWindowClose},
			{"cancel", "--id N", "annuler une campagne qui n'a pas encore ouvert (aucun dépôt n'y a été fait) : elle est retirée, le journal d'audit garde ses dates", "--id 2", adminWindowCancel},
		}},
		{"reference", "le référentiel des établissements et de leurs plafonds", []adminAction{
			{"import", "FICHIER.csv   (FINESS;nom;plafond RI;plafond DPI;plafond PFI, en euros HT)", "importer une nouvelle version du référentiel", "referentiel.csv", adminReferenceImport},
		}},
		{"blobs", "les fichiers stockés", []adminAction{
			{"gc", "[--blobs s3://…] [--apply]   (sans --apply, liste seulement)", "lister, et avec --apply supprimer, les fichiers stockés (dossier --data, ou S3 avec --blobs) qu'aucune ligne de la base ne référence, vieux de plus d'un jour", "--apply", adminBlobsGC},
		}},
		{"mail", "la file d'envoi des courriels aux fournisseurs", []adminAction{
			{"list", "[--etat a_envoyer|en_echec|envoye] [--limit N]   (la file des courriels)", "lister les courriels, les plus récents d'abord", "--etat en_echec", adminMailList},
			{"retry", "--id N              (renvoyer un courriel maintenant)", "renvoyer un courriel au prochain passage de segur serve", "--id 12", adminMailRetry},
		}},
		{"audit", "le journal d'audit, chaîné et scellé par une autorité d'horodatage", []adminAction{
			{"seal", "--tsa URL [--tsa-ca FICHIER.pem]", "sceller le journal d'audit : faire horodater (RFC 3161) la valeur de sa chaîne à son dernier événement",
				"--tsa https://horodatage.example/tsa --tsa-ca autorite.pem", adminAuditSeal},
			{"verify", "[--tsa-ca FICHIER.pem]", "vérifier la chaîne du journal d'audit et chacun de ses sceaux",
				"--tsa-ca autorite.pem", adminAuditVerify},
		}},
	}
}

// adminUsage is segur admin's whole help.
func adminUsage() string {
	var b strings.Builder
	b.WriteString(adminHelp)
	for _, o := range adminObjets() {
		for _, a := range o.actions {
			fmt.Fprintln(&b, strings.TrimRight("  "+o.nom+" "+a.nom+" "+a.options, " "))
		}
	}
	b.WriteString("  backup --to DOSSIER      (sauvegarder le dossier --data, même pendant segur serve)\n")
	b.WriteString("  restore --from DOSSIER   (restaurer une sauvegarde dans un dossier --data vide)\n")
	b.WriteString("  verify [--blobs s3://…]  (vérifier la base et les fichiers stockés)\n")
	b.WriteString("  alertes                  (calculer maintenant les alertes des demandes en attente de calcul)\n")
	b.WriteString(adminExemple)
	return b.String()
}

// usage is the help of one object: its actions.
func (o adminObjet) usage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage : segur admin %s ACTION [options]\n\nAdministration : %s.\n\nActions :\n", o.nom, o.resume)
	for _, a := range o.actions {
		fmt.Fprintf(&b, "  %-7s %s\n", a.nom, a.resume)
	}
	fmt.Fprintf(&b, "\n« segur admin %s ACTION --help » détaille une action.\n", o.nom)
	return b.String()
}

func (o adminObjet) noms() string {
	var n []string
	for _, a := range o.actions {
		n = append(n, a.nom)
	}
	return strings.Join(n, ", ")
}

// adminActionHelp is the help of the action name ("vendor add").
func adminActionHelp(name string) string {
	for _, o := range adminObjets() {
		for _, a := range o.actions {
			if o.nom+" "+a.nom == name {
				opts := strings.ReplaceAll(a.options, "\n           ", "\n      ")
				r, n := utf8.DecodeRuneInString(a.resume)
				return fmt.Sprintf("%s\n\n%c%s.\n\nSur la même base que segur serve : --data DOSSIER (SQLite, ./segur-data par\n"+
					"défaut) ou --db postgres://... ; variables SEGUR_DATA et SEGUR_DB.\n\nExemple :\n  %s\n",
					strings.TrimRight("Usage : segur admin "+name+" "+opts, " "), unicode.ToUpper(r), a.resume[n:],
					strings.TrimSpace("segur admin "+name+" "+a.exemple))
			}
		}
	}
	return adminUsage()
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

// dbFlags are the flags that say which database to open.
type dbFlags struct {
	data, db *string
}

func addDBFlags(fs *flag.FlagSet) dbFlags {
	data := os.Getenv("SEGUR_DATA")
	if data == "" {
		data = "segur-data"
	}
	return dbFlags{
		data: fs.String("data", data, "dossier des données (base SQLite et fichiers)"),
		db:   fs.String("db", os.Getenv("SEGUR_DB"), "base PostgreSQL (postgres://...) au lieu de SQLite"),
	}
}

// option is how a command names the same database as this one: "" for
// the default folder, --data DOSSIER for another, --db "$SEGUR_DB" for
// PostgreSQL (whose address may hold a password, never printed).
func (f dbFlags) option() string {
	switch {
	case *f.db != "":
		return ` --db "$SEGUR_DB"`
	case *f.data == "segur-data" && os.Getenv("SEGUR_DATA") == "":
		return ""
	case strings.ContainsAny(*f.data, " '\"$\\`"):
		return " --data '" + strings.ReplaceAll(*f.data, "'", `'\''`) + "'"
	}
	return " --data " + *f.data
}

// sqlite is the SQLite file of --data.
func (f dbFlags) sqlite() string { return filepath.Join(*f.data, "segur.db") }

// baseAbsente says, for a command that checks an existing base (verify,
// audit verify), that --data holds no SQLite file, and reports true:
// opening it would create a new, empty base, in which nothing is wrong.
func (f dbFlags) baseAbsente(e *env, cmd string) bool {
	if *f.db != "" {
		return false
	}
	if _, err := os.Stat(f.sqlite()); err == nil {
		return false
	}
	fmt.Fprintf(e.stderr, "segur %s : base SQLite « %s » introuvable : vérifiez --data (ou SEGUR_DATA)\n", cmd, f.sqlite())
	return true
}

// open opens the database; SQLite is created and migrated on first use,
// PostgreSQL must have been migrated by segur migrate.
func (f dbFlags) open(ctx context.Context) (*sqlstore.DB, error) {
	url := *f.db
	if url == "" {
		// The folder holds the database and the deposited files: its
		// user's only, when segur creates it.
		if err := os.MkdirAll(*f.data, 0o700); err != nil {
			return nil, &sqlstore.ConnectError{Message: fmt.Sprintf("dossier des données « %s » : %s : vérifiez --data (ou SEGUR_DATA)", *f.data, plainErr(err)), Err: err}
		}
		url = "sqlite://" + f.sqlite()
	}
	db, err := sqlstore.Open(ctx, url, time.Now)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(url, "sqlite:") {
		if err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

func runAdmin(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprint(e.stderr, adminUsage())
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	// backup and restore act on the whole data folder, not on an object.
	switch args[0] {
	case "backup":
		return adminBackup(ctx, e, args[1:])
	case "restore":
		return adminRestore(ctx, e, args[1:])
	case "verify": // the whole database and stored files, too
		return adminVerify(ctx, e, args[1:])
	case "alertes": // every request, not one object
		return adminAlertes(ctx, e, args[1:])
	}
	var objet *adminObjet
	objets := adminObjets()
	var noms []string
	for i, o := range objets {
		noms = append(noms, o.nom)
		if o.nom == args[0] {
			objet = &objets[i]
		}
	}
	if objet == nil {
		fmt.Fprintf(e.stderr, "segur admin : objet « %s » inconnu ; objets : %s.\n« segur admin --help » les détaille.\n", args[0], strings.Join(noms, ", "))
		return exitUsage
	}
	if len(args) == 1 || isHelp(args[1]) {
		fmt.Fprint(e.stderr, objet.usage())
		if len(args) == 1 {
			return exitUsage
		}
		return exitOK
	}
	for _, a := range objet.actions {
		// An action may have two words (vendor iban propose).
		mots := strings.Fields(a.nom)
		if len(args) > len(mots) && strings.Join(args[1:1+len(mots)], " ") == a.nom {
			host, _ := os.Hostname()
			ctx = segur.WithActeur(ctx, segur.Acteur{Login: "cli", Adresse: host})
			return a.run(ctx, e, args[1+len(mots):])
		}
	}
	fmt.Fprintf(e.stderr, "segur admin %s : action « %s » inconnue ; actions : %s.\n« segur admin %s --help » les détaille.\n",
		objet.nom, args[1], objet.noms(), objet.nom)
	return exitUsage
}

// adminCmd parses a leaf command's flags, opens the database and runs do.
func adminCmd(ctx context.Context, e *env, name string, args []string, define func(fs *flag.FlagSet) func() error,
	do func(db *sqlstore.DB) error) int {
	fs := newFlagSet(e, "admin "+name, adminActionHelp(name))
	dbf := addDBFlags(fs)
	check := define(fs)
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "segur admin %s : argument « %s » inattendu\n", name, rest[0])
		return exitUsage
	}
	if err := check(); err != nil {
		fmt.Fprintf(e.stderr, "segur admin %s : %v\n", name, err)
		return exitUsage
	}
	db, err := dbf.open(ctx)
	if err != nil {
		return reportErr(e, "admin "+name, err)
	}
	defer db.Close()
	if err := do(db); err != nil {
		return reportErr(e, "admin "+name, err)
	}
	return exitOK
}

// reportErr writes an error for users and returns its exit status: a
// database that cannot be opened (unreachable, credentials refused, folder
// missing) is exitBase, a refusal (invalid, not found, conflict...) 1,
// anything else internal.
func reportErr(e *env, cmd string, err error) int {
	var le *lectureError
	if errors.As(err, &le) {
		return cannotRead(e, le.path, le.err)
	}
	var ce *sqlstore.ConnectError
	if errors.As(err, &ce) {
		fmt.Fprintf(e.stderr, "segur %s : %s\n", cmd, ce.Message)
		return exitBase
	}
	var se *segur.Error
	if errors.As(err, &se) && se.Code == segur.EUNAVAILABLE {
		fmt.Fprintf(e.stderr, "segur %s : %s\n", cmd, se.Message)
		return exitBase
	}
	if errors.As(err, &se) && se.Code == segur.ENOSPACE {
		fmt.Fprintf(e.stderr, "segur %s : %s\n", cmd, se.Message)
		return exitInterne
	}
	if errors.As(err, &se) && se.Code != segur.EINTERNAL {
		fmt.Fprintf(e.stderr, "segur %s : %s\n", cmd, se.Message)
		return 1
	}
	fmt.Fprintf(e.stderr, "segur %s : erreur interne : %v\n", cmd, err)
	return exitInterne
}

func required(vals map[string]*string) func() error {
	return func() error {
		for name, v := range vals {
			if strings.TrimSpace(*v) == "" {
				return fmt.Errorf("--%s est obligatoire", name)
			}
		}
		return nil
	}
}

func adminVendorAdd(ctx context.Context, e *env, args []string) int {
	var siret, name, email, iban, bic *string
	var force *bool
	return adminCmd(ctx, e, "vendor add", args, func(fs *flag.FlagSet) func() error {
		siret = fs.String("siret", "", "SIRET du fournisseur (14 chiffres)")
		name = fs.String("name", "", "raison sociale")
		email = fs.String("email", "", "e-mail de contact")
		iban = fs.String("iban", "", "IBAN (avec --bic)")
		bic = fs.String("bic", "", "BIC (avec --iban)")
		force = fs.Bool("force", false, "accepter un SIRET dont la clé est fausse (SIRET de test)")
		return required(map[string]*string{"siret": siret, "name": name, "email": email})
	}, func(db *sqlstore.DB) error {
		f := &segur.Fournisseur{SIRET: *siret, Nom: *name, Email: *email, IBAN: *iban, BIC: *bic}
		if err := f.Valider(*force); err != nil {
			return err
		}
		if err := db.CreateFournisseur(ctx, f); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Fournisseur %s enrôlé : %s.\n", f.SIRET, f.Nom)
		return nil
	})
}

func adminVendorList(ctx context.Context, e *env, args []string) int {
	return adminCmd(ctx, e, "vendor list", args, func(*flag.FlagSet) func() error { return func() error { return nil } },
		func(db *sqlstore.DB) error {
			fs, err := db.FindFournisseurs(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "SIRET\tRAISON SOCIALE\tE-MAIL\tIBAN\tÉTAT")
			for _, f := range fs {
				etat := "actif"
				if f.Suspendu() {
					etat = "suspendu le " + dateHeure(f.SuspenduLe)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", f.SIRET, f.Nom, f.Email, f.IBAN, etat)
			}
			return w.Flush()
		})
}

func adminAnsAdd(ctx context.Context, e *env, args []string) int {
	var siret, ans, logiciel, product *string
	return adminCmd(ctx, e, "ans add", args, func(fs *flag.FlagSet) func() error {
		siret = fs.String("siret", "", "SIRET du fournisseur")
		ans = fs.String("ans", "", "numéro de référencement ANS (10 caractères)")
		logiciel = fs.String("logiciel", "", "type de logiciel : RI, DPI ou PFI")
		product = fs.String("product", "", "nom du produit")
		return required(map[string]*string{"siret": siret, "ans": ans, "logiciel": logiciel, "product": product})
	}, func(db *sqlstore.DB) error {
		f, err := db.FindFournisseurBySIRET(ctx, strings.TrimSpace(*siret))
		if err != nil {
			return err
		}
		p := &segur.Produit{NumeroAns: *ans, FournisseurID: f.ID, Logiciel: hop.Logiciel(strings.ToUpper(*logiciel)), Nom: *product}
		if err := p.Valider(); err != nil {
			return err
		}
		if err := db.CreateProduit(ctx, p); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Numéro ANS %s (%s, %s) enregistré pour %s.\n", p.NumeroAns, p.Logiciel, p.Nom, f.Nom)
		return nil
	})
}

func adminAnsList(ctx context.Context, e *env, args []string) int {
	var siret *string
	return adminCmd(ctx, e, "ans list", args, func(fs *flag.FlagSet) func() error {
		siret = fs.String("siret", "", "SIRET du fournisseur")
		return required(map[string]*string{"siret": siret})
	}, func(db *sqlstore.DB) error {
		f, err := db.FindFournisseurBySIRET(ctx, strings.TrimSpace(*siret))
		if err != nil {
			return err
		}
		ps, err := db.FindProduits(ctx, f.ID)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NUMÉRO ANS\tLOGICIEL\tPRODUIT")
		for _, p := range ps {
			fmt.Fprintf(w, "%s\t%s\t%s\n", p.NumeroAns, p.Logiciel, p.Nom)
		}
		return w.Flush()
	})
}

func adminUserAdd(ctx context.Context, e *env, args []string) int {
	var login, name, role, siret, public *string
	var fromStdin *bool
	return adminCmd(ctx, e, "user add", args, func(fs *flag.FlagSet) func() error {
		login = fs.String("login", "", "identifiant : l'adresse électronique de la personne")
		name = fs.String("name", "", "nom de la personne")
		role = fs.String("role", "", "fournisseur, ou un ou plusieurs rôles de l'agence séparés par des virgules : instructeur, payeur, admin (ex. instructeur,admin)")
		siret = fs.String("siret", "", "SIRET du fournisseur (rôle fournisseur seulement)")
		public = fs.String("url", envOr("SEGUR_URL", defautURL), "adresse publique du portail, pour le lien de l'invitation (celle de segur serve --url)")
		fromStdin = fs.Bool("password-stdin", false, "lire le mot de passe sur l'entrée standard, sans invitation (sinon la personne le choisit par le lien de son invitation)")
		return required(map[string]*string{"login": login, "name": name, "role": role})
	}, func(db *sqlstore.DB) error {
		roles, err := segur.ParseRoles(*role)
		if err != nil {
			return err
		}
		r := roles[0]
		u := &segur.Utilisateur{Login: *login, Nom: *name, Roles: roles}
		switch {
		case r == segur.RoleFournisseur && *siret == "":
			return segur.Errorf(segur.EINVALID, "le rôle fournisseur demande --siret")
		case r != segur.RoleFournisseur && *siret != "":
			return segur.Errorf(segur.EINVALID, "--siret ne vaut que pour le rôle fournisseur")
		case *siret != "":
			f, err := db.FindFournisseurBySIRET(ctx, strings.TrimSpace(*siret))
			if err != nil {
				return err
			}
			u.FournisseurID = f.ID
		}
		if err := u.Valider(); err != nil {
			return err
		}
		if *fromStdin {
			line, err := bufio.NewReader(e.stdin).ReadString('\n')
			if err != nil && line == "" {
				return segur.Errorf(segur.EINVALID, "mot de passe attendu sur l'entrée standard")
			}
			hash, err := auth.HashPassword(strings.TrimRight(line, "\r\n"))
			if err != nil {
				return segur.Errorf(segur.EINVALID, "%v", err)
			}
			u.MotDePasse = hash
			if err := db.CreateUtilisateur(ctx, u); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "Utilisateur %s (%s) créé.\n", u.Login, u.RolesTexte())
			return nil
		}
		base, err := parsePortalURL(*public)
		if err != nil {
			return segur.Errorf(segur.EINVALID, "--url : %v", err)
		}
		token, digest := auth.NewLinkToken()
		d := segur.DemandeLien{Login: u.Login, Objet: segur.LienActivation, Empreinte: digest,
			URL: segur.LienMotDePasse(base, token), Connexion: strings.TrimRight(base, "/") + "/connexion",
			AgentsProConnect: os.Getenv("SEGUR_AGENTS_PROCONNECT_SEULEMENT") == "1"}
		if err := db.CreateUtilisateurInvite(ctx, u, d); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Utilisateur %s (%s) créé.\n", u.Login, u.RolesTexte())
		if d.AvecLien(u) {
			fmt.Fprintf(e.stdout, "Invitation pour %s dans la file d'envoi : un lien valable 7 jours pour choisir son mot de passe, sur %s (envoyée par segur serve avec --smtp ; segur admin mail list la montre).\n", u.Login, base)
		} else {
			fmt.Fprintf(e.stdout, "Invitation pour %s dans la file d'envoi : les agents se connectent avec ProConnect, sans mot de passe du portail.\n", u.Login)
		}
		return nil
	})
}

// defautURL is the portal's address when neither --url nor SEGUR_URL names
// it: segur serve's, by default.
const defautURL = "http://127.0.0.1:8080"

func adminTokenAdd(ctx context.Context, e *env, args []string) int {
	var siret *string
	return adminCmd(ctx, e, "token add", args, func(fs *flag.FlagSet) func() error {
		siret = fs.String("siret", "", "SIRET du fournisseur")
		return required(map[string]*string{"siret": siret})
	}, func(db *sqlstore.DB) error {
		f, err := db.FindFournisseurBySIRET(ctx, strings.TrimSpace(*siret))
		if err != nil {
			return err
		}
		tok, digest, prefix, err := auth.NewToken()
		if err != nil {
			return err
		}
		if err := db.CreateJeton(ctx, &segur.Jeton{FournisseurID: f.ID, Empreinte: digest, Prefixe: prefix}); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, tok)
		fmt.Fprintf(e.stderr, "Jeton %s… créé pour %s : il n'est affiché qu'une fois.\n", prefix, f.Nom)
		return nil
	})
}

func adminTokenList(ctx context.Context, e *env, args []string) int {
	var siret *string
	return adminCmd(ctx, e, "token list", args, func(fs *flag.FlagSet) func() error {
		siret = fs.String("siret", "", "SIRET du fournisseur")
		return required(map[string]*string{"siret": siret})
	}, func(db *sqlstore.DB) error {
		f, err := db.FindFournisseurBySIRET(ctx, strings.TrimSpace(*siret))
		if err != nil {
			return err
		}
		js, err := db.FindJetons(ctx, f.ID)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "PRÉFIXE\tCRÉÉ LE\tEXPIRE LE\tDERNIER USAGE\tRÉVOQUÉ LE")
		for _, j := range js {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", j.Prefixe, dateHeure(j.CreeLe), dateHeure(j.ExpireLe), dateHeure(j.DernierUsage), dateHeure(j.RevoqueLe))
		}
		if err := w.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "%s pour %s.\n", pluriel(len(js), "jeton", "jetons"), f.Nom)
		return nil
	})
}

func adminTokenRevoke(ctx context.Context, e *env, args []string) int {
	var siret, prefix *string
	return adminCmd(ctx, e, "token revoke", args, func(fs *flag.FlagSet) func() error {
		siret = fs.String("siret", "", "SIRET du fournisseur")
		prefix = fs.String("prefix", "", "préfixe du jeton (segur admin token list)")
		return required(map[string]*string{"siret": siret, "prefix": prefix})
	}, func(db *sqlstore.DB) error {
		f, err := db.FindFournisseurBySIRET(ctx, strings.TrimSpace(*siret))
		if err != nil {
			return err
		}
		js, err := db.FindJetons(ctx, f.ID)
		if err != nil {
			return err
		}
		for _, j := range js {
			if j.Prefixe == *prefix {
				if err := db.RevokeJeton(ctx, j.ID); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "Jeton %s… révoqué.\n", j.Prefixe)
				return nil
			}
		}
		return segur.Errorf(segur.ENOTFOUND, "aucun jeton %s… pour %s", *prefix, f.Nom)
	})
}

// paris is the zone of business dates.
func paris() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return loc
}

func dateHeure(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(paris()).Format("02/01/2006 15:04")
}

func adminWindowAdd(ctx context.Context, e *env, args []string) int {
	var logiciel, typ, from, to *string
	return adminCmd(ctx, e, "window add", args, func(fs *flag.FlagSet) func() error {
		logiciel = fs.String("logiciel", "", "type de logiciel : RI, DPI ou PFI")
		typ = fs.String("type", "avance", "type de demande : avance ou solde")
		from = fs.String("from", "", "ouverture, « AAAA-MM-JJ HH:MM » heure de Paris")
		to = fs.String("to", "", "fermeture, « AAAA-MM-JJ HH:MM » heure de Paris")
		return required(map[string]*string{"logiciel": logiciel, "from": from, "to": to})
	}, func(db *sqlstore.DB) error {
		debut, err1 := time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(*from), paris())
		fin, err2 := time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(*to), paris())
		if err1 != nil || err2 != nil {
			return segur.Errorf(segur.EINVALID, "dates : attendu « AAAA-MM-JJ HH:MM », par exemple « 2026-12-01 14:00 »")
		}
		f := &segur.Fenetre{Logiciel: hop.Logiciel(*logiciel), Type: segur.TypeDemande(*typ), Debut: debut.UTC(), Fin: fin.UTC()}
		if err := f.Valider(); err != nil {
			return err
		}
		if err := db.CreateFenetre(ctx, f); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Campagne %s %s ouverte du %s au %s (heure de Paris).\n", f.Type, f.Logiciel, dateHeure(debut), dateHeure(fin))
		return nil
	})
}

func adminWindowList(ctx context.Context, e *env, args []string) int {
	return adminCmd(ctx, e, "window list", args, func(*flag.FlagSet) func() error { return func() error { return nil } },
		func(db *sqlstore.DB) error {
			fs, err := db.FindFenetres(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "N°\tLOGICIEL\tTYPE\tOUVERTURE\tFERMETURE")
			for _, f := range fs {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", f.ID, f.Logiciel, f.Type, dateHeure(f.Debut), dateHeure(f.Fin))
			}
			return w.Flush()
		})
}

func adminReferenceImport(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "admin reference import", adminActionHelp("reference import"))
	dbf := addDBFlags(fs)
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) != 1 {
		fmt.Fprintln(e.stderr, "segur admin reference import : un fichier CSV attendu")
		return exitUsage
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return cannotRead(e, rest[0], err)
	}
	ref, err := segur.LireReference(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(e.stderr, "segur admin reference import : %v\n", err)
		return 1
	}
	db, err := dbf.open(ctx)
	if err != nil {
		return reportErr(e, "admin reference import", err)
	}
	defer db.Close()
	v, err := db.CreateReference(ctx, ref)
	if err != nil {
		return reportErr(e, "admin reference import", err)
	}
	fmt.Fprintf(e.stderr, "Référentiel importé : version %d, %d établissements.\n", v, len(ref))
	return exitOK
}
