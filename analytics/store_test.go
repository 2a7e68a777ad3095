package analytics

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callsight/callsight/outcome"
)

// requireOrSkip skips the test, or fails it when CALLSIGHT_REQUIRE_CLICKHOUSE=1
// (make test sets it after installing the server and libchdb).
func requireOrSkip(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CALLSIGHT_REQUIRE_CLICKHOUSE") == "1" {
		t.Fatal(msg + " (CALLSIGHT_REQUIRE_CLICKHOUSE=1)")
	}
	t.Skip(msg + "; run `make clickhouse-deps libchdb`")
}

func requireCHDB(t testing.TB) {
	t.Helper()
	if _, ok := LibCHDBAvailable(""); !ok {
		requireOrSkip(t, "libchdb.so not found")
	}
}

// chServer is a clickhouse-server of our own on a free port with a
// temporary data directory.
type chServer struct {
	t    testing.TB
	dir  string
	port int
	cmd  *exec.Cmd
	bin  []string
}

func serverBinary() []string {
	for _, p := range []string{"/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"} {
		if _, err := os.Stat(p); err == nil {
			return []string{p}
		}
	}
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return []string{p}
	}
	if p, err := exec.LookPath("clickhouse"); err == nil {
		return []string{p, "server"}
	}
	return nil
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

const serverConfig = `<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>%[1]s/server.log</log><errorlog>%[1]s/server.err.log</errorlog><console>0</console></logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>%[2]d</tcp_port>
    <http_port>%[3]d</http_port>
    <path>%[1]s/data/</path>
    <tmp_path>%[1]s/tmp/</tmp_path>
    <user_files_path>%[1]s/user_files/</user_files_path>
    <format_schema_path>%[1]s/format_schemas/</format_schema_path>
    <users_config>users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mark_cache_size>5368709</mark_cache_size>
    <timezone>UTC</timezone>
</yandex>
`

const serverUsers = `<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
    <users><default><password></password><networks><ip>::/0</ip></networks><profile>default</profile><quota>default</quota></default></users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`

func startClickHouse(t testing.TB) *chServer {
	t.Helper()
	return startClickHouseOn(t, 0, "")
}

// startClickHouseOn starts a server on port (0: a free one) with extra
// XML in its config.
func startClickHouseOn(t testing.TB, port int, extra string) *chServer {
	t.Helper()
	bin := serverBinary()
	if bin == nil {
		requireOrSkip(t, "clickhouse-server not installed")
	}
	if port == 0 {
		port = freePort(t)
	}
	s := &chServer{t: t, dir: t.TempDir(), port: port, bin: bin}
	cfg := strings.Replace(fmt.Sprintf(serverConfig, s.dir, s.port, freePort(t)), "</yandex>", extra+"</yandex>", 1)
	if err := os.WriteFile(filepath.Join(s.dir, "config.xml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "users.xml"), []byte(serverUsers), 0o644); err != nil {
		t.Fatal(err)
	}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *chServer) dsn(db string) string {
	return fmt.Sprintf("clickhouse://default:@127.0.0.1:%d/%s?dial_timeout=2s", s.port, db)
}

func (s *chServer) start() {
	s.t.Helper()
	args := append(s.bin[1:], "--config-file="+filepath.Join(s.dir, "config.xml"))
	s.cmd = exec.Command(s.bin[0], args...)
	s.cmd.Dir = s.dir
	var out bytes.Buffer
	s.cmd.Stdout, s.cmd.Stderr = &out, &out
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(s.dir, "server.err.log"))
	s.t.Fatalf("clickhouse-server did not listen on %d: %s %s", s.port, out.String(), log)
}

