package segur

import (
	goparser "go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDomaineSansES: the domain package does no I/O of its own and depends
// on no adapter.
func TestDomaineSansES(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := goparser.ParseFile(fset, f, nil, goparser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "os" || path == "net" || strings.HasPrefix(path, "net/") || path == "database/sql" ||
				strings.Contains(path, "/internal/") || path == "os/exec" {
				t.Errorf("%s imports %s: the domain must not", f, path)
			}
		}
	}
}
