package cli

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/api"
	"github.com/segur-numerique/segur/internal/carnet"
)

const submitHelp = `Usage : segur submit --url URL --token-file FICHIER [--type avance|solde] [--ledger FICHIER] FICHIER.json [FICHIER.zip] [AUTRE.json…]

Dépose sur le portail, par son API, chaque fichier JSON-HOP donné avec son
.zip de pièces : celui qui le suit dans la liste, sinon le .zip du même nom
à côté de lui, s'il existe. Une barre de progression suit l'envoi ; le
résultat de chaque demande est écrit, le fichier retour enregistré à côté du
fichier (FICHIER.retour.json, jamais redéposé), et les numéros ASP et les
numeroEditeur utilisés notés dans le carnet des numéros (par défaut
carnet-numeros.json à côté du premier fichier). Après une coupure réseau, il
réessaie sans jamais créer un second dépôt (en-tête Idempotency-Key, gardé
dans le carnet). Les fichiers sont déposés dans l'ordre donné ; le premier
dépôt refusé par le portail ou interrompu arrête les suivants.

Exemples :
  segur submit --url https://portail.exemple.fr --token-file jeton.txt \
      JSON-1234567890-20261125-001.json JSON-1234567890-20261125-001.zip
  segur submit --url https://portail.exemple.fr --token-file jeton.txt depots/JSON-*.json

Code de sortie : 0 toutes les demandes acceptées ; 1 au moins une rejetée ;
2 un fichier rejeté par le contrôle 1 ; 3 un fichier illisible ; 4 dépôt
refusé par le portail (authentification, doublon, campagne, taille), ou
adresse qui n'est pas celle d'un portail ; 5 échec du réseau après nouvelles
tentatives ; 64 usage incorrect (dont une adresse --url mal écrite). Avec
plusieurs fichiers, le plus grave.
`

// portail is the API of a portal, as its vendors' tools use it.
type portail struct {
	url, jeton string
	client     *http.Client
	stderr     io.Writer
	attente    time.Duration // the wait before the first retry of a deposit, doubled at each one; 1 s when zero
}

func lireJeton(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", errors.New("fichier de jeton vide")
	}
	return t, nil
}

func runSubmit(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "submit", submitHelp)
	url := fs.String("url", os.Getenv("SEGUR_URL"), "adresse du portail")
	tokenFile := fs.String("token-file", "", "fichier qui contient le jeton d'API")
	typ := fs.String("type", "avance", "type de demande : avance ou solde (docs/solde.md)")
	ledger := fs.String("ledger", "", "carnet des numéros (par défaut carnet-numeros.json à côté du premier fichier)")
	files, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if *url == "" || *tokenFile == "" || len(files) < 1 {
		fmt.Fprint(e.stderr, submitHelp)
		return exitUsage
	}
	base, err := parsePortalURL(*url)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur submit : %v\n", err)
		return exitUsage
	}
	depots, err := depotsDe(files, e.stderr)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur submit : %v\n", err)
		return exitUsage
	}
	jeton, err := lireJeton(*tokenFile)
	if err != nil {
		return cannotRead(e, *tokenFile, err)
	}
	if *ledger == "" {
		*ledger = filepath.Join(filepath.Dir(depots[0].json), "carnet-numeros.json")
	}
	c, err := carnet.Ouvrir(*ledger)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur submit : %v\n", err)
		return exitLecture
	}
	p := &portail{url: base, jeton: jeton, client: &http.Client{Timeout: 30 * time.Minute}, stderr: e.stderr}
	pire := exitOK
	envoyes, acceptees, demandes := 0, 0, 0
	for i, d := range depots {
		if len(depots) > 1 {
			fmt.Fprintf(e.stderr, "— %s (%d/%d)\n", d.json, i+1, len(depots))
		}
		r := p.soumettre(ctx, e, c, *ledger, *typ, d)
		pire = max(pire, r.code)
		if r.envoye {
			envoyes++
			acceptees += r.acceptees
			demandes += r.demandes
		}
		if r.code >= exitLecture {
			if reste := len(depots) - i - 1; reste > 0 {
				fmt.Fprintf(e.stderr, "segur submit : %s non %s.\n", pluriel(reste, "fichier suivant", "fichiers suivants"), accord(reste, "déposé", "déposés"))
			}
			break
		}
	}
	if len(depots) > 1 {
		fmt.Fprintf(e.stderr, "%s sur %d : %s sur %d.\n",
			pluriel(envoyes, "fichier déposé", "fichiers déposés"), len(depots), pluriel(acceptees, "demande acceptée", "demandes acceptées"), demandes)
	}
	return pire
}

