package hop

import (
	goparser "go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSansPortail: hop is a library of its own. Neither it nor its tests
// import anything of the portal: not the root package segur, nothing under
// internal/, no other package of the module.
func TestSansPortail(t *testing.T) {
	const module = "github.com/segur-numerique/segur"
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no Go file found")
	}
	fset := token.NewFileSet()
	for _, f := range files {
		ast, err := goparser.ParseFile(fset, f, nil, goparser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == module || strings.HasPrefix(path, module+"/") && path != module+"/hop" || strings.Contains(path, "/internal/") {
				t.Errorf("%s imports %s: hop must import nothing of the portal", f, path)
			}
		}
	}
}
