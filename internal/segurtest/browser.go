package segurtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser starts a headless Chromium for tb and returns a chromedp context
// for its first tab; the browser stops, and its profile is removed, at the
// end of the test. The executable is SEGUR_CHROMIUM (default
// /usr/bin/chromium; install it with: eval "$(scripts/chromium.sh)").
// Without it, Browser skips tb, or fails it when CI=true: a CI run must test
// in a browser.
//
// The browser runs without sandbox as root (Chromium refuses to start
// otherwise), with a fresh profile in tb.TempDir(), a 1280×800 window, and
// without the background traffic (updates, sync) that a test does not need.
func Browser(tb testing.TB) context.Context {
	tb.Helper()
	path := Outil(tb, "SEGUR_CHROMIUM", "/usr/bin/chromium", "to test in", "scripts/chromium.sh")

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	// The browser's own output, shown only when the test fails.
	var out lockedBuffer
	opts = append(opts, chromedp.CombinedOutput(&out))

	// Not tb.Context(): it ends before the cleanups and would kill the
	// browser; the cleanup closes it, then waits for it to exit, before
	// tb.TempDir() is removed (cleanups run last registered first).
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	started := false
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
		if started && tb.Failed() {
			if log := browserLog(out.String()); log != "" {
				tb.Logf("output of %s:\n%s", path, log)
			}
		}
	})
	// Start the browser now, with this context and no deadline, so that a
	// start failure shows here (chromedp's error holds the output) and the
	// browser lives as long as the test.
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start %s: %v", path, err)
	}
	started = true
	return ctx
}

// browserLog returns the last lines of the browser's output, without the
// lines that every run prints here and that tell nothing about a failure:
// no D-Bus in a container, and a harmless error of Debian's wrapper script
// ("[: ...: unexpected operator").
func browserLog(out string) string {
	var lines []string
	for line := range strings.Lines(out) {
		if strings.Contains(line, ":ERROR:dbus/") || strings.Contains(line, "unexpected operator") {
			continue
		}
		lines = append(lines, line)
	}
	const last = 30
	if len(lines) > last {
		lines = append([]string{fmt.Sprintf("[%d lines before]\n", len(lines)-last)}, lines[len(lines)-last:]...)
	}
	return strings.Join(lines, "")
}

// attenteNavigateur bounds a screenshot and an axe run: a page still
// navigating when it is looked at would leave the browser's answer waited
// for without end, the test with it.
const attenteNavigateur = time.Minute

