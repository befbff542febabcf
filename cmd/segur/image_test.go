package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/internal/segurtest"
)

// TestImage builds the container image of the Dockerfile with
// scripts/image.sh and runs the operator's guide's « Avec un conteneur »
// blocks ("sh conteneur") as written, from the repository's root, podman
// standing in for docker: a docker on PATH that is podman with its own
// storage (the test's images, containers and volumes are its own, and go
// with it), runc and bounded ulimits (containers.conf). The guide's
// 127.0.0.1:8080 is replaced by a free port. Then what the guide does not
// show: the process runs as uid 65532, the image's health check is
// segur health and passes, /data is a volume, and the DSFR is served.
func TestImage(t *testing.T) {
	podman := segurtest.Outil(t, "SEGUR_TEST_PODMAN", "podman", "to build and run the container image", "scripts/podman.sh")
	guide, err := os.ReadFile("../../docs/exploitation.md")
	if err != nil {
		t.Fatal(err)
	}
	cmds := commandesBlocs(guide, "sh conteneur")
	if len(cmds) < 12 {
		t.Fatalf("got %d commands in the blocks « sh conteneur » of docs/exploitation.md, want the container's flow", len(cmds))
	}
	racine := racineDepot(t)

	work := t.TempDir()
	for _, d := range []string{"bin", "tmp"} {
		if err := os.Mkdir(filepath.Join(work, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// podman's storage, outside t.TempDir: its layers are mounted while it
	// runs, and removed by podman itself at the end.
	store, err := os.MkdirTemp("", "segur-podman-")
	if err != nil {
		t.Fatal(err)
	}
	pm := []string{"--root", filepath.Join(store, "root"), "--runroot", filepath.Join(store, "run")}
	conf := filepath.Join(work, "containers.conf")
	if err := os.WriteFile(conf, []byte(`[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	docker := "#!/bin/sh\nexec " + podman + " " + strings.Join(pm, " ") + ` "$@"` + "\n"
	if err := os.WriteFile(filepath.Join(work, "bin", "docker"), []byte(docker), 0o700); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, v := range os.Environ() {
		if !strings.HasPrefix(v, "SEGUR_") && !strings.HasPrefix(v, "PATH=") && !strings.HasPrefix(v, "CONTAINER=") {
			env = append(env, v)
		}
	}
	env = append(env, "PATH="+filepath.Join(work, "bin")+":"+os.Getenv("PATH"), "CONTAINERS_CONF="+conf,
		"BUILDAH_FORMAT=docker", "TMPDIR="+filepath.Join(work, "tmp"))
	run := func(ctx context.Context, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, podman, append(append([]string{}, pm...), args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, args := range [][]string{{"rm", "-af", "-t", "0"}, {"volume", "rm", "-af"}, {"rmi", "-af"}} {
			if out, err := run(ctx, args...); err != nil {
				t.Logf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		demonter(t, store)
		if err := os.RemoveAll(store); err != nil {
			t.Errorf("podman's storage left behind: %v", err)
		}
	})

	addr := adresseLibre(t)
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	executerCommandes(t, ctx, "docs/exploitation.md (Avec un conteneur)", cmds, racine, env, func(s string) string {
		return strings.ReplaceAll(s, "127.0.0.1:8080", addr)
	})
	if t.Failed() {
		out, _ := run(ctx, "logs", "segur")
		t.Fatalf("the container's log:\n%s", out)
	}

	// The server itself runs as segur, not root (the guide shows the
	// image's configuration only).
	if out, err := run(ctx, "top", "segur", "huser", "args"); err != nil || !strings.Contains(out, "65532") || !strings.Contains(out, "/usr/local/bin/segur serve") {
		t.Errorf("podman top: %v\n%s", err, out)
	}
	out, err := run(ctx, "image", "inspect", "segur:essai", "--format",
		"{{.Config.User}}|{{.Config.Healthcheck.Test}}|{{range $k, $v := .Config.Volumes}}{{$k}}{{end}}|{{.Config.Entrypoint}}|{{.Size}}")
	if err != nil || !strings.HasPrefix(out, "65532:65532|[CMD /usr/local/bin/segur health]|/data|[/usr/local/bin/segur]|") {
		t.Errorf("the image's configuration: %v\n%s", err, out)
	}
	t.Logf("image segur:essai: user|health check|volume|entrypoint|size in bytes = %s", strings.TrimSpace(out))
	if out, err := run(ctx, "healthcheck", "run", "segur"); err != nil {
		t.Errorf("podman healthcheck run: %v\n%s", err, out)
	}
	// The DSFR is in the image: the pages are styled.
	if out, err := exec.CommandContext(ctx, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{content_type}",
		"http://"+addr+"/dsfr/dsfr.min.css").CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "200 text/css") {
		t.Errorf("GET /dsfr/dsfr.min.css: %v %s", err, out)
	}
}

// demonter unmounts what podman left mounted under dir (its overlay
// storage), deepest first, so that dir can be removed.
func demonter(t *testing.T, dir string) {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if champs := strings.Fields(sc.Text()); len(champs) > 1 && strings.HasPrefix(champs[1], dir+"/") {
			points = append(points, champs[1])
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		if out, err := exec.Command("umount", points[i]).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v %s", points[i], err, out)
		}
	}
}
