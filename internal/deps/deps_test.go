package deps

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/callsight/callsight/internal/testcorpus"
)

const module = "github.com/callsight/callsight/"

// thirdParty maps each third-party module to the only package tree allowed
// to import it.
var thirdParty = map[string][]string{
	"github.com/gopacket/gopacket":        {"internal/capture"},
	"github.com/pion/rtp":                 {"media"},
	"github.com/emiago/sipgo":             {"signaling/sip"},
	"github.com/wmnsk/go-m3ua":            {"signaling/m3ua"},
	"github.com/ishidawataru/sctp":        {"signaling/m3ua"},
	"github.com/wmnsk/go-gtp":             {"signaling/gtp"},
	"github.com/ClickHouse/clickhouse-go": {"analytics"},
	"github.com/chdb-io/chdb-go":          {"analytics"},
	"golang.org/x/term":                   {"cmd/callsight"},
}

// forbidden maps a package tree to the trees it must never import.
var forbidden = map[string][]string{
	"outcome":          {"signaling", "media", "amd", "internal", "callctl", "analytics", "cmd", "pcaps"},
	"amd":              {"signaling", "media", "internal", "callctl", "analytics", "cmd"},
	"media":            {"signaling", "amd", "internal/engine", "callctl", "analytics", "cmd"},
	"signaling":        {"media", "amd", "internal/engine", "internal/capture", "callctl", "analytics", "cmd"},
	"callctl":          {"signaling", "media", "amd", "internal/engine", "internal/capture", "analytics", "cmd"},
	"analytics":        {"signaling", "media", "amd", "internal/engine", "internal/capture", "callctl", "cmd"},
	"pcaps/gen":        {"signaling", "media", "amd", "internal", "callctl", "analytics", "outcome"},
	"internal/capture": {"signaling", "media", "amd", "internal/engine", "callctl", "analytics", "outcome"},
}

// stdlibOnly are package trees that import nothing but the standard
// library, tests included: the Asterisk AMD() baseline stands alone.
var stdlibOnly = []string{"amd/asterisk"}

// decoders are pure: they import no stateful callsight package.
var decoders = []string{"signaling/isup", "signaling/sip", "signaling/sdp", "signaling/m3ua", "signaling/gtp", "signaling/cause"}

func under(pkg, tree string) bool { return pkg == tree || strings.HasPrefix(pkg, tree+"/") }

func TestImports(t *testing.T) {
	root, err := testcorpus.Root()
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		test := strings.HasSuffix(path, "_test.go")
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			checked++
			for _, tree := range stdlibOnly {
				if first, _, _ := strings.Cut(p, "/"); under(pkg, tree) && strings.Contains(first, ".") {
					t.Errorf("%s (package %s) imports %s: %s imports only the standard library", path, pkg, p, tree)
				}
			}
			for mod, allowed := range thirdParty {
				if !strings.HasPrefix(p, mod) {
					continue
				}
				ok := false
				for _, a := range allowed {
					ok = ok || under(pkg, a)
				}
				if !ok {
					t.Errorf("%s imports %s: only %v may", path, p, allowed)
				}
			}
			own, isOwn := strings.CutPrefix(p, module)
			if !isOwn || test && own == "internal/testcorpus" {
				continue
			}
			for tree, bans := range forbidden {
				if !under(pkg, tree) {
					continue
				}
				for _, b := range bans {
					if under(own, b) {
						t.Errorf("%s (package %s) imports %s: %s must not import %s", path, pkg, p, tree, b)
					}
				}
			}
			for _, d := range decoders {
				if under(pkg, d) && !test && own != "signaling/cause" {
					t.Errorf("%s: decoder %s imports %s; decoders stay pure", path, d, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no imports checked")
	}
	_ = os.Getenv
}