// accord is the singular or the plural of a word, by n.
func accord(n int, un, plusieurs string) string {
	if n > 1 {
		return plusieurs
	}
	return un
}

// depot is one file to deposit and its zip ("" without one).
type depot struct{ json, zip string }

// depotsDe reads submit's arguments as deposits: each .json file with the
// .zip that follows it, or else the .zip of the same name beside it if
// there is one. A returned file (.retour.json), which a pattern such as
// depots/JSON-*.json also names, is left out, with a word.
func depotsDe(files []string, stderr io.Writer) ([]depot, error) {
	var depots []depot
	for i := 0; i < len(files); i++ {
		f := files[i]
		switch ext := strings.ToLower(filepath.Ext(f)); {
		case strings.HasSuffix(strings.ToLower(f), ".retour.json"):
			fmt.Fprintf(stderr, "%s : fichier retour du portail, pas un dépôt : laissé de côté.\n", f)
		case ext == ".json":
			d := depot{json: f}
			if i+1 < len(files) && strings.EqualFold(filepath.Ext(files[i+1]), ".zip") {
				d.zip = files[i+1]
				i++
			} else if z := strings.TrimSuffix(f, filepath.Ext(f)) + ".zip"; fichierExiste(z) {
				d.zip = z
			}
			depots = append(depots, d)
		case ext == ".zip":
			return nil, fmt.Errorf("« %s » : un .zip suit le fichier JSON qu'il accompagne ; attendu FICHIER.json [FICHIER.zip]…", f)
		default:
			return nil, fmt.Errorf("« %s » : attendu un fichier JSON-HOP (.json), suivi ou non de son .zip", f)
		}
	}
	if len(depots) == 0 {
		return nil, errors.New("aucun fichier à déposer : attendu au moins un fichier JSON-HOP (.json)")
	}
	return depots, nil
}

