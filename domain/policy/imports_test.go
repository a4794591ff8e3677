package policy_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDomainImports checks that no non-test file under domain imports a
// driver, HTTP, storage or other I/O package, a clock-free domain's enemies
// (context, log, randomness), or any module but google/uuid and the domain
// itself. The test-support package domain/internal/eventtest reads golden
// files, so it is exempt, and no non-test file may import it instead. It reads
// the source, so it also guards packages added later.
func TestDomainImports(t *testing.T) {
	forbidden := []string{"context", "database", "log", "net", "os", "syscall", "io/ioutil", "plugin", "math/rand", "crypto/rand", "runtime/cgo"}
	allowedModules := []string{"github.com/google/uuid", "github.com/kinerja/kinerja/domain"}
	const testSupport = "github.com/kinerja/kinerja/domain/internal/eventtest"
	testSupportDir := filepath.Join("..", "internal", "eventtest")
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || path == testSupportDir) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, spec := range f.Imports {
			imp, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return err
			}
			if imp == testSupport {
				t.Errorf("%s imports %s: only _test.go files may use the test helpers", path, imp)
				continue
			}
			if strings.Contains(strings.Split(imp, "/")[0], ".") {
				if !hasPrefix(imp, allowedModules) {
					t.Errorf("%s imports %s: the domain may import only the standard library, google/uuid and other domain packages", path, imp)
				}
				continue
			}
			if hasPrefix(imp, forbidden) {
				t.Errorf("%s imports %s: the domain does no I/O, reads no clock or randomness and takes no context", path, imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("checked only %d files under domain; the walk is not reaching the packages", checked)
	}
}

// hasPrefix reports whether imp is one of the paths or below one of them.
func hasPrefix(imp string, paths []string) bool {
	for _, p := range paths {
		if imp == p || strings.HasPrefix(imp, p+"/") {
			return true
		}
	}
	return false
}
