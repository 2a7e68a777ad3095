package analytics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// ErrNoLibCHDB is returned when the embedded store is asked for and
// libchdb.so cannot be found.
var ErrNoLibCHDB = errors.New("analytics: libchdb.so not found: run `make libchdb` (it extracts the npm package @chdb/lib-linux-x64-gnu into ~/.cache/callsight), set CHDB_LIB_PATH, or use --store clickhouse://user:pass@host:9000/db or --store none")

// libchdb is the chDB C API, bound at run time without cgo. We bind it
// ourselves rather than through chdb-go's chdb-purego package because that
// package loads the library in an init function and panics when it is
// missing, which would stop every callsight command on a machine without
// it; here the library is loaded on first use and its absence is an error.
var libchdb struct {
	once    sync.Once
	err     error
	path    string
	connect func(argc int, argv []*byte) unsafe.Pointer
	close   func(conn unsafe.Pointer)
	query   func(conn unsafe.Pointer, query string, format string) unsafe.Pointer
	destroy func(res unsafe.Pointer)
	buffer  func(res unsafe.Pointer) unsafe.Pointer
	length  func(res unsafe.Pointer) uint
	errmsg  func(res unsafe.Pointer) string
}

// LibCHDBPaths lists where libchdb.so is looked for, in order, after the
// CHDB_LIB_PATH environment variable and Config.LibCHDB.
func LibCHDBPaths() []string {
	var p []string
	if h, err := os.UserHomeDir(); err == nil {
		p = append(p, filepath.Join(h, ".cache", "callsight", "libchdb.so"))
	}
	if exe, err := os.Executable(); err == nil {
		p = append(p, filepath.Join(filepath.Dir(exe), "libchdb.so"))
	}
	return append(p, "bin/libchdb.so", "/usr/local/lib/libchdb.so", "/usr/lib/libchdb.so")
}

// findLibCHDB returns the first libchdb.so that exists.
func findLibCHDB(configured string) (string, error) {
	for _, c := range append([]string{os.Getenv("CHDB_LIB_PATH"), configured}, LibCHDBPaths()...) {
		if c == "" {
			continue
		}
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", ErrNoLibCHDB
}

// LibCHDBAvailable reports whether libchdb.so can be found, and where.
func LibCHDBAvailable(configured string) (string, bool) {
	p, err := findLibCHDB(configured)
	return p, err == nil
}

func loadLibCHDB(configured string) error {
	l := &libchdb
	l.once.Do(func() {
		path, err := findLibCHDB(configured)
		if err != nil {
			l.err = err
			return
		}
		h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			l.err = fmt.Errorf("analytics: loading %s: %w", path, err)
			return
		}
		for _, name := range []string{"chdb_connect", "chdb_close_conn", "chdb_query", "chdb_destroy_query_result",
			"chdb_result_buffer", "chdb_result_length", "chdb_result_error"} {
			if _, err := purego.Dlsym(h, name); err != nil {
				l.err = fmt.Errorf("analytics: %s lacks %s (libchdb 3.x or later is needed): %w", path, name, err)
				return
			}
		}
		purego.RegisterLibFunc(&l.connect, h, "chdb_connect")
		purego.RegisterLibFunc(&l.close, h, "chdb_close_conn")
		purego.RegisterLibFunc(&l.query, h, "chdb_query")
		purego.RegisterLibFunc(&l.destroy, h, "chdb_destroy_query_result")
		purego.RegisterLibFunc(&l.buffer, h, "chdb_result_buffer")
		purego.RegisterLibFunc(&l.length, h, "chdb_result_length")
		purego.RegisterLibFunc(&l.errmsg, h, "chdb_result_error")
		l.path = path
	})
	return l.err
}

// embedded is a chDB session in a local directory. chDB allows one session
// per process, so sessions are shared by directory and reference-counted.
type embedded struct {
	dir string
}

var chdbSession struct {
	mu   sync.Mutex // serialises every call into libchdb
	dir  string
	refs int
	conn unsafe.Pointer // chdb_connection * (a pointer to the C handle)
}

