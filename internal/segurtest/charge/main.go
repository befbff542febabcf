// Command charge attacks a real segur serve for a bounded time, as an
// outsider and a vendor would, all at once, and prints what the server
// held meanwhile: resident memory, open descriptors, the size of its data
// folder, and how fast /healthz answered; and what became of each attack.
// It starts its own demo portal (bin/segur serve --demo) on a temporary
// folder and a free loopback port, and stops it at the end.
//
//	make charge    # go run ./internal/segurtest/charge -bin bin/segur -duree 60s
//
// The attacks, each by a bounded number of clients:
//   - unknown logins: 64 clients POST /connexion with logins that do not
//     exist (each costs the server a password check);
//   - one login: 8 clients try wrong passwords on the demo vendor's login;
//   - stalled uploads: 50 connections send a deposit's headers and 7 bytes
//     of its body, then wait; when the server closes one, it is opened
//     again;
//   - refused deposits: 4 clients send deposits the portal refuses (an
//     unknown numeroAns) with a zip of 1 Mo, a different one each time,
//     with the vendor's token (the same token as the stalled uploads: once
//     those hold the vendor's share of concurrent uploads, its deposits
//     get 429);
//   - forgotten passwords: 16 clients ask for a link, half of them for the
//     demo vendor's address (to flood its mailbox), half for unknown ones;
//     the links sent to the vendor are counted at the end;
//   - public pages: 8 clients read the API's documentation and the
//     mandatory pages;
//
// and meanwhile, from another loopback address (127.0.0.2), the demo
// vendor logs in with the right password every 2 s, and /healthz is asked
// every 100 ms.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	demoSIRET  = "88558855858745"
	demoLogin  = "fournisseur@lebeaulogiciel.fr"
	motDePasse = "demo-segur-2026"
)

func main() {
	bin := flag.String("bin", "bin/segur", "le programme segur à attaquer")
	duree := flag.Duration("duree", time.Minute, "durée de l'attaque")
	flag.Parse()
	if err := run(*bin, *duree); err != nil {
		fmt.Fprintln(os.Stderr, "charge :", err)
		os.Exit(1)
	}
}

// compteur counts the answers of one attack, by HTTP status or error.
type compteur struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *compteur) add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[k]++
}

func (c *compteur) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ks []string
	for k := range c.n {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	var b strings.Builder
	for i, k := range ks {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s × %d", k, c.n[k])
	}
	if b.Len() == 0 {
		return "aucune réponse"
	}
	return b.String()
}

func statut(resp *http.Response, err error) string {
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "délai dépassé"
		}
		return "erreur réseau"
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}

