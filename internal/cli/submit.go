package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/segur-numerique/segur/internal/api"
	"github.com/segur-numerique/segur/internal/carnet"
)

const submitHelp = `Usage : segur submit --url URL --token-file FICHIER [--type avance|solde] [--ledger FICHIER] FICHIER.json [FICHIER.zip]

Dépose un fichier et son .zip sur le portail, par son API, avec une barre de
progression ; écrit le résultat de chaque demande, enregistre le fichier
retour à côté du fichier (FICHIER.retour.json), et note les numéros ASP et
les numeroEditeur utilisés dans le carnet (par défaut carnet-numeros.json à
côté du fichier). Après une coupure réseau, il réessaie sans jamais créer un
second dépôt (en-tête Idempotency-Key, gardé dans le carnet).

Exemple :
  segur submit --url https://portail.exemple.fr --token-file jeton.txt \
      JSON-1234567890-20261125-001.json JSON-1234567890-20261125-001.zip

Code de sortie : 0 toutes les demandes acceptées ; 1 au moins une rejetée ;
2 fichier rejeté par le contrôle 1 ; 3 un fichier illisible ; 4 dépôt
refusé par le portail (authentification, doublon, campagne, taille) ; 5
échec du réseau après nouvelles tentatives ; 64 usage incorrect.
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
	ledger := fs.String("ledger", "", "carnet des numéros (par défaut carnet-numeros.json à côté du fichier)")
	files, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if *url == "" || *tokenFile == "" || len(files) < 1 || len(files) > 2 {
		fmt.Fprint(e.stderr, submitHelp)
		return exitUsage
	}
	jeton, err := lireJeton(*tokenFile)
	if err != nil {
		return cannotRead(e, *tokenFile, err)
	}
	jsonPath, zipPath := files[0], ""
	if len(files) == 2 {
		zipPath = files[1]
	}
	if *ledger == "" {
		*ledger = filepath.Join(filepath.Dir(jsonPath), "carnet-numeros.json")
	}
	c, err := carnet.Ouvrir(*ledger)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur submit : %v\n", err)
		return exitLecture
	}
	empreinte, fautif, err := empreinteDepot(*typ, files)
	if err != nil {
		return cannotRead(e, fautif, err)
	}
	cle := c.Cle(empreinte)
	if err := c.Enregistrer(); err != nil {
		fmt.Fprintf(e.stderr, "segur submit : carnet %s : %v\n", *ledger, err)
		return exitLecture
	}
	p := &portail{url: strings.TrimRight(*url, "/"), jeton: jeton, client: &http.Client{Timeout: 30 * time.Minute}, stderr: e.stderr}
	var d api.DepotJSON
	code, err := p.deposer(ctx, *typ, jsonPath, zipPath, cle, &d)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur submit : %v\n", err)
		return code
	}
	// The outcome, request by request, and the ledger.
	now := time.Now()
	if d.Statut == "rejete" && d.Motif != nil {
		fmt.Fprintf(e.stderr, "Fichier rejeté par le contrôle 1 : %s : %s", d.Motif.Code, d.Motif.Libelle)
		if d.Motif.Ligne > 0 {
			fmt.Fprintf(e.stderr, " (ligne %d, colonne %d)", d.Motif.Ligne, d.Motif.Colonne)
		}
		fmt.Fprintln(e.stderr)
		return exitFichier
	}
	acceptees := 0
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NUMLIGNE\tNUMEROEDITEUR\tCODE\tNUMÉRO ASP\tLIBELLÉ")
	for _, l := range d.Demandes {
		asp := ""
		if l.NumeroASP != nil {
			asp = *l.NumeroASP
			acceptees++
			c.Marquer(l.NumeroEditeur, carnet.Accepte, asp, filepath.Base(jsonPath), now)
		} else if l.NumeroEditeur != "" {
			c.Marquer(l.NumeroEditeur, carnet.Rejete, "", filepath.Base(jsonPath), now)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", l.NumLigne, l.NumeroEditeur, l.CodeTraitement, asp, l.LibelleTraitement)
	}
	w.Flush()
	if err := c.Enregistrer(); err != nil {
		fmt.Fprintf(e.stderr, "segur submit : carnet %s : %v\n", *ledger, err)
		return exitLecture
	}
	if d.FichierRetour != nil {
		retour := strings.TrimSuffix(jsonPath, filepath.Ext(jsonPath)) + ".retour.json"
		b, code, err := p.get(ctx, *d.FichierRetour)
		if err != nil {
			fmt.Fprintf(e.stderr, "segur submit : fichier retour : %v\n", err)
			return code
		}
		if err := writeFileAtomic(retour, b); err != nil {
			fmt.Fprintf(e.stderr, "segur submit : impossible d'écrire %s : %v\n", retour, plainErr(err))
			return exitLecture
		}
		fmt.Fprintf(e.stderr, "Fichier retour : %s\n", retour)
	}
	fmt.Fprintf(e.stderr, "Dépôt %s : %d demande(s) acceptée(s) sur %d.\n", d.ImpID, acceptees, len(d.Demandes))
	if acceptees < len(d.Demandes) {
		return exitRejets
	}
	return exitOK
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
		if err == nil || code != exitInterne {
			return code, err
		}
		last = err
		fmt.Fprintf(p.stderr, "Envoi interrompu (%v) : nouvel essai %d dans %s…\n", err, essai, attente)
		select {
		case <-ctx.Done():
			return exitInterne, ctx.Err()
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
		return exitUsage, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+p.jeton)
	req.Header.Set("Idempotency-Key", cle)
	resp, err := p.client.Do(req)
	body.fin()
	if err != nil {
		return exitInterne, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return exitInterne, err
	}
	if resp.StatusCode >= 500 {
		return exitInterne, fmt.Errorf("le portail répond %d", resp.StatusCode)
	}
	if resp.StatusCode != http.StatusCreated {
		var pb api.Problem
		json.Unmarshal(b, &pb)
		return exitPortail, fmt.Errorf("dépôt refusé par le portail (%d %s) : %s", resp.StatusCode, pb.Title, pb.Detail)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return exitInterne, fmt.Errorf("réponse du portail illisible : %v", err)
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
		return nil, exitUsage, err
	}
	req.Header.Set("Authorization", "Bearer "+p.jeton)
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, exitInterne, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, exitInterne, err
	}
	if resp.StatusCode != http.StatusOK {
		var pb api.Problem
		json.Unmarshal(b, &pb)
		return nil, exitPortail, fmt.Errorf("%d %s : %s", resp.StatusCode, pb.Title, pb.Detail)
	}
	return b, exitOK, nil
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

func mo(n int64) string {
	return strings.Replace(fmt.Sprintf("%.1f Mo", float64(n)/(1<<20)), ".", ",", 1)
}

const statusHelp = `Usage : segur status --url URL --token-file FICHIER

Liste les demandes acceptées du fournisseur sur le portail, avec leur statut.

Exemple :
  segur status --url https://portail.exemple.fr --token-file jeton.txt
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
	jeton, err := lireJeton(*tokenFile)
	if err != nil {
		return cannotRead(e, *tokenFile, err)
	}
	p := &portail{url: strings.TrimRight(*url, "/"), jeton: jeton, client: &http.Client{Timeout: time.Minute}, stderr: e.stderr}
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
			fmt.Fprintf(e.stderr, "segur status : réponse illisible : %v\n", err)
			return exitInterne
		}
		for _, d := range l.Demandes {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", d.NumeroASP, d.NumeroEditeur, d.Statut, d.MontantSegurHT, d.DateCommande)
		}
		total += len(l.Demandes)
		if len(l.Demandes) == 0 || total >= l.Total {
			break
		}
	}
	w.Flush()
	fmt.Fprintf(e.stderr, "%d demande(s).\n", total)
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
		return nil, exitInterne, fmt.Errorf("réponse du portail illisible : %v", err)
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