func openEmbedded(dir string, cfg Config) (*embedded, error) {
	if err := loadLibCHDB(cfg.LibCHDB); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("analytics: embedded store %s: %w", dir, err)
	}
	s := &chdbSession
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs > 0 {
		if s.dir != abs {
			return nil, fmt.Errorf("analytics: embedded store %s: chDB allows one directory per process and %s is open", abs, s.dir)
		}
		s.refs++
		return &embedded{dir: abs}, nil
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("analytics: embedded store: %w", err)
	}
	argv := []string{"clickhouse", "--path=" + abs}
	cargv := make([]*byte, len(argv))
	for i, a := range argv {
		b := append([]byte(a), 0)
		cargv[i] = &b[0]
	}
	conn := libchdb.connect(len(argv), cargv)
	if conn == nil || *(*unsafe.Pointer)(conn) == nil {
		return nil, fmt.Errorf("analytics: embedded store %s: chDB could not open it (is another process using it?)", abs)
	}
	s.conn, s.dir, s.refs = conn, abs, 1
	// Insert files a killed process left behind (see runData), removed once
	// the directory is ours: their rows were never acknowledged as
	// inserted, so they are in the spool or were lost with that process.
	for _, pat := range []string{".insert-*.native", ".insert-*.rowbinary"} {
		if old, err := filepath.Glob(filepath.Join(abs, pat)); err == nil {
			for _, f := range old {
				os.Remove(f)
			}
		}
	}
	return &embedded{dir: abs}, nil
}

// run sends one query to chDB and returns its output in the given format.
func (e *embedded) run(q, format string) ([]byte, error) {
	return e.runQuery(func(conn unsafe.Pointer) unsafe.Pointer { return libchdb.query(conn, q, format) })
}

// runData inserts a block in Native format: insert is "INSERT INTO t
// (columns)" and data the block. The block goes through a file in the
// store's directory (INSERT ... FROM INFILE): chDB parses data given
// inline in a query in time that grows faster than its size, a file in
// one pass.
func (e *embedded) runData(insert string, data []byte) error {
	f, err := os.CreateTemp(e.dir, ".insert-*.native")
	if err != nil {
		return fmt.Errorf("analytics: embedded insert: %w", err)
	}
	name := f.Name()
	defer os.Remove(name)
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("analytics: embedded insert: %w", err)
	}
	_, err = e.run(insert+" FROM INFILE "+sqlString(name)+" "+nativeInsertSettings+" FORMAT Native", "TabSeparated")
	return err
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func (e *embedded) runQuery(query func(conn unsafe.Pointer) unsafe.Pointer) ([]byte, error) {
	s := &chdbSession
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 || s.conn == nil {
		return nil, errors.New("analytics: embedded store is closed")
	}
	res := query(*(*unsafe.Pointer)(s.conn))
	if res == nil {
		return nil, nil
	}
	defer libchdb.destroy(res)
	if msg := libchdb.errmsg(res); msg != "" {
		return nil, fmt.Errorf("analytics: chdb: %s", strings.TrimSpace(msg))
	}
	n := libchdb.length(res)
	buf := libchdb.buffer(res)
	if n == 0 || buf == nil {
		return nil, nil
	}
	return bytes.Clone(unsafe.Slice((*byte)(buf), n)), nil
}

func (e *embedded) features() Features { return Modern }

func (e *embedded) version() Version {
	out, err := e.run("SELECT version()", "TabSeparated")
	if err != nil {
		return Version{}
	}
	v, _ := ParseVersion(string(out))
	return v
}

func (e *embedded) exec(_ context.Context, q string) error {
	_, err := e.run(q, "TabSeparated")
	return err
}

func (e *embedded) close() error {
	s := &chdbSession
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 {
		return nil
	}
	s.refs--
	if s.refs == 0 {
		libchdb.close(s.conn)
		s.conn, s.dir = nil, ""
	}
	return nil
}