// fichierExiste reports whether path names a regular file.
func fichierExiste(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// soumission is the outcome of one deposit of submit.
type soumission struct {
	code                int  // its exit status
	envoye              bool // the portal answered it
	acceptees, demandes int
}

// soumettre deposits one file with its zip, writes its outcome, request by
// request, notes the numbers in the ledger and saves the returned file.
func (p *portail) soumettre(ctx context.Context, e *env, c *carnet.Carnet, ledger, typ string, dep depot) soumission {
	files := []string{dep.json}
	if dep.zip != "" {
		files = append(files, dep.zip)
	}
	empreinte, fautif, err := empreinteDepot(typ, files)
	if err != nil {
		return soumission{code: cannotRead(e, fautif, err)}
	}
	cle := c.Cle(empreinte)
	if err := c.Enregistrer(); err != nil {
		fmt.Fprintf(e.stderr, "segur submit : carnet %s : %s\n", ledger, plainErr(err))
		return soumission{code: exitLecture}
	}
	var d api.DepotJSON
	code, err := p.deposer(ctx, typ, dep.json, dep.zip, cle, &d)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur submit : %s : %v\n", dep.json, err)
		return soumission{code: code}
	}
	// The outcome, request by request, and the ledger.
	now := time.Now()
	if d.Statut == "rejete" && d.Motif != nil {
		fmt.Fprintf(e.stderr, "%s : fichier rejeté par le contrôle 1 : %s : %s", dep.json, d.Motif.Code, d.Motif.Libelle)
		if d.Motif.Ligne > 0 {
			fmt.Fprintf(e.stderr, " (ligne %d, colonne %d)", d.Motif.Ligne, d.Motif.Colonne)
		}
		fmt.Fprintln(e.stderr)
		return soumission{code: exitFichier, envoye: true}
	}
	r := soumission{envoye: true, demandes: len(d.Demandes)}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NUMLIGNE\tNUMEROEDITEUR\tCODE\tNUMÉRO ASP\tLIBELLÉ")
	for _, l := range d.Demandes {
		asp := ""
		if l.NumeroASP != nil {
			asp = *l.NumeroASP
			r.acceptees++
			c.Marquer(l.NumeroEditeur, carnet.Accepte, asp, filepath.Base(dep.json), now)
		} else if l.NumeroEditeur != "" {
			c.Marquer(l.NumeroEditeur, carnet.Rejete, "", filepath.Base(dep.json), now)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", l.NumLigne, l.NumeroEditeur, l.CodeTraitement, asp, l.LibelleTraitement)
	}
	w.Flush()
	if err := c.Enregistrer(); err != nil {
		fmt.Fprintf(e.stderr, "segur submit : carnet %s : %s\n", ledger, plainErr(err))
		r.code = exitLecture
		return r
	}
	if d.FichierRetour != nil {
		retour := strings.TrimSuffix(dep.json, filepath.Ext(dep.json)) + ".retour.json"
		b, code, err := p.get(ctx, *d.FichierRetour)
		if err != nil {
			fmt.Fprintf(e.stderr, "segur submit : fichier retour : %v\n", err)
			r.code = code
			return r
		}
		if err := writeFileAtomic(retour, b); err != nil {
			fmt.Fprintf(e.stderr, "segur submit : impossible d'écrire %s : %s\n", retour, plainErr(err))
			r.code = exitLecture
			return r
		}
		fmt.Fprintf(e.stderr, "Fichier retour : %s\n", retour)
	}
	fmt.Fprintf(e.stderr, "Dépôt %s : %s sur %d.\n", d.ImpID, pluriel(r.acceptees, "demande acceptée", "demandes acceptées"), len(d.Demandes))
	if r.acceptees < len(d.Demandes) {
		r.code = exitRejets
	}
	return r
}

// deposer sends the deposit, retrying network failures with the same key.
func (p *portail) deposer(ctx context.Context, typ, jsonPath, zipPath, cle string, out *api.DepotJSON) (int, error) {
	var last error
	attente := p.attente
	if attente <= 0 {
		attente = time.Second
	}
	for essai := 1; essai <= 4; essai, attente = essai+1, attente*2 {
		code, err := p.envoyer(ctx, typ, jsonPath, zipPath, cle, out)
		var re *erreurReseau
		if err == nil || code != exitInterne || errors.As(err, &re) && !re.passager {
			return code, err
		}
		last = err
		if essai == 4 {
			break // no wait after the last attempt
		}
		fmt.Fprintf(p.stderr, "Envoi interrompu (%v) : nouvel essai %d dans %s…\n", err, essai, attente)
		select {
		case <-ctx.Done():
			return exitInterne, errors.New("envoi interrompu")
		case <-time.After(attente):
		}
	}
	return exitInterne, fmt.Errorf("échec du réseau après 4 essais : %v", last)
}

// envoyer makes one attempt; a network failure is exitInterne (retried).
func (p *portail) envoyer(ctx context.Context, typ, jsonPath, zipPath, cle string, out *api.DepotJSON) (int, error) {
	var total int64
	for _, f := range []string{jsonPath, zipPath} {
		if f == "" {
			continue
		}
		st, err := os.Stat(f)
		if err != nil {
			return exitLecture, fmt.Errorf("impossible de lire %s : %v", f, plainErr(err))
		}
		total += st.Size()
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	ecrit := make(chan struct{})
	go func() {
		defer close(ecrit)
		pw.CloseWithError(ecrireCorps(mw, typ, jsonPath, zipPath))
	}()
	// The transport stops reading the body when the connection drops, and
	// never closes it (it is no io.Closer): closing the reader ends the
	// writer, which closes its file, before the next attempt opens it again.
	defer func() {
		pr.Close()
		<-ecrit
	}()
	body := &progression{r: pr, total: total, w: p.stderr}
	req, err := http.NewRequestWithContext(ctx, "POST", p.url+"/api/v1/depots", body)
	if err != nil {
		return exitUsage, errAdressePortail(p.url)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+p.jeton)
	req.Header.Set("Idempotency-Key", cle)
	resp, err := p.client.Do(req)
	body.fin()
	if err != nil {
		return exitInterne, p.reseau(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return exitInterne, p.reseau(err)
	}
	if resp.StatusCode != http.StatusCreated {
		return p.refus(resp, b, "dépôt refusé par le portail")
	}
	if err := json.Unmarshal(b, out); err != nil {
		return exitPortail, p.illisible()
	}
	return exitOK, nil
}

// ecrireCorps writes the deposit's form to mw: its fields, then its files.
func ecrireCorps(mw *multipart.Writer, typ, jsonPath, zipPath string) error {
	mw.WriteField("typeDemande", typ)
	mw.WriteField("numeroAns", numeroAnsDuNom(filepath.Base(jsonPath)))
	for _, part := range []struct{ champ, path string }{{"fichier", jsonPath}, {"pieces", zipPath}} {
		if part.path == "" {
			continue
		}
		w, err := mw.CreateFormFile(part.champ, filepath.Base(part.path))
		if err != nil {
			return err
		}
		f, err := os.Open(part.path)
		if err != nil {
			return err
		}
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return mw.Close()
}

// numeroAnsDuNom reads the ANS number of JSON-<numeroAns>-<date>-<NNN>.json.
func numeroAnsDuNom(nom string) string {
	parts := strings.Split(nom, "-")
	if len(parts) >= 2 {
		return parts[1]
	}
	return ""
}

// get reads a path of the portal's API.
func (p *portail) get(ctx context.Context, path string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", p.url+path, nil)
	if err != nil {
		return nil, exitUsage, errAdressePortail(p.url)
	}
	req.Header.Set("Authorization", "Bearer "+p.jeton)
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, exitInterne, p.reseau(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, exitInterne, p.reseau(err)
	}
	if resp.StatusCode != http.StatusOK {
		code, err := p.refus(resp, b, "le portail refuse")
		return nil, code, err
	}
	if !json.Valid(b) {
		return nil, exitPortail, p.illisible()
	}
	return b, exitOK, nil
}

// parsePortalURL checks the portal's address given to --url (submit,
// status, build) and returns it without its final slash: http:// or
// https://, a host, an optional path (a portal behind a proxy), no query.
// Its error is French, for the user: the command says it and exits with
// exitUsage.
func parsePortalURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errAdressePortail(raw)
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", errAdressePortail(raw)
		}
	}
	return strings.TrimRight(s, "/"), nil
}

// errAdressePortail says what --url expects, with the address as it
// should have been written when only its scheme is missing.
func errAdressePortail(raw string) error {
	msg := fmt.Sprintf("adresse du portail « %s » : attendu http://hôte:port ou https://…", raw)
	if s := strings.TrimSpace(raw); s != "" && !strings.Contains(s, "://") && !strings.ContainsAny(s, " ?#@") {
		msg += fmt.Sprintf(", par exemple http://%s", strings.TrimRight(s, "/"))
	}
	return errors.New(msg)
}

// erreurReseau is a failure to reach the portal, said in French with what
// to do. A passing one (the portal down, the network cut) is worth
// another attempt; a lasting one (an unknown host, a refused certificate)
// is not.
type erreurReseau struct {
	msg      string
	passager bool
	err      error
}

func (e *erreurReseau) Error() string { return e.msg }

func (e *erreurReseau) Unwrap() error { return e.err }

// reseau says why the portal could not be reached, from the error's types
// (the net, TLS and x509 packages'), never its English text.
func (p *portail) reseau(err error) error {
	host := p.url
	if u, perr := url.Parse(p.url); perr == nil {
		host = u.Hostname()
	}
	passager := func(format string, args ...any) error {
		return &erreurReseau{msg: fmt.Sprintf(format, args...), passager: true, err: err}
	}
	durable := func(format string, args ...any) error {
		return &erreurReseau{msg: fmt.Sprintf(format, args...), err: err}
	}
	var dns *net.DNSError
	var verif *tls.CertificateVerificationError
	var autorite x509.UnknownAuthorityError
	var nom x509.HostnameError
	var invalide x509.CertificateInvalidError
	var entete tls.RecordHeaderError
	var nerr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return durable("interrompu")
	case errors.As(err, &dns) && dns.IsNotFound:
		return durable("nom d'hôte « %s » inconnu : vérifiez --url", host)
	case errors.As(err, &dns):
		return passager("le nom « %s » n'a pas pu être résolu (DNS) : vérifiez le réseau, ou --url", host)
	case errors.Is(err, syscall.ECONNREFUSED):
		return passager("le portail ne répond pas à %s : est-il lancé ? vérifiez --url", p.url)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return passager("%s injoignable (pas de route vers cet hôte) : vérifiez le réseau, ou --url", host)
	case errors.As(err, &autorite):
		return durable("certificat du portail %s refusé : son autorité n'est pas reconnue par cette machine ; vérifiez --url", p.url)
	case errors.As(err, &nom):
		return durable("certificat du portail refusé : il ne vaut pas pour « %s » ; vérifiez --url", host)
	case errors.As(err, &invalide) && invalide.Reason == x509.Expired:
		return durable("certificat du portail %s refusé : il a expiré (ou l'horloge de cette machine est fausse)", p.url)
	case errors.As(err, &verif), errors.As(err, &invalide):
		return durable("certificat du portail %s refusé : vérifiez --url", p.url)
	case errors.Is(err, http.ErrSchemeMismatch), errors.As(err, &entete):
		return durable("%s ne répond pas en HTTPS : essayez http:// dans --url", host)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		return passager("le portail %s n'a pas répondu à temps : réessayez plus tard, ou vérifiez le réseau", p.url)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return passager("connexion au portail %s coupée", p.url)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		err = op.Err
	}
	return passager("échec du réseau vers %s (%v)", p.url, err)
}