func (s *chServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// corpus replays pcaps/ through the callsight binary once per test
// process: the calls and the events it printed.
var corpus struct {
	once   sync.Once
	err    error
	calls  []outcome.Call
	events []Event
}

func loadCorpus(t testing.TB) ([]outcome.Call, []Event) {
	t.Helper()
	corpus.once.Do(func() {
		dir, err := os.MkdirTemp("", "callsight-analytics-")
		if err != nil {
			corpus.err = err
			return
		}
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "callsight")
		if out, err := exec.Command("go", "build", "-o", bin, "../cmd/callsight").CombinedOutput(); err != nil {
			corpus.err = fmt.Errorf("go build: %v: %s", err, out)
			return
		}
		files, _ := filepath.Glob("../pcaps/*.pcap*")
		audio, _ := filepath.Glob("../pcaps/audio/*.pcap*") // verdicts, beeps: amd_mix and beep_timing have rows
		files = append(files, audio...)
		run := func(format string) []byte {
			out, err := exec.Command(bin, append([]string{"replay", "--quiet", "--format", format}, files...)...).Output()
			if err != nil && corpus.err == nil {
				corpus.err = fmt.Errorf("callsight replay: %v", err)
			}
			return out
		}
		sc := bufio.NewScanner(bytes.NewReader(run("jsonl")))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var c outcome.Call
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				corpus.err = err
				return
			}
			corpus.calls = append(corpus.calls, c)
		}
		sc = bufio.NewScanner(bytes.NewReader(run("events")))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var e Event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				corpus.err = err
				return
			}
			corpus.events = append(corpus.events, e)
		}
	})
	if corpus.err != nil {
		t.Fatal(corpus.err)
	}
	if len(corpus.calls) == 0 {
		t.Fatal("the corpus replay gave no calls")
	}
	return corpus.calls, corpus.events
}

func testConfig(t testing.TB) Config {
	cfg := DefaultConfig()
	cfg.SpoolDir = t.TempDir()
	cfg.FlushInterval = 50 * time.Millisecond
	cfg.RetryMin = 50 * time.Millisecond
	cfg.RetryMax = 500 * time.Millisecond
	cfg.DialTimeout = 2 * time.Second
	return cfg
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(b)))
	return len(b), nil
}

