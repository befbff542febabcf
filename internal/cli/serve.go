package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/agence"
	"github.com/segur-numerique/segur/internal/api"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/clamav"
	"github.com/segur-numerique/segur/internal/proconnect"
	"github.com/segur-numerique/segur/internal/proxies"
	"github.com/segur-numerique/segur/internal/sqlstore"
	"github.com/segur-numerique/segur/internal/web"
)

const serveHelp = `Usage : segur serve [--addr 127.0.0.1:8080] [--data ./segur-data] [--db URL] [--blobs URL] [--smtp hôte:port] [--demo]
                   [--tls-cert FICHIER --tls-key FICHIER [--http-redirect :80]] [--https] [--proxies RÉSEAUX]
                   [--metrics-addr ADRESSE] [--clamav tcp://hôte:port] [--tsa URL] [options des limites : voir plus bas]

Le portail de dépôt de l'agence : l'API des éditeurs sous /api/v1, /healthz,
/readyz (base et stockage des fichiers prêts, pour un répartiteur de charge)
et /metrics. Par défaut, une base SQLite et les fichiers déposés dans --data
(créés au premier lancement) ; avec --db postgres://..., PostgreSQL (migrée
par segur migrate) ; avec --blobs s3://..., les fichiers dans un stockage
S3. --demo crée, s'ils manquent, le fournisseur du document « Le Beau
Logiciel », son numéro ANS 1234567890 (RI), des comptes de démonstration
et une campagne ouverte, et affiche les identifiants.

Les courriels aux fournisseurs (refus, demande de pièce, décision,
convention à signer) passent par une file d'envoi en base : avec --smtp, ils
partent par ce serveur, et ceux qui échouent sont réessayés (toutes les
heures au plus) ; sans --smtp, ils attendent dans la file (segur admin mail
list). Mot de passe SMTP : variable SEGUR_SMTP_MOT_DE_PASSE.

Avec --clamav tcp://hôte:port ou unix:///chemin/du/socket (variable
SEGUR_CLAMAV), chaque fichier stocké est analysé par l'antivirus ClamAV
(clamd) avant qu'un agent puisse l'ouvrir, les pièces d'un dépôt une à une :
une pièce en attente d'analyse n'est pas ouverte, une pièce infectée est mise
en quarantaine (gardée, jamais servie), la demande porte une alerte et le
fournisseur reçoit un courriel qui nomme le fichier. Un antivirus injoignable
ne refuse aucun dépôt : les fichiers attendent, et sont analysés à son retour.
Sans --clamav, les pièces sont ouvertes sans analyse, et les pages des agents
le disent.

Connexion des agents par ProConnect : --oidc-issuer URL et --oidc-client-id
ID (variables SEGUR_OIDC_ISSUER et SEGUR_OIDC_CLIENT_ID ; le secret
seulement dans la variable SEGUR_OIDC_SECRET, vide pour un client public).
L'adresse de retour à déclarer chez ProConnect est --url (ou http://ADDR)
suivie de /connexion/proconnect/retour. Le compte de l'agent doit exister,
à son adresse électronique : la connexion n'en crée aucun. ProConnect injoignable
au démarrage n'arrête pas le portail : il est réessayé à la connexion
suivante. --agents-proconnect-seulement (SEGUR_AGENTS_PROCONNECT_SEULEMENT=1) :
les agents ne se connectent plus par mot de passe ; les fournisseurs, si.

Avec --tsa URL (variable SEGUR_TSA), une autorité d'horodatage (RFC 3161)
scelle le journal d'audit chaque jour : au démarrage si le dernier sceau a
plus de 24 h, puis toutes les 24 h ; une autorité injoignable est
journalisée et réessayée une heure plus tard, sans bloquer le portail.
--tsa-ca FICHIER.pem (SEGUR_TSA_CA) : les racines de l'autorité. Voir
segur admin audit verify.

En HTTPS : --tls-cert FICHIER et --tls-key FICHIER (variables
SEGUR_TLS_CERT et SEGUR_TLS_KEY), le certificat et sa clé privée au
format PEM ; TLS 1.2 au moins. Après un renouvellement, kill -HUP relit
les deux fichiers sans couper les connexions ouvertes ; une nouvelle paire
illisible est signalée dans le journal et l'ancienne reste servie.
--http-redirect :80 ouvre en plus un port HTTP qui redirige (308) vers le
portail en HTTPS, sauf /healthz pour le répartiteur de charge. En HTTPS,
comme avec --https, chaque réponse porte Strict-Transport-Security (un an).

Derrière un proxy inverse : --https (cookies Secure, HSTS) et --proxies RÉSEAUX
(variable SEGUR_PROXIES), les adresses ou réseaux des proxies de confiance,
par exemple --proxies 10.0.0.0/8,192.0.2.10 : seulement quand la requête
vient de l'un d'eux, l'adresse du client est lue dans X-Forwarded-For (ou
Forwarded) ; sinon, c'est l'adresse de la connexion.

/metrics (format texte de Prometheus) : sans --metrics-addr, servi sur
--addr aux seules requêtes locales (127.0.0.1, ::1, sans en-tête de proxy
non déclaré par --proxies) ; avec --metrics-addr ADRESSE (variable
SEGUR_METRICS_ADDR), servi seul sur cette adresse d'écoute interne, et
plus sur --addr.

Limites (--max-connexions, --max-depots-simultanes, --max-depots-fournisseur,
--delai-corps, --debit-min, --quota-depots-heure, --quota-mo-jour,
--db-max-conns, --db-attente) : voir les options ci-dessous et le README. Base ou stockage
injoignable : réponses 503 avec Retry-After.

Exemple :
  segur serve --demo

Code de sortie : 0 arrêt demandé (Ctrl-C, SIGTERM) ; 1 configuration
refusée (--db, --blobs, --smtp, --tls-cert, --tls-key, --clamav, --tsa) ; 5 erreur
interne (base, stockage) ; 6 impossible d'écouter sur --addr,
--http-redirect ou --metrics-addr (adresse déjà utilisée, permission
refusée) ; 7 base de données injoignable ou refusée (--db : hôte, port,
utilisateur, mot de passe, nom de la base ; --data : dossier), ou
stockage des fichiers --blobs injoignable ; 64 usage incorrect.
`