// refus says why the portal answered status other than the one expected,
// and returns the exit status: a refusal of the portal's API (a problem
// in JSON, RFC 9457) is exitPortail, as are a refused token and an answer
// that is not a segur portal's; a failure of its server (5xx) is
// exitInterne, worth another attempt.
func (p *portail) refus(resp *http.Response, b []byte, quoi string) (int, error) {
	var pb api.Problem
	probleme := json.Unmarshal(b, &pb) == nil && pb.Title != ""
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return exitPortail, errors.New("jeton refusé par le portail : vérifiez --token-file (jeton révoqué, ou mal copié ?)")
	case resp.StatusCode >= 500:
		return exitInterne, &erreurReseau{msg: fmt.Sprintf("le portail %s répond %d (erreur du serveur) : réessayez plus tard", p.url, resp.StatusCode), passager: true}
	case !probleme && resp.StatusCode == http.StatusNotFound:
		return exitPortail, fmt.Errorf("pas de portail segur à %s (réponse 404 à %s) : vérifiez --url", p.url, resp.Request.URL.Path)
	case !probleme:
		return exitPortail, fmt.Errorf("réponse inattendue de %s (%d, %s) : ce n'est pas un portail segur, ou pas à cette adresse ; vérifiez --url",
			p.url, resp.StatusCode, typeContenu(resp))
	}
	if pb.Detail == "" {
		return exitPortail, fmt.Errorf("%s (%d %s)", quoi, resp.StatusCode, pb.Title)
	}
	return exitPortail, fmt.Errorf("%s (%d %s) : %s", quoi, resp.StatusCode, pb.Title, pb.Detail)
}