// nativeBufs keeps Native buffers between inserts: an insert of 100 000
// calls is some 40 MB, encoded outside the chDB lock so that one batch is
// encoded while another is inserted. A sync.Pool would drop them at every
// other garbage collection, and a new buffer costs a page fault per 4 KiB
// as it grows; a few are kept here instead (one per inserting goroutine is
// all a Writer uses).
var nativeBufs = make(chan *nativeBlock, 4)

func getNative() *nativeBlock {
	select {
	case e := <-nativeBufs:
		return e
	default:
		return new(nativeBlock)
	}
}

func putNative(e *nativeBlock) {
	if cap(e.b) > 256<<20 { // an outsized batch: let it go
		return
	}
	select {
	case nativeBufs <- e:
	default:
	}
}

// nativeInsertSettings are the settings of every embedded insert.
// optimize_on_insert=0: a ReplacingMergeTree insert otherwise collapses
// duplicate keys inside the block, a sort and merge pass that costs more
// than the rest of the insert; duplicates are collapsed by background
// merges and every report reads with FINAL, so what reports count is the
// same. input_format_native_allow_types_conversion=1 turns the String we
// send into the LowCardinality(String) the table has.
const nativeInsertSettings = "SETTINGS optimize_on_insert = 0, input_format_native_allow_types_conversion = 1"

func (e *embedded) insertCalls(_ context.Context, rows []CallRow) error {
	nlegs := 0
	for i := range rows {
		if err := checkEnum("outcome", rows[i].Outcome); err != nil {
			return err
		}
		for j := range rows[i].Legs {
			if err := checkEnum("kind", rows[i].Legs[j].Kind); err != nil {
				return err
			}
		}
		nlegs += len(rows[i].Legs)
	}
	enc := getNative()
	defer putNative(enc)
	cols := nativeCallCols()
	encodeNative(enc, cols, rows)
	if err := e.runData("INSERT INTO calls ("+nativeColumns(cols)+")", enc.b); err != nil {
		return err
	}
	if nlegs == 0 {
		return nil
	}
	legs := make([]legRef, 0, nlegs)
	for i := range rows {
		for j := range rows[i].Legs {
			legs = append(legs, legRef{&rows[i], &rows[i].Legs[j]})
		}
	}
	lcols := nativeLegCols()
	encodeNative(enc, lcols, legs)
	return e.runData("INSERT INTO legs ("+nativeColumns(lcols)+")", enc.b)
}

func (e *embedded) insertEvents(_ context.Context, evs []Event) error {
	enc := getNative()
	defer putNative(enc)
	cols := nativeEventCols()
	encodeNative(enc, cols, evs)
	if err := e.runData("INSERT INTO signaling_events ("+nativeColumns(cols)+")", enc.b); err != nil {
		return err
	}
	var net []Event
	for i := range evs {
		if evs[i].isNetwork() {
			net = append(net, evs[i])
		}
	}
	if len(net) == 0 {
		return nil
	}
	ncols := nativeNetEventCols()
	encodeNative(enc, ncols, net)
	return e.runData("INSERT INTO network_events ("+nativeColumns(ncols)+")", enc.b)
}

func (e *embedded) query(_ context.Context, q string) (*Table, error) {
	out, err := e.run(q, "TabSeparatedWithNames")
	if err != nil {
		return nil, err
	}
	return parseTSV(out), nil
}

// parseTSV reads ClickHouse's TabSeparatedWithNames output; \N (NULL)
// becomes the empty string.
func parseTSV(b []byte) *Table {
	t := &Table{}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		return t
	}
	t.Columns = splitTSV(lines[0])
	for _, l := range lines[1:] {
		t.Rows = append(t.Rows, splitTSV(l))
	}
	return t
}

func splitTSV(l string) []string {
	f := strings.Split(l, "\t")
	for i, v := range f {
		if v == `\N` {
			f[i] = ""
			continue
		}
		if strings.IndexByte(v, '\\') >= 0 {
			f[i] = tsvUnescape.Replace(v)
		}
	}
	return f
}

var tsvUnescape = strings.NewReplacer(`\t`, "\t", `\n`, "\n", `\\`, `\`, `\'`, `'`, `\r`, "\r", `\0`, "\x00")