func runServe(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "serve", serveHelp)
	addr := fs.String("addr", envOr("SEGUR_ADDR", "127.0.0.1:8080"), "adresse d'écoute")
	dbf := addDBFlags(fs)
	blobs := fs.String("blobs", os.Getenv("SEGUR_BLOBS"), "stockage S3 des fichiers, s3://CLÉ:SECRET@hôte:port/seau (par défaut : le dossier --data)")
	demo := fs.Bool("demo", false, "créer les données de démonstration")
	dsfr := fs.String("dsfr", envOr("SEGUR_DSFR_DIR", "web/dsfr"), "dossier des fichiers du système de design de l'État (scripts/dsfr.sh)")
	https := fs.Bool("https", os.Getenv("SEGUR_HTTPS") == "1", "le portail est servi derrière un proxy HTTPS : cookies Secure et HSTS")
	tlsCert := fs.String("tls-cert", os.Getenv("SEGUR_TLS_CERT"), "certificat du portail servi en HTTPS, fichier PEM (avec --tls-key ; relu sur SIGHUP)")
	tlsKey := fs.String("tls-key", os.Getenv("SEGUR_TLS_KEY"), "clé privée du certificat --tls-cert, fichier PEM")
	httpRedirect := fs.String("http-redirect", os.Getenv("SEGUR_HTTP_REDIRECT"), "adresse d'un port HTTP qui redirige vers HTTPS, par exemple :80 (avec --tls-cert)")
	proxiesf := fs.String("proxies", os.Getenv("SEGUR_PROXIES"), "proxies inverses de confiance, réseaux ou adresses séparés par des virgules (10.0.0.0/8,192.0.2.10) : l'adresse du client est lue dans leur X-Forwarded-For")
	prog := segur.ProgrammeParDefaut
	seuil := fs.String("seuil-convention", segur.Euros(prog.SeuilConvention), "montant financé (€) au-delà duquel une convention remplace la décision")
	metricsAddr := fs.String("metrics-addr", os.Getenv("SEGUR_METRICS_ADDR"), "adresse d'écoute interne qui sert /metrics seul, par exemple 10.0.0.5:9100 ; sans elle, /metrics n'est servi sur --addr qu'aux requêtes locales")
	public := fs.String("url", os.Getenv("SEGUR_URL"), "adresse publique du portail, pour les liens des courriels (par défaut : http://ADDR)")
	clamavf := fs.String("clamav", os.Getenv("SEGUR_CLAMAV"), "antivirus clamd qui analyse chaque fichier stocké avant qu'on l'ouvre : tcp://hôte:port ou unix:///chemin/du/socket")
	clamavEvery := fs.Duration("clamav-intervalle", envDuration("SEGUR_CLAMAV_INTERVALLE", 10*time.Second), "intervalle entre deux recherches de fichiers à analyser")
	oidcIssuer := fs.String("oidc-issuer", os.Getenv("SEGUR_OIDC_ISSUER"), "adresse de ProConnect (issuer OpenID Connect) pour la connexion des agents, avec --oidc-client-id ; le secret dans la variable SEGUR_OIDC_SECRET")
	oidcClient := fs.String("oidc-client-id", os.Getenv("SEGUR_OIDC_CLIENT_ID"), "identifiant du portail auprès de ProConnect (client_id)")
	contact := fs.String("contact", os.Getenv("SEGUR_CONTACT"), "adresse électronique de contact donnée par les pages d'accessibilité, de mentions légales et de données personnelles (sans elle : l'adresse postale de l'agence seule)")
	hebergeur := fs.String("hebergeur", os.Getenv("SEGUR_HEBERGEUR"), "hébergeur du portail nommé par les mentions légales, par exemple « Société X, 1 rue Y, 75000 Paris »")
	proconnectSeul := fs.Bool("agents-proconnect-seulement", os.Getenv("SEGUR_AGENTS_PROCONNECT_SEULEMENT") == "1", "les agents se connectent par ProConnect seulement, jamais par mot de passe (les fournisseurs gardent le leur)")
	sceaux := addSceaux(fs)
	smtpf := addSMTPFlags(fs)
	lim := addLimitesFlags(fs)
	// The agency's account the SEPA transfers debit; a fictitious one by default, for the demo.
	payeur := agence.PayeurDemo
	fs.StringVar(&payeur.Nom, "asp-nom", envOr("SEGUR_ASP_NOM", payeur.Nom), "titulaire du compte de l'agence débité par les virements SEPA")
	fs.StringVar(&payeur.IBAN, "asp-iban", envOr("SEGUR_ASP_IBAN", payeur.IBAN), "IBAN du compte de l'agence ; celui par défaut est fictif, pour la démonstration")
	fs.StringVar(&payeur.BIC, "asp-bic", envOr("SEGUR_ASP_BIC", payeur.BIC), "BIC du compte de l'agence")
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "segur serve : argument « %s » inattendu\n", rest[0])
		return exitUsage
	}
	payeur.IBAN, payeur.BIC = hop.NormaliserIBAN(payeur.IBAN), strings.ToUpper(strings.TrimSpace(payeur.BIC))
	if err := payeur.Valider(); err != nil {
		fmt.Fprintf(e.stderr, "segur serve : --asp-nom, --asp-iban, --asp-bic : %v\n", err)
		return exitUsage
	}
	if *clamavEvery < time.Second {
		fmt.Fprintf(e.stderr, "segur serve : --clamav-intervalle %s : attendu une durée d'au moins 1 s, par exemple 10s\n", *clamavEvery)
		return exitUsage
	}
	if err := lim.valider(); err != nil {
		fmt.Fprintf(e.stderr, "segur serve : %v\n", err)
		return exitUsage
	}
	trusted, err := proxies.Parse(*proxiesf)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur serve : --proxies : %v\n", err)
		return exitUsage
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		fmt.Fprintf(e.stderr, "segur serve : --addr « %s » : attendu hôte:port, par exemple 127.0.0.1:8080\n", *addr)
		return exitUsage
	}
	if *public != "" {
		u, err := parsePortalURL(*public)
		if err != nil {
			fmt.Fprintf(e.stderr, "segur serve : --url : %v\n", err)
			return exitUsage
		}
		*public = u
	}
	if c := *contact; c != "" {
		if _, err := mail.ParseAddress(c); err != nil || strings.ContainsAny(c, "<> ") {
			fmt.Fprintf(e.stderr, "segur serve : --contact « %s » : attendu une adresse électronique, par exemple accessibilite@asp.gouv.fr\n", c)
			return exitUsage
		}
	}
	// The programme's threshold unless the flag is given: its default
	// (shown by --help) is only ProgrammeParDefaut's, written in euros.
	if donne(fs, "seuil-convention") {
		c, ok := segur.LireEuros(*seuil)
		if !ok || c <= 0 {
			fmt.Fprintf(e.stderr, "segur serve : --seuil-convention « %s » : attendu un montant en euros, par exemple 23000 ou 23000,00\n", *seuil)
			return exitUsage
		}
		prog.SeuilConvention = c
	}
	if *clamavf != "" {
		if _, err := clamav.Nouveau(*clamavf); err != nil {
			fmt.Fprintf(e.stderr, "segur serve : --clamav : %v\n", err)
			return 1 // a configuration refused, as a bad --tls-cert
		}
	}
	if err := optionsTLS(*tlsCert, *tlsKey, *httpRedirect); err != nil {
		fmt.Fprintf(e.stderr, "segur serve : %v\n", err)
		return exitUsage
	}
	// The pair is read before anything starts: a configuration refused.
	var certs *certificats
	if *tlsCert != "" {
		if certs, err = chargerCertificats(*tlsCert, *tlsKey); err != nil {
			return reportErr(e, "serve", err)
		}
	}
	scheme := "http"
	if certs != nil {
		scheme = "https"
	}
	// ProConnect: checked now, reached on its first use (a provider away
	// stops no vendor from signing in).
	var pc *web.ProConnect
	switch {
	case *oidcIssuer != "" || *oidcClient != "":
		base := strings.TrimRight(*public, "/")
		if base == "" {
			base = scheme + "://" + *addr
		}
		pc = &web.ProConnect{Config: proconnect.Config{Issuer: *oidcIssuer, ClientID: *oidcClient,
			ClientSecret: os.Getenv("SEGUR_OIDC_SECRET"), RedirectURL: base + "/connexion/proconnect/retour",
			Scopes: []string{"openid", "email", "given_name", "usual_name"}, Timeout: 5 * time.Second}}
		if err := pc.Config.Valider(); err != nil {
			fmt.Fprintf(e.stderr, "segur serve : --oidc-issuer, --oidc-client-id : %v\n", err)
			return 1 // a configuration refused
		}
		if s := pc.Config.ClientSecret; s != "" {
			// Every instance with the same secret signs the sign-ins under
			// way alike: the callback may reach another one.
			m := hmac.New(sha256.New, []byte(s))
			m.Write([]byte("segur-proconnect-cookie"))
			pc.Cle = m.Sum(nil)
		}
	case *proconnectSeul:
		fmt.Fprintln(e.stderr, "segur serve : --agents-proconnect-seulement demande --oidc-issuer et --oidc-client-id")
		return exitUsage
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	db, err := dbf.open(ctx)
	if err != nil {
		return reportErr(e, "serve", err)
	}
	defer db.Close()
	db.SetMaxConns(lim.dbMaxConns)
	store, err := blob.Open(ctx, *blobs, *dbf.data)
	if err != nil {
		return reportErr(e, "serve", err)
	}
	// Deposits' files wait in a temporary folder until accepted for
	// control; what a crash left there goes after an hour.
	stager, err := blob.NewStager(store, *dbf.data)
	if err != nil {
		return reportErr(e, "serve", err)
	}
	nettoyerTmp(ctx, log, stager.Dir())
	// The mails of the outbox, sent until the server stops.
	// The pages wake the postman for the mails someone waits for.
	reveil := make(chan struct{}, 1)
	stopPostier, err := smtpf.start(ctx, e, log, db, store, reveil)
	if err != nil {
		return reportErr(e, "serve", err)
	}
	defer stopPostier()
	if *demo {
		if err := seedDemo(ctx, e, db, dbf.option()); err != nil {
			return reportErr(e, "serve --demo", err)
		}
		g := &segur.Guichet{Store: db, Blobs: store, Paris: paris()}
		if err := deposerDemo(ctx, e, db, g, store); err != nil {
			return reportErr(e, "serve --demo", err)
		}
	}
	// /metrics: on its own listener with --metrics-addr, else on the
	// portal's for local requests only.
	metrics := &api.Metrics{Store: db, Dossier: *dbf.data, Local: *metricsAddr == "", Proxies: trusted, Antivirus: *clamavf != ""}
	a := &api.API{Store: db, Blobs: store, Log: log, Now: time.Now, Metrics: metrics, AttenteBase: lim.dbAttente, Injoignable: sqlstore.Injoignable,
		Proxies: trusted, Guichet: &segur.Guichet{Store: db, Blobs: store, Paris: paris(), Stager: stager,
			Limite: &segur.LimiteDepots{Max: lim.maxDepots, MaxParFournisseur: lim.maxDepotsFournisseur}, Quotas: lim.quotas(), Contact: *contact}}
	mux := http.NewServeMux()
	a.Routes(mux)
	if st, err := os.Stat(filepath.Join(*dsfr, "dsfr.min.css")); err != nil || st.IsDir() {
		fmt.Fprintf(e.stderr, "segur serve : DSFR absent de %s : les pages seront sans style (lancez scripts/dsfr.sh)\n", *dsfr)
		*dsfr = ""
	}
	base := strings.TrimRight(*public, "/")
	if base == "" {
		base = scheme + "://" + *addr
	}
	inst := &agence.Instruction{Store: db, Blobs: store, Log: log, Now: time.Now, Paris: paris(), Programme: prog,
		DelaiSignature: segur.DelaiSignature, Lien: func(asp string) string { return base + "/demandes/" + asp }}
	pages := &web.Server{Store: db, Blobs: store, Guichet: a.Guichet, Instruction: inst, Log: log, Now: time.Now, Paris: paris(), DSFR: *dsfr, Secure: *https || certs != nil, Proxies: trusted,
		Injoignable: sqlstore.Injoignable, AttenteBase: lim.dbAttente}
	pages.Paiements = &agence.Paiements{Store: db, Blobs: store, Log: log, Now: time.Now, Paris: paris(), Programme: prog,
		Payeur: payeur, Lien: base + "/paiements"}
	pages.Connexions = metrics
	pages.ProConnect, pages.AgentsProConnectSeulement = pc, *proconnectSeul
	pages.Contact, pages.Hebergeur, pages.OpenAPI = *contact, strings.TrimSuffix(strings.TrimSpace(*hebergeur), "."), api.OpenAPI()
	pages.URL = base
	pages.Reveiller = func() {
		select {
		case reveil <- struct{}{}:
		default: // a pass is due already
		}
	}
	// The API's messages mail the agents with the pages' links.
	a.URL, a.Reveiller = base, pages.Reveiller
	// The stored alert codes the queue filters on, kept up to date.
	calcul := &agence.CalculAlertes{Store: db, Programme: prog, Log: log}
	db.ApresEcriture(calcul.Reveiller) // a write may mark requests: computed at once
	stopCalcul := demarrerCalculAlertes(ctx, calcul)
	defer stopCalcul()
	// The planner's statistics kept fresh as the base grows (SQLite; a
	// no-op on PostgreSQL, whose autovacuum does it).
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if err := db.Optimize(ctx); err != nil && ctx.Err() == nil {
				log.Warn("statistiques de la base non mises à jour", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	if *clamavf != "" {
		pages.Antivirus = true
		stopAntivirus, err := demarrerAntivirus(ctx, e, log, *clamavf, *clamavEvery, &agence.Analyses{Store: db, Blobs: store, Log: log, Now: time.Now,
			Lien: func(asp string) string { return base + "/demandes/" + asp }})
		if err != nil {
			return reportErr(e, "serve", err)
		}
		defer stopAntivirus()
	} else {
		fmt.Fprintln(e.stderr, "segur serve : pas d'antivirus (--clamav) : les pièces déposées sont ouvertes sans analyse, et les pages des agents le disent.")
	}
	stopSceaux, err := sceaux.Demarrer(ctx, e, log, db)
	if err != nil {
		return reportErr(e, "serve", err)
	}
	defer stopSceaux()
	if err := pages.Routes(mux); err != nil {
		return reportErr(e, "serve", err)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := db.Ping(r.Context()); err != nil {
			http.Error(w, "base indisponible", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", pret(db, store))
	if *metricsAddr == "" {
		mux.Handle("GET /metrics", metrics)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur serve : impossible d'écouter sur %s : %s\n", *addr, pourquoiEcoute(err))
		return exitService
	}
	var tlsConf *tls.Config
	if certs != nil {
		tlsConf = certs.config()
	}
	ln = limiterEcoute(ln, lim.maxConnexions, tlsConf)
	stopMetriques, code := ecouterMetriques(e, log, *metricsAddr, metrics)
	if code != exitOK {
		ln.Close()
		return code
	}
	defer stopMetriques()
	srv := &http.Server{Handler: hsts(debitMinimum(metrics.Middleware(mux), lim.delaiCorps, lim.debitMin<<10), certs != nil || *https), ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	servers := []*http.Server{srv}
	srv.TLSConfig = tlsConf
	var redirLn net.Listener
	if *httpRedirect != "" {
		if redirLn, err = net.Listen("tcp", *httpRedirect); err != nil {
			ln.Close()
			fmt.Fprintf(e.stderr, "segur serve : impossible d'écouter sur %s : %s\n", *httpRedirect, pourquoiEcoute(err))
			return exitService
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		servers = append(servers, &http.Server{Handler: redirigerHTTPS(*public, port, mux), ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: srv.ErrorLog})
	}
	if certs != nil {
		// SIGHUP reloads the pair (without TLS, it keeps its default:
		// the process ends). Caught before the line that says the portal
		// is up, which a script may wait for before sending it.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		hctx, stop := context.WithCancel(ctx)
		defer stop()
		go certs.surveiller(hctx, log, hup)
	}
	fmt.Fprintf(e.stderr, "Portail segur sur %s://%s/ (API : /api/v1, santé : /healthz)\n", scheme, ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "tls", certs != nil)
	errc := make(chan error, len(servers))
	go func() {
		if certs != nil {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	if redirLn != nil {
		fmt.Fprintf(e.stderr, "Redirection vers HTTPS sur http://%s/ (sauf /healthz)\n", redirLn.Addr())
		go func() { errc <- servers[1].Serve(redirLn) }()
	}
	select {
	case err := <-errc:
		for _, s := range servers {
			s.Close()
		}
		return reportErr(e, "serve", err)
	case <-ctx.Done():
	}
	// Deposits in flight finish; new connections are refused.
	sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			log.Error("shutdown", "err", err)
		}
	}
	for range servers {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("serve", "err", err)
		}
	}
	log.Info("stopped")
	return exitOK
}

// donne reports whether flag name was given on the command line.
func donne(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// pourquoiEcoute says in French why the server cannot listen, for the
// common causes; the system's words otherwise.
func pourquoiEcoute(err error) string {
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return "l'adresse est déjà utilisée (un autre segur serve, ou un autre service, écoute sur ce port)"
	case errors.Is(err, syscall.EACCES):
		return "permission refusée (un port inférieur à 1024 demande des droits d'administrateur)"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "cette adresse n'est pas celle d'une interface de cette machine"
	case errors.As(err, &dns):
		return "nom d'hôte inconnu (" + dns.Name + ")"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// Demo data: the document's vendor and its ANS number.
const (
	demoSIRET = "88558855858745"
	demoANS   = "1234567890"
)

// seedDemo creates, when missing, the demo vendor, product, users and an
// open campaign window, and prints the logins.
func seedDemo(ctx context.Context, e *env, db *sqlstore.DB, base string) error {
	ctx = segur.WithActeur(ctx, segur.Acteur{Login: "demo", Adresse: "segur serve --demo"})
	ignore := func(err error) error {
		if segur.IsCode(err, segur.ECONFLICT) {
			return nil
		}
		return err
	}
	f := &segur.Fournisseur{SIRET: demoSIRET, Nom: "Le Beau Logiciel", Email: "contact@lebeaulogiciel.fr",
		IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP"}
	if err := f.Valider(true); err != nil {
		return err
	}
	if err := ignore(db.CreateFournisseur(ctx, f)); err != nil {
		return err
	}
	f, err := db.FindFournisseurBySIRET(ctx, demoSIRET)
	if err != nil {
		return err
	}
	p := &segur.Produit{NumeroAns: demoANS, FournisseurID: f.ID, Logiciel: hop.LogicielRI, Nom: "Référentiel d'identité du Beau Logiciel"}
	if err := ignore(db.CreateProduit(ctx, p)); err != nil {
		return err
	}
	comptes := []struct {
		login, nom string
		roles      []segur.Role
	}{
		{"fournisseur@lebeaulogiciel.fr", "Éditeur de démonstration", []segur.Role{segur.RoleFournisseur}},
		{"instructeur@asp.demo", "Instructeur de démonstration", []segur.Role{segur.RoleInstructeur}},
		{"payeur@asp.demo", "Payeur de démonstration", []segur.Role{segur.RolePayeur}},
		// A second payment officer: the one who prepares a batch never
		// approves it (four eyes).
		{"approbateur@asp.demo", "Approbateur de démonstration", []segur.Role{segur.RolePayeur}},
		{"admin@asp.demo", "Administrateur de démonstration", []segur.Role{segur.RoleAdmin, segur.RoleInstructeur}},
	}
	const motDePasse = "demo-segur-2026"
	fmt.Fprintln(e.stderr, "Démonstration : comptes (mot de passe « "+motDePasse+" ») :")
	for _, c := range comptes {
		u := &segur.Utilisateur{Login: c.login, Nom: c.nom, Roles: c.roles}
		if u.A(segur.RoleFournisseur) {
			u.FournisseurID = f.ID
		}
		if _, err := db.FindUtilisateurByLogin(ctx, c.login); segur.IsCode(err, segur.ENOTFOUND) {
			if u.MotDePasse, err = auth.HashPassword(motDePasse); err != nil {
				return err
			}
			if err := db.CreateUtilisateur(ctx, u); err != nil {
				return ignore(err)
			}
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "  %-20s %s\n", u.RolesTexte(), c.login)
	}
	fen, err := db.FindFenetres(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	if segur.DepotOuvert(fen, hop.LogicielRI, segur.TypeAvance, now, paris()) != nil || !fenetreOuverte(fen, now) {
		debut := now.AddDate(0, 0, -30).Truncate(time.Hour)
		if err := db.CreateFenetre(ctx, &segur.Fenetre{Logiciel: hop.LogicielRI, Type: segur.TypeAvance, Debut: debut, Fin: debut.AddDate(0, 4, 0)}); err != nil {
			return err
		}
	}
	if _, _, err := db.FindReference(ctx); segur.IsCode(err, segur.ENOTFOUND) {
		if _, err := db.CreateReference(ctx, segur.ReferenceDemo()); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "  fournisseur « %s », SIRET %s, numéro ANS %s (RI)\n", f.Nom, demoSIRET, demoANS)
	fmt.Fprintf(e.stderr, "  jeton d'API : bin/segur admin token add --siret %s%s > jeton.txt\n", demoSIRET, base)
	return nil
}

func fenetreOuverte(fen []segur.Fenetre, now time.Time) bool {
	for _, f := range fen {
		if f.Logiciel == hop.LogicielRI && f.Type == segur.TypeAvance && !now.Before(f.Debut) && now.Before(f.Fin) {
			return true
		}
	}
	return false
}

// deposerDemo deposits, once, two requests of the demo vendor, numbered
// D0001 and D0002 (so that the document's example, numbered 00001, can
// still be deposited by hand): one like the document's example, one above
// 23 000 € for a convention. Agents find work waiting.
func deposerDemo(ctx context.Context, e *env, db *sqlstore.DB, g *segur.Guichet, blobs segur.Blobs) error {
	ctx = segur.WithActeur(ctx, segur.Acteur{Login: "demo", Adresse: "segur serve --demo"})
	f, err := db.FindFournisseurBySIRET(ctx, demoSIRET)
	if err != nil {
		return err
	}
	used, err := db.FindNumerosEditeur(ctx, f.ID)
	if err != nil {
		return err
	}
	for _, n := range used {
		if strings.EqualFold(n, "D0001") {
			return nil
		}
	}
	tel := "01 23 45 67 89"
	exemple := hop.DonneesDemande{NumeroEditeur: "D0001", DateCommande: hop.Date{Annee: 2021, Mois: 10, Jour: 15}, RegimeTVA: "HT",
		MontantHTCents: 13_750_00, Mandataire: &hop.Contact{Nom: "DUPONT", Email: "direction@hopital-saint-martin.fr", Telephone: tel},
		Clients: []hop.Client{
			{Contact: hop.Contact{Nom: "HOPITAL SAINT-MARTIN", Email: "direction@hopital-saint-martin.fr", Telephone: tel}, FINESSPMSI: "999999999"},
			{Contact: hop.Contact{Nom: "HOPITAL SAINT-MARTIN - SITE NORD", Email: "site-nord@hopital-saint-martin.fr", Telephone: tel}, FINESSPMSI: "999999991"},
			{Contact: hop.Contact{Nom: "HOPITAL SAINT-MARTIN - SITE SUD", Email: "site-sud@hopital-saint-martin.fr", Telephone: tel}, FINESSPMSI: "999999992"},
		}}
	grande := exemple
	grande.NumeroEditeur, grande.MontantHTCents = "D0002", 48_000_00
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	fichier := hop.FichierHOP{NumeroAns: demoANS, SIRET: demoSIRET, Logiciel: hop.LogicielRI}
	for _, d := range []hop.DonneesDemande{exemple, grande} {
		for _, typ := range []string{hop.TypeBonCommande, hop.TypePreuveHT} {
			nom := hop.NomPiece(hop.LogicielRI, typ, d.NumeroEditeur, "PDF")
			d.Pieces = append(d.Pieces, hop.Piece{NomFichier: nom, Format: "PDF", Type: typ})
			w, err := zw.Create(nom)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "%%PDF-1.4\n%% pièce de démonstration %s\n%%%%EOF\n", nom)
		}
		fichier.Demandes = append(fichier.Demandes, d)
	}
	if err := zw.Close(); err != nil {
		return err
	}
	var jbuf bytes.Buffer
	if err := hop.EcrireHOP(&jbuf, fichier); err != nil {
		return err
	}
	jsonRef, err := blobs.Put(ctx, &jbuf, hop.MaxFichier)
	if err != nil {
		return err
	}
	zipRef, err := blobs.Put(ctx, &zbuf, hop.MaxArchive)
	if err != nil {
		return err
	}
	now := time.Now()
	p, err := g.Recevoir(ctx, f, segur.TypeAvance, demoANS, now)
	if err != nil {
		return err
	}
	nom := fmt.Sprintf("JSON-%s-%s-001.json", demoANS, now.In(paris()).Format("20060102"))
	d, err := g.Deposer(ctx, segur.Envoi{Fournisseur: f, Type: segur.TypeAvance, NumeroAns: demoANS, NomFichier: nom, Recu: now, JSON: jsonRef, Zip: zipRef}, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "  dépôt de démonstration %s : %d demandes (D0001, D0002)\n", d.ImpID, len(d.Lignes))
	return nil
}