// illisible is the error of an answer that is not the JSON the API gives.
func (p *portail) illisible() error {
	return fmt.Errorf("réponse illisible de %s (JSON attendu) : est-ce bien l'adresse d'un portail segur ? vérifiez --url", p.url)
}

// typeContenu is the answer's media type, for a message.
func typeContenu(resp *http.Response) string {
	t, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	if t = strings.TrimSpace(t); t == "" {
		return "sans type"
	}
	return t
}

// progression shows an upload's progress on stderr, at most every 5 %.
type progression struct {
	r          io.Reader
	total, lus int64
	dernier    int64
	w          io.Writer
}

func (p *progression) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.lus += int64(n)
	if p.total > 0 {
		pc := min(100, p.lus*100/p.total)
		if pc >= p.dernier+5 {
			p.dernier = pc - pc%5
			fmt.Fprintf(p.w, "\rEnvoi : %3d %% (%s sur %s)", pc, mo(p.lus), mo(p.total))
		}
	}
	return n, err
}

func (p *progression) fin() {
	if p.dernier > 0 {
		fmt.Fprintln(p.w)
	}
}

// mo writes a size for the progress line: in Ko under 1 Mo (a file of a
// few requests is not « 0,0 Mo »), in Mo with one decimal above.
func mo(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d Ko", (n+1023)>>10)
	}
	return strings.Replace(fmt.Sprintf("%.1f Mo", float64(n)/(1<<20)), ".", ",", 1)
}