func writeAll(t testing.TB, spec string, cfg Config, calls []outcome.Call, events []Event) WriterStats {
	t.Helper()
	st, err := writeWithin(t, spec, cfg, calls, events, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// writeWithin writes calls and events from one Writer and closes it,
// giving the close (its flush and spool replay) at most d; the error is
// Close's.
func writeWithin(t testing.TB, spec string, cfg Config, calls []outcome.Call, events []Event, d time.Duration) (WriterStats, error) {
	t.Helper()
	w, err := Open(context.Background(), spec, cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := range calls {
		if err := w.WriteCall(&calls[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range events {
		if err := w.WriteEvent(&events[i]); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	err = w.Close(ctx)
	return w.Stats(), err
}

func query1(t testing.TB, spec, q string) string {
	t.Helper()
	tb, err := Query(context.Background(), spec, q, ReportParams{})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if len(tb.Rows) != 1 || len(tb.Rows[0]) != 1 {
		t.Fatalf("%s: got %v, want one value", q, tb.Rows)
	}
	return tb.Rows[0][0]
}

// aggregates are what the JSONL says the store must hold.
func aggregates(calls []outcome.Call) map[string]string {
	var dur, pdd, answered int64
	for _, c := range calls {
		if c.DurationMS != nil {
			dur += *c.DurationMS
		}
		if c.PostDialDelayMS != nil {
			pdd += *c.PostDialDelayMS
		}
		if c.Answer != nil {
			answered++
		}
	}
	return map[string]string{
		"SELECT count() FROM calls FINAL":                              strconv.Itoa(len(calls)),
		"SELECT uniqExact(call_id) FROM calls":                         strconv.Itoa(len(calls)),
		"SELECT sum(ifNull(duration_ms, 0)) FROM calls FINAL":          strconv.FormatInt(dur, 10),
		"SELECT sum(ifNull(pdd_ms, 0)) FROM calls FINAL":               strconv.FormatInt(pdd, 10),
		"SELECT countIf(answer_time IS NOT NULL) FROM calls FINAL":     strconv.FormatInt(answered, 10),
		"SELECT count() FROM (SELECT DISTINCT call_id, leg FROM legs)": strconv.Itoa(legCount(calls)),
	}
}

func legCount(calls []outcome.Call) int {
	n := 0
	for _, c := range calls {
		n += len(c.Legs)
	}
	return n
}

func checkStore(t *testing.T, spec string, calls []outcome.Call, events []Event) {
	t.Helper()
	for q, want := range aggregates(calls) {
		if got := query1(t, spec, q); got != want {
			t.Errorf("%s: %s = %s, want %s (from the JSONL)", spec, q, got, want)
		}
	}
	if events != nil {
		if got, want := query1(t, spec, "SELECT count() FROM signaling_events FINAL"), strconv.Itoa(len(events)); got != want {
			t.Errorf("%s: signaling events = %s, want %s", spec, got, want)
		}
	}
}

// TestCorpusBothStores replays the committed corpus into a real server and
// into chDB: the tables hold what the JSONL says, and every report gives
// the same numbers on both.
func TestCorpusBothStores(t *testing.T) {
	requireCHDB(t)
	srv := startClickHouse(t)
	calls, events := loadCorpus(t)
	specs := []string{srv.dsn("corpus"), "embedded:" + filepath.Join(t.TempDir(), "chdb")}
	for _, spec := range specs {
		st := writeAll(t, spec, testConfig(t), calls, events)
		if st.InsertedCalls != int64(len(calls)) || st.DroppedRows != 0 {
			t.Errorf("%s: stats %+v, want %d calls inserted, none dropped", spec, st, len(calls))
		}
		checkStore(t, spec, calls, events)
	}
	for _, name := range Reports() {
		var tables []*Table
		for _, spec := range specs {
			tb, err := Report(context.Background(), spec, name, ReportParams{})
			if err != nil {
				t.Fatalf("report %s on %s: %v", name, spec, err)
			}
			tables = append(tables, tb)
		}
		if d := cmp.Diff(tables[0], tables[1]); d != "" {
			t.Errorf("report %s: server and chDB differ (-server +chdb):\n%s", name, d)
		}
		if len(tables[0].Rows) == 0 {
			t.Errorf("report %s: no rows from the corpus", name)
		}
	}
	// A filter that matches nothing gives empty reports, not errors.
	tb, err := Report(context.Background(), specs[0], "asr", ReportParams{Tenant: "nobody's"})
	if err != nil || len(tb.Rows) != 0 {
		t.Errorf("asr for an unknown tenant = %v, %v; want no rows", tb, err)
	}
	checkGrafana(t, specs)
}

// The Grafana dashboard's queries (grafana/callsight.json), with the
// ClickHouse data source's macros expanded as the plugin expands them, run
// on both stores and agree; for all tenants the panels have rows.
func checkGrafana(t *testing.T, specs []string) {
	b, err := os.ReadFile("grafana/callsight.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				RawSQL string `json:"rawSql"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name     string `json:"name"`
				Type     string `json:"type"`
				Query    string `json:"query"`
				AllValue string `json:"allValue"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("grafana/callsight.json: %v", err)
	}
	type query struct{ what, sql string }
	var qs []query
	all := ""
	for _, v := range dash.Templating.List {
		if v.Type == "query" {
			qs = append(qs, query{"variable " + v.Name, v.Query})
			if v.Name == "tenant" {
				all = v.AllValue
			}
		}
	}
	if all != "''" {
		t.Errorf("the tenant variable's All value is %q, want '' (the panels test ${tenant:singlequote} = '')", all)
	}
	timeFilter := regexp.MustCompile(`\$__timeFilter\((\w+)\)`)
	from, to := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			q := timeFilter.ReplaceAllString(tg.RawSQL, fmt.Sprintf("$1 >= toDateTime(%d) AND $1 <= toDateTime(%d)", from.Unix(), to.Unix()))
			qs = append(qs, query{p.Title + " (all tenants)", strings.ReplaceAll(q, "${tenant:singlequote}", all)},
				query{p.Title + " (one tenant)", strings.ReplaceAll(q, "${tenant:singlequote}", "'nobody'")})
		}
	}
	// Ties in a panel's ORDER BY come in either order.
	sorted := func(rows [][]string) [][]string {
		rows = slices.Clone(rows)
		slices.SortFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
		return rows
	}
	for _, q := range qs {
		if strings.Contains(q.sql, "$") {
			t.Errorf("%s: a macro or variable left unexpanded: %s", q.what, q.sql)
			continue
		}
		var tables []*Table
		for _, spec := range specs {
			tb, err := Query(context.Background(), spec, q.sql, ReportParams{})
			if err != nil {
				t.Errorf("%s on %s: %v\n%s", q.what, spec, err, q.sql)
				continue
			}
			tables = append(tables, tb)
		}
		if len(tables) != 2 {
			continue
		}
		if d := cmp.Diff(sorted(tables[0].Rows), sorted(tables[1].Rows)); d != "" {
			t.Errorf("%s: server and chDB differ (-server +chdb):\n%s", q.what, d)
		}
		if strings.HasSuffix(q.what, "(all tenants)") && len(tables[0].Rows) == 0 {
			t.Errorf("%s: no rows from the corpus", q.what)
		}
	}
}

// TestServerFault stops the server mid-stream and restarts it: every call
// is stored exactly once.
func TestServerFault(t *testing.T) {
	srv := startClickHouse(t)
	calls, _ := loadCorpus(t)
	spec := srv.dsn("fault")
	cfg := testConfig(t)
	cfg.BatchSize = 7
	w, err := Open(context.Background(), spec, cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	half := len(calls) / 2
	for i := range calls[:half] {
		w.WriteCall(&calls[i])
	}
	time.Sleep(300 * time.Millisecond)
	srv.stop()
	for i := half; i < len(calls); i++ {
		w.WriteCall(&calls[i])
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.Stats().SpooledRows == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if w.Stats().SpooledRows == 0 {
		t.Fatalf("no rows spooled while the server was down: %+v", w.Stats())
	}
	srv.start()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	if st.SpoolSegments != 0 || st.DroppedRows != 0 {
		t.Errorf("after restart: %+v, want an empty spool and nothing dropped", st)
	}
	checkStore(t, spec, calls, nil)
}

const crashEnv = "CALLSIGHT_ANALYTICS_CRASH_HELPER"

// TestMain lets the test binary act as the writer process the crash test
// kills.
func TestMain(m *testing.M) {
	switch os.Getenv(crashEnv) {
	case "1":
		crashHelper()
		return
	case "memory":
		memoryCrashHelper()
		return
	}
	os.Exit(m.Run())
}

// crashHelper writes the calls of a JSONL file, says READY once every row
// is inserted or spooled, and waits to be killed.
func crashHelper() {
	b, err := os.ReadFile(os.Getenv("CRASH_CALLS"))
	if err != nil {
		panic(err)
	}
	var calls []outcome.Call
	if err := json.Unmarshal(b, &calls); err != nil {
		panic(err)
	}
	cfg := DefaultConfig()
	cfg.SpoolDir = os.Getenv("CRASH_SPOOL")
	cfg.BatchSize = 10
	cfg.FlushInterval = 20 * time.Millisecond
	cfg.DialTimeout = time.Second
	cfg.RetryMax = time.Hour // the replay waits for the next process
	w, err := Open(context.Background(), os.Getenv("CRASH_SPEC"), cfg, nil)
	if err != nil {
		panic(err)
	}
	for i := range calls {
		w.WriteCall(&calls[i])
	}
	for {
		st := w.Stats()
		if st.InsertedCalls+st.SpooledRows >= int64(len(calls)) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("READY")
	select {}
}

// TestCrashReplay kills a writer with SIGKILL while some of its batches are
// inserted and others spooled; the next writer replays the spool, and
// every call is present exactly once.
func TestCrashReplay(t *testing.T) {
	srv := startClickHouse(t)
	calls, _ := loadCorpus(t)
	spec := srv.dsn("crash")
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool")
	b, _ := json.Marshal(calls)
	callsFile := filepath.Join(dir, "calls.json")
	os.WriteFile(callsFile, b, 0o644)

	// First a writer that inserts part of the calls, then loses the server.
	first := calls[:len(calls)/3]
	fb, _ := json.Marshal(first)
	os.WriteFile(filepath.Join(dir, "first.json"), fb, 0o644)
	runHelper := func(file string) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"=1", "CRASH_CALLS="+file, "CRASH_SPEC="+spec, "CRASH_SPOOL="+spool)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		cmd.Process.Kill() // SIGKILL: no Close, no flush
		cmd.Wait()
		if line != "READY\n" {
			t.Fatalf("helper said %q, want READY", line)
		}
	}
	runHelper(filepath.Join(dir, "first.json"))
	srv.stop()
	// The whole stream again (a restarted replay): everything spools.
	runHelper(callsFile)
	if n, _ := filepath.Glob(filepath.Join(spool, "seg-*")); len(n) == 0 {
		t.Fatal("nothing in the spool after the crash")
	}
	srv.start()
	cfg := testConfig(t)
	cfg.SpoolDir = spool
	w, err := Open(context.Background(), spec, cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.ReplayedRows < int64(len(calls)) || st.SpoolSegments != 0 {
		t.Errorf("replay: %+v, want all %d calls replayed and an empty spool", st, len(calls))
	}
	checkStore(t, spec, calls, nil)
}

// memoryCrashHelper writes the calls and events of CRASH_CALLS and
// CRASH_EVENTS with batches of CRASH_BATCH rows and a flush interval of an
// hour: full batches are inserted, the rest stays in memory (and in the
// write-ahead log). It says READY with its stats once WriteCall has
// returned for every row and the first batch of calls is in, and waits to
// be killed.
func memoryCrashHelper() {
	var calls []outcome.Call
	var events []Event
	for env, v := range map[string]any{"CRASH_CALLS": &calls, "CRASH_EVENTS": &events} {
		b, err := os.ReadFile(os.Getenv(env))
		if err != nil {
			panic(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			panic(err)
		}
	}
	batch, _ := strconv.Atoi(os.Getenv("CRASH_BATCH"))
	cfg := DefaultConfig()
	cfg.SpoolDir = os.Getenv("CRASH_SPOOL")
	cfg.BatchSize = batch
	cfg.Concurrency = 1
	cfg.FlushInterval = time.Hour
	cfg.RetryMax = time.Hour
	w, err := Open(context.Background(), os.Getenv("CRASH_SPEC"), cfg, nil)
	if err != nil {
		panic(err)
	}
	for i := range calls {
		if err := w.WriteCall(&calls[i]); err != nil {
			panic(err)
		}
	}
	for i := range events {
		if err := w.WriteEvent(&events[i]); err != nil {
			panic(err)
		}
	}
	for w.Stats().InsertedCalls < int64(batch) {
		time.Sleep(5 * time.Millisecond)
	}
	b, _ := json.Marshal(w.Stats())
	fmt.Printf("READY %s\n", b)
	select {}
}

// TestCrashInMemory kills a writer with SIGKILL right after WriteCall
// returned for every row, while one batch is inserted and every other row
// is still in memory; the next writer replays the write-ahead log, and
// every call and event is present exactly once, in a server and in chDB.
func TestCrashInMemory(t *testing.T) {
	requireCHDB(t)
	srv := startClickHouse(t)
	calls, events := loadCorpus(t)
	dir := t.TempDir()
	cb, _ := json.Marshal(calls)
	eb, _ := json.Marshal(events)
	callsFile, eventsFile := filepath.Join(dir, "calls.json"), filepath.Join(dir, "events.json")
	os.WriteFile(callsFile, cb, 0o644)
	os.WriteFile(eventsFile, eb, 0o644)
	// One full batch of calls is inserted (and stays in the log, whose
	// segment is not full); the other calls and the events that do not
	// fill a batch stay in memory until the kill.
	batch := len(calls) * 2 / 3
	for _, spec := range []string{srv.dsn("memcrash"), "embedded:" + filepath.Join(dir, "chdb")} {
		spool := filepath.Join(dir, "spool-"+strconv.Itoa(len(spec)))
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"=memory", "CRASH_CALLS="+callsFile, "CRASH_EVENTS="+eventsFile,
			"CRASH_SPEC="+spec, "CRASH_SPOOL="+spool, "CRASH_BATCH="+strconv.Itoa(batch))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		cmd.Process.Kill() // SIGKILL: no Close, no flush
		cmd.Wait()
		stats, ok := bytes.CutPrefix([]byte(line), []byte("READY "))
		if !ok {
			t.Fatalf("%s: helper said %q, want READY", spec, line)
		}
		var st WriterStats
		json.Unmarshal(stats, &st)
		if st.InsertedCalls != int64(batch) || st.InsertedEvents >= int64(len(events)) || st.SpooledRows != 0 {
			t.Fatalf("%s: helper stats %+v, want %d calls inserted and the rest in memory", spec, st, batch)
		}
		if got := query1(t, spec, "SELECT count() FROM calls FINAL"); got != strconv.Itoa(batch) {
			t.Fatalf("%s: %s calls stored before the crash, want %d", spec, got, batch)
		}
		if n, _ := filepath.Glob(filepath.Join(spool, "wal", "wal-*.log")); len(n) == 0 {
			t.Fatalf("%s: no write-ahead log after the crash", spec)
		}
		cfg := testConfig(t)
		cfg.SpoolDir = spool
		w, err := Open(context.Background(), spec, cfg, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = w.Close(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		// The log holds every row, the inserted batch too: it is stored
		// twice and read once.
		if st := w.Stats(); st.WALRecoveredRows != int64(len(calls)+len(events)) || st.DroppedRows != 0 {
			t.Errorf("%s: replay %+v, want %d rows recovered from the log", spec, st, len(calls)+len(events))
		}
		if n, _ := filepath.Glob(filepath.Join(spool, "wal", "wal-*.log")); len(n) != 0 {
			t.Errorf("%s: log segments %v left after a clean close", spec, n)
		}
		checkStore(t, spec, calls, events)
	}
}