// Screenshot saves a full-page PNG of the current page of ctx as
// <name>.png in a folder for the test: <SEGUR_SCREENSHOTS>/<test name>/,
// where SEGUR_SCREENSHOTS defaults to segur-screenshots in os.TempDir().
// It logs the file's path.
func Screenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	if name == "" || strings.ContainsAny(name, `/\`) || !filepath.IsLocal(name) {
		tb.Fatalf("Screenshot: want a file name without folder, got %q", name)
	}
	root := os.Getenv("SEGUR_SCREENSHOTS")
	if root == "" {
		root = filepath.Join(os.TempDir(), "segur-screenshots")
	}
	dir := filepath.Join(root, testDir(tb.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatalf("Screenshot: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, attenteNavigateur)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		tb.Fatalf("Screenshot %s: %v", name, err)
	}
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.Fatalf("Screenshot: %v", err)
	}
	tb.Logf("screenshot: %s", file)
}

// testDir turns a test's name into a relative folder: one folder per
// subtest level, with only letters, digits, '.', '_' and '-'.
func testDir(name string) string {
	dir := strings.Map(func(r rune) rune {
		switch {
		case r == '/':
			return filepath.Separator
		case r == '.' || r == '_' || r == '-',
			'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
			return r
		}
		return '_'
	}, name)
	if !filepath.IsLocal(dir) { // a subtest named ".." or "": keep one level
		dir = strings.ReplaceAll(dir, string(filepath.Separator), "_")
	}
	return dir
}

// axeTags are the rule sets Axe checks: WCAG 2.0 and 2.1, levels A and AA,
// the levels the RGAA (the French State's accessibility standard) requires.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// Axe checks the current page of ctx with axe-core for the rules of WCAG
// 2.0 and 2.1 at levels A and AA, and fails tb with one line per violated
// rule. The script is the file SEGUR_AXE_JS (fetch it with: eval
// "$(scripts/dsfr.sh)"); without it, Axe skips tb, or fails it when CI=true.
func Axe(tb testing.TB, ctx context.Context) {
	tb.Helper()
	script := axeScript(tb)
	ctx, cancel := context.WithTimeout(ctx, attenteNavigateur)
	defer cancel()
	violations, err := axeViolations(ctx, script)
	if err != nil {
		tb.Fatalf("axe: %v", err)
	}
	if len(violations) > 0 {
		url, _ := chromedp.Run(ctx, chromedp.Location())
		tb.Errorf("axe: %d accessibility rules violated on %s (WCAG 2.1 A/AA):\n%s",
			len(violations), url, formatViolations(violations))
	}
}

// axeScript reads axe-core's script from SEGUR_AXE_JS, or skips tb without
// it (fails it when CI=true).
func axeScript(tb testing.TB) []byte {
	tb.Helper()
	path := os.Getenv("SEGUR_AXE_JS")
	if path == "" {
		Indisponible(tb, `SEGUR_AXE_JS is empty: no axe-core to check accessibility with; fetch it with: eval "$(scripts/dsfr.sh)"`)
	}
	script, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		Indisponible(tb, fmt.Sprintf(`SEGUR_AXE_JS=%q does not exist; fetch it with: eval "$(scripts/dsfr.sh)"`, path))
	}
	if err != nil {
		tb.Fatalf("axe: %v", err)
	}
	return script
}

// An axeViolation is a rule that axe-core found violated, with the first of
// the elements that violate it.
type axeViolation struct {
	ID     string `json:"id"`     // the rule, as "label" or "image-alt"
	Impact string `json:"impact"` // minor, moderate, serious or critical
	Help   string `json:"help"`   // what the rule asks, in English
	Nodes  int    `json:"nodes"`  // how many elements violate it
	Target string `json:"target"` // a CSS selector of the first of them
}

// axeRun runs axe-core on the document for axeTags and returns its
// violations, the selectors of their first node made plain strings (a
// selector in an iframe or a shadow root is a list).
const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']})
	.then(r => r.violations.map(v => ({
		id: v.id,
		impact: v.impact || '',
		help: v.help,
		nodes: v.nodes.length,
		target: v.nodes.length ? v.nodes[0].target.map(t => [].concat(t).join(' >>> ')).join(' ') : '',
	})))`

// axeViolations injects axe-core's script into the current page of ctx,
// unless already there, and returns the violations of the rules of
// axeTags. DevTools evaluations are not subject to the page's CSP.
func axeViolations(ctx context.Context, script []byte) ([]axeViolation, error) {
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe === 'object'`))
	if err != nil {
		return nil, err
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](string(script))); err != nil {
			return nil, fmt.Errorf("inject axe-core: %w", err)
		}
	}
	tags := `['` + strings.Join(axeTags, `', '`) + `']`
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](fmt.Sprintf(axeRun, tags), chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	return v, nil
}

// formatViolations writes one line per violation, for a test failure.
func formatViolations(violations []axeViolation) string {
	var b strings.Builder
	for _, v := range violations {
		fmt.Fprintf(&b, "  %s (%s): %s; %d element(s), first: %s\n", v.ID, v.Impact, v.Help, v.Nodes, v.Target)
	}
	return b.String()
}

// DSFR is the folder of the DSFR fetched by scripts/dsfr.sh
// (SEGUR_DSFR_DIR); without it, tb is skipped, or fails when CI=true.
func DSFR(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("SEGUR_DSFR_DIR")
	if dir == "" {
		Indisponible(tb, `SEGUR_DSFR_DIR is empty: fetch the DSFR with: eval "$(scripts/dsfr.sh)"`)
	}
	return dir
}

// lockedBuffer is a bytes.Buffer safe for the browser's output goroutine and
// the test's.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