const statusHelp = `Usage : segur status --url URL --token-file FICHIER

Liste les demandes acceptées du fournisseur sur le portail, avec leur statut.

Exemple :
  segur status --url https://portail.exemple.fr --token-file jeton.txt

Code de sortie : 0 liste écrite ; 3 fichier du jeton illisible ; 4 appel
refusé par le portail (jeton), ou adresse qui n'est pas celle d'un portail ;
5 échec du réseau ; 64 usage incorrect (dont une adresse --url mal écrite).
`

func runStatus(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "status", statusHelp)
	url := fs.String("url", os.Getenv("SEGUR_URL"), "adresse du portail")
	tokenFile := fs.String("token-file", "", "fichier qui contient le jeton d'API")
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if *url == "" || *tokenFile == "" || len(rest) > 0 {
		fmt.Fprint(e.stderr, statusHelp)
		return exitUsage
	}
	base, err := parsePortalURL(*url)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur status : %v\n", err)
		return exitUsage
	}
	jeton, err := lireJeton(*tokenFile)
	if err != nil {
		return cannotRead(e, *tokenFile, err)
	}
	p := &portail{url: base, jeton: jeton, client: &http.Client{Timeout: time.Minute}, stderr: e.stderr}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NUMÉRO ASP\tNUMEROEDITEUR\tSTATUT\tMONTANT HT\tCOMMANDE DU")
	total := 0
	for page := 1; ; page++ {
		b, code, err := p.get(ctx, fmt.Sprintf("/api/v1/demandes?parPage=500&page=%d", page))
		if err != nil {
			fmt.Fprintf(e.stderr, "segur status : %v\n", err)
			return code
		}
		var l struct {
			Demandes []api.DemandeJSON `json:"demandes"`
			Total    int               `json:"total"`
		}
		if err := json.Unmarshal(b, &l); err != nil {
			fmt.Fprintf(e.stderr, "segur status : %v\n", p.illisible())
			return exitPortail
		}
		for _, d := range l.Demandes {
			// The status as the pages say it; the API gives its code.
			statut := segur.StatutDemande(d.Statut).Libelle()
			montant := d.MontantSegurHT
			if c, ok := segur.LireEuros(montant); ok {
				montant = segur.Euros(c)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", d.NumeroASP, d.NumeroEditeur, statut, montant, d.DateCommande)
		}
		total += len(l.Demandes)
		if len(l.Demandes) == 0 || total >= l.Total {
			break
		}
	}
	w.Flush()
	fmt.Fprintf(e.stderr, "%s.\n", pluriel(total, "demande", "demandes"))
	return exitOK
}

func httpClient() *http.Client { return &http.Client{Timeout: 5 * time.Minute} }

// numerosEditeur reads every numeroEditeur the vendor used on the portal.
func (p *portail) numerosEditeur(ctx context.Context) ([]string, int, error) {
	b, code, err := p.get(ctx, "/api/v1/numeros-editeur")
	if err != nil {
		return nil, code, err
	}
	var l struct {
		NumerosEditeur []string `json:"numerosEditeur"`
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, exitPortail, p.illisible()
	}
	return l.NumerosEditeur, exitOK, nil
}

// empreinteDepot is the digest that names a deposit in the ledger: sent
// again, it carries the same Idempotency-Key. It covers what the deposit
// declares, its type and the JSON file's name, and each file's content: a
// file renamed after a rejection (a new ordinal, another day) is another
// deposit, not a replay of the rejected one. On a read error it returns the
// file at fault.
func empreinteDepot(typ string, files []string) (string, string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "segur-depot\x00%s\x00%s\x00", typ, filepath.Base(files[0]))
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return "", p, err
		}
		st, err := f.Stat()
		if err == nil {
			fmt.Fprintf(h, "%d\x00", st.Size())
			_, err = io.Copy(h, f)
		}
		f.Close()
		if err != nil {
			return "", p, err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), "", nil
}