func run(bin string, duree time.Duration) error {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s introuvable : lancez make build", bin)
	}
	data, err := os.MkdirTemp("", "segur-charge-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	base := "http://" + addr

	var journal bytes.Buffer
	serve := exec.Command(bin, "serve", "--demo", "--data", data, "--addr", addr)
	serve.Stdout, serve.Stderr = &journal, &journal
	if err := serve.Start(); err != nil {
		return err
	}
	defer func() {
		serve.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { serve.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			serve.Process.Kill()
		}
	}()
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if err := attendre(client, base); err != nil {
		return fmt.Errorf("%v\n%s", err, journal.String())
	}
	jeton, err := exec.Command(bin, "admin", "token", "add", "--siret", demoSIRET, "--data", data).Output()
	if err != nil {
		return fmt.Errorf("jeton : %v", err)
	}
	token := strings.TrimSpace(string(jeton))
	taille0, fichiers0 := tailleDossier(data), tailleDossier(filepath.Join(data, "blobs"))

	ctx, cancel := context.WithTimeout(context.Background(), duree)
	defer cancel()
	var wg sync.WaitGroup
	var inconnus, unCompte, lents, refuses, legitime, oublis, publiques compteur
	var lentsFermes atomic.Int64

	// Unknown logins.
	for i := range 64 {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				f := url.Values{"login": {fmt.Sprintf("inconnu-%d-%d@exemple.fr", i, n)}, "motdepasse": {"mauvais"}}
				inconnus.add(statut(client.PostForm(base+"/connexion", f)))
			}
		})
	}
	// Wrong passwords on one known login.
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				f := url.Values{"login": {demoLogin}, "motdepasse": {"mauvais"}}
				unCompte.add(statut(client.PostForm(base+"/connexion", f)))
			}
		})
	}
	// « Mot de passe oublié », to flood the vendor's mailbox or lock it
	// out: 8 clients on its address, 8 on unknown ones.
	for i := range 16 {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				login := demoLogin
				if i%2 == 1 {
					login = fmt.Sprintf("oubli-%d-%d@exemple.fr", i, n)
				}
				oublis.add(statut(client.PostForm(base+"/motdepasse/oublie", url.Values{"login": {login}})))
			}
		})
	}
	// The public pages (the API's documentation, the mandatory pages).
	for i := range 8 {
		wg.Go(func() {
			pages := []string{"/api", "/accessibilite", "/donnees-personnelles", "/connexion"}
			for n := 0; ctx.Err() == nil; n++ {
				publiques.add(statut(client.Get(base + pages[(i+n)%len(pages)])))
			}
		})
	}
	// Stalled uploads.
	for range 50 {
		wg.Go(func() {
			for ctx.Err() == nil {
				if envoiLent(ctx, addr, token) {
					lentsFermes.Add(1)
					lents.add("fermé par le serveur")
				}
			}
		})
	}
	// Refused deposits, each with a different 1 Mo zip (the store keeps
	// one copy of identical files).
	for range 4 {
		wg.Go(func() {
			zip := make([]byte, 1<<20)
			for ctx.Err() == nil {
				rand.Read(zip)
				refuses.add(statut(deposer(ctx, client, base, token, zip)))
			}
		})
	}
	// The vendor, from another address, logs in every 2 s.
	autre := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext}}
	wg.Go(func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			f := url.Values{"login": {demoLogin}, "motdepasse": {motDePasse}}
			resp, err := autre.PostForm(base+"/connexion", f)
			switch {
			case err == nil && resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/tableau":
				statut(resp, err)
				legitime.add("connecté")
			default:
				legitime.add("refusé (" + statut(resp, err) + ")")
			}
		}
	})
	// /healthz every 100 ms.
	var sante []time.Duration
	var santeEchecs atomic.Int64
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		c := &http.Client{Timeout: 10 * time.Second}
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			start := time.Now()
			resp, err := c.Get(base + "/healthz")
			d := time.Since(start)
			if s := statut(resp, err); s != "200" {
				santeEchecs.Add(1)
			}
			sante = append(sante, d)
		}
	})
	// The server's memory, descriptors and data folder every 500 ms.
	var rssMax, fdMax int64
	var dossierMax int64
	wg.Go(func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rssMax = max(rssMax, rss(serve.Process.Pid))
			fdMax = max(fdMax, descripteurs(serve.Process.Pid))
			dossierMax = max(dossierMax, tailleDossier(data))
		}
	})
	wg.Wait()
	time.Sleep(2 * time.Second) // the server ends what it had in hand
	pic := hwm(serve.Process.Pid)
	apres, fichiersApres := tailleDossier(data), tailleDossier(filepath.Join(data, "blobs"))

	slices.Sort(sante)
	q := func(p float64) time.Duration {
		if len(sante) == 0 {
			return 0
		}
		return sante[min(len(sante)-1, int(p*float64(len(sante))))]
	}
	fmt.Printf("Attaque de %s pendant %s (%s).\n\n", base, duree, bin)
	fmt.Printf("Serveur : mémoire résidente jusqu'à %.0f Mio (pic du processus %.0f Mio), jusqu'à %d descripteurs ouverts.\n",
		float64(rssMax)/(1<<20), float64(pic)/(1<<20), fdMax)
	fmt.Printf("Dossier des données : %.1f Mo au départ, %.1f Mo au plus, %.1f Mo à la fin, dont fichiers déposés %.1f Mo au départ et %.1f Mo à la fin (le reste : la base et son journal).\n",
		float64(taille0)/1e6, float64(dossierMax)/1e6, float64(apres)/1e6, float64(fichiers0)/1e6, float64(fichiersApres)/1e6)
	fmt.Printf("/healthz (%d appels) : médiane %s, 99e centile %s, maximum %s, %d échec(s).\n\n",
		len(sante), q(0.5).Round(time.Millisecond), q(0.99).Round(time.Millisecond), q(1).Round(time.Millisecond), santeEchecs.Load())
	fmt.Printf("Connexions inconnues (64 clients) : %s\n", &inconnus)
	fmt.Printf("Mauvais mots de passe sur %s (8 clients) : %s\n", demoLogin, &unCompte)
	fmt.Printf("Envois bloqués (50 connexions) : %d fermé(s) par le serveur\n", lentsFermes.Load())
	fmt.Printf("Dépôts refusés avec un .zip de 1 Mo (4 clients) : %s\n", &refuses)
	fmt.Printf("Le fournisseur, depuis 127.0.0.2, toutes les 2 s : %s\n", &legitime)
	fmt.Printf("« Mot de passe oublié » (16 clients, la moitié sur %s) : %s\n", demoLogin, &oublis)
	liste, err := exec.Command(bin, "admin", "mail", "list", "--limit", "1000", "--data", data).Output()
	if err != nil {
		return fmt.Errorf("courriels : %v", err)
	}
	fmt.Printf("Liens de mot de passe envoyés à %s : %d\n", demoLogin, strings.Count(string(liste), demoLogin))
	fmt.Printf("Pages publiques (8 clients) : %s\n", &publiques)
	return nil
}

// attendre waits for the portal's /healthz.
func attendre(c *http.Client, base string) error {
	for range 300 {
		resp, err := c.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("le portail ne répond pas")
}

// envoiLent sends a deposit's headers and 7 bytes of a 10 Mo body, then
// waits; it reports whether the server closed the connection before ctx
// ended.
func envoiLent(ctx context.Context, addr, token string) bool {
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		time.Sleep(100 * time.Millisecond)
		return false
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /api/v1/depots HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 10000000\r\n\r\n--x\r\nCo", addr, token)
	fini := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c) // returns when the server closes
		close(fini)
	}()
	select {
	case <-fini:
		return true
	case <-ctx.Done():
		return false
	}
}

// deposer sends a deposit the portal refuses: a numeroAns the vendor does
// not have.
func deposer(ctx context.Context, c *http.Client, base, token string, zip []byte) (*http.Response, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("typeDemande", "avance")
	mw.WriteField("numeroAns", "0000000000")
	w, _ := mw.CreateFormFile("fichier", "JSON-0000000000-20261203-001.json")
	w.Write([]byte(`{"impId": null, "numeroAns": "0000000000", "SIRET": "88558855858745", "lignesImport": []}`))
	w, _ = mw.CreateFormFile("pieces", "JSON-0000000000-20261203-001.zip")
	w.Write(zip)
	mw.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/depots", &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

// rss is the resident memory of process pid, in bytes (0 when unknown).
func rss(pid int) int64 { return statusKio(pid, "VmRSS:") << 10 }

// hwm is the peak resident memory of process pid, in bytes.
func hwm(pid int) int64 { return statusKio(pid, "VmHWM:") << 10 }

func statusKio(pid int, champ string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, champ); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// descripteurs counts the open file descriptors of process pid.
func descripteurs(pid int) int64 {
	e, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0
	}
	return int64(len(e))
}

// tailleDossier is the size of the files under dir.
func tailleDossier(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if i, err := d.Info(); err == nil {
				n += i.Size()
			}
		}
		return nil
	})
	return n
}
