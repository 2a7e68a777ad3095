package analytics

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callsight/callsight/outcome"
)

// synthetic returns n distinct calls cycling through the corpus's shapes.
func synthetic(t testing.TB, n int) []CallRow {
	calls, _ := loadCorpus(t)
	rows := make([]CallRow, n)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		c := calls[i%len(calls)]
		c.CallID = fmt.Sprintf("syn-%d", i)
		c.Start = outcome.At(base.Add(time.Duration(i) * 37 * time.Millisecond))
		rows[i] = NewCallRow(&c, Labels{Tenant: fmt.Sprintf("t%d", i%3), Campaign: fmt.Sprintf("c%d", i%7)}, MediaStats{})
	}
	return rows
}

// benchRows is how many calls the write benchmarks insert:
// CALLSIGHT_BENCH_ROWS, 1M by default.
func benchRows(b *testing.B) int {
	if v := os.Getenv("CALLSIGHT_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("CALLSIGHT_BENCH_ROWS=%q: want a positive count", v)
		}
		return n
	}
	return 1_000_000
}

// cpuSeconds is the CPU time (user and system) this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// procCPUSeconds is the CPU time process pid has used, from
// /proc/PID/stat (utime and stime, fields 14 and 15, in clock ticks of
// 1/100 s on Linux); 0 when it cannot be read.
func procCPUSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest) // field 3 (state) is f[0]
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

// benchWrite writes n synthetic calls from one Writer into spec. The
// calls are made as they are written, from 10,000 templates, each with
// its own Call-ID and start time: holding all n rows in memory at once
// would bill the Writer for the collector scanning them. Besides rows/s
// (call rows; each call also has its legs' rows, about 1.1 per call in the
// corpus) it reports the CPU seconds this process used (the Writer, and
// chDB when embedded) and, with serverPID, the server's: on a small
// machine the store's own work is most of it.
func benchWrite(b *testing.B, spec string, n int, serverPID int) {
	benchWriteMix(b, spec, n, serverPID, false)
}

// benchWriteMix is benchWrite; with events, every call is followed by its
// share of the corpus's signaling events (491 for 78 calls: 6 or 7 a
// call), each with its own file and frame, as replay writes them; it then
// reports all-rows/s too: calls, legs, signaling_events and the
// network_events rows the writer derives from them.
func benchWriteMix(b *testing.B, spec string, n int, serverPID int, events bool) {
	tmpl := synthetic(b, min(n, 10000))
	base := tmpl[0].StartTime.Time
	var evs []Event
	perCall := 0.0
	if events {
		calls, ce := loadCorpus(b)
		evs, perCall = ce, float64(len(ce))/float64(len(calls))
	}
	cfg := testConfig(b)
	cfg.BatchSize = 100000
	cfg.Concurrency = 2
	cfg.FlushInterval = DefaultConfig().FlushInterval
	cfg.WAL = os.Getenv("CALLSIGHT_BENCH_WAL") != "off" // off: what the write-ahead log costs
	if v := os.Getenv("CALLSIGHT_BENCH_WAL_SYNC"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("CALLSIGHT_BENCH_WAL_SYNC=%q: %v", v, err)
		}
		cfg.WALSync = d // 0: never fsync'd
	}
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0, srv0 := time.Now(), cpuSeconds(), procCPUSeconds(serverPID)
	var batches, legs, evRows int64
	for range b.N {
		w, err := Open(context.Background(), spec, cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		ev := 0
		for i := range n {
			r := tmpl[i%len(tmpl)]
			r.CallID = "syn-" + strconv.Itoa(i)
			r.StartTime = outcome.At(base.Add(time.Duration(i) * 37 * time.Millisecond))
			legs += int64(len(r.Legs))
			w.WriteRow(r)
			for ; evs != nil && float64(ev) < float64(i+1)*perCall; ev++ {
				e := evs[ev%len(evs)]
				e.File, e.Frame = "bench", uint64(ev)
				e.TS = outcome.At(r.StartTime.Add(time.Duration(ev%8) * time.Second))
				evRows++
				if e.isNetwork() {
					evRows++
				}
				if err := w.WriteEvent(&e); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := w.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		st := w.Stats()
		if st.SpooledRows != 0 {
			b.Fatalf("rows spooled during the benchmark: %+v", st)
		}
		batches += st.Batches
	}
	secs := time.Since(start).Seconds()
	b.ReportMetric(float64(n*b.N)/secs, "rows/s")
	b.ReportMetric(float64(int64(n*b.N)+legs)/secs, "rows+legs/s")
	if events {
		b.ReportMetric(float64(int64(n*b.N)+legs+evRows)/secs, "all-rows/s")
	}
	b.ReportMetric(float64(batches)/float64(b.N), "batches/op")
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	if serverPID != 0 {
		b.ReportMetric((procCPUSeconds(serverPID)-srv0)/float64(b.N), "server-cpu-s/op")
	}
}

// BenchmarkWriteServer inserts 1M calls into a local clickhouse-server from
// one Writer.
func BenchmarkWriteServer(b *testing.B) {
	srv := startClickHouse(b)
	benchWrite(b, srv.dsn("bench"), benchRows(b), srv.cmd.Process.Pid)
}

// BenchmarkWriteServerMix inserts 1M calls with their legs and signaling
// events, the mix replay writes, into a local clickhouse-server from one
// Writer.
func BenchmarkWriteServerMix(b *testing.B) {
	srv := startClickHouse(b)
	benchWriteMix(b, srv.dsn("bench"), benchRows(b), srv.cmd.Process.Pid, true)
}

// BenchmarkWriteEmbeddedMix is BenchmarkWriteServerMix into chDB.
func BenchmarkWriteEmbeddedMix(b *testing.B) {
	requireCHDB(b)
	benchWriteMix(b, "embedded:"+filepath.Join(b.TempDir(), "chdb"), benchRows(b), 0, true)
}

// BenchmarkWriteEmbedded inserts 1M calls into chDB.
func BenchmarkWriteEmbedded(b *testing.B) {
	requireCHDB(b)
	benchWrite(b, "embedded:"+filepath.Join(b.TempDir(), "chdb"), benchRows(b), 0)
}

// BenchmarkReportEmbedded10M runs the asr report over 10M synthetic calls
// in chDB (generated inside chDB, not through the writer).
func BenchmarkReportEmbedded10M(b *testing.B) {
	requireCHDB(b)
	spec := "embedded:" + filepath.Join(b.TempDir(), "chdb")
	w, err := Open(context.Background(), spec, testConfig(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close(context.Background())
	be := w.be.(*embedded)
	fill := `INSERT INTO calls (call_id, tenant, campaign, calling, called, start_time, outcome, q850, pdd_ms, duration_ms, cause_name, cause_class, cause_source)
SELECT concat('s', toString(number)), concat('t', toString(number % 3)), concat('c', toString(number % 7)), '74950000000',
  concat('7916', toString(1000000 + number % 9000000)), toDateTime64('2026-01-01 00:00:00', 3, 'UTC') + number / 100,
  CAST(number % 12 AS Enum8('unknown' = 0, 'human' = 1, 'machine' = 2, 'switched_off' = 3, 'busy' = 4, 'no_answer' = 5,
  'unallocated' = 6, 'rejected' = 7, 'congestion' = 8, 'fax' = 9, 'silence' = 10, 'answered' = 11)),
  16 + number % 5, 1000 + number % 4000, number % 100000, 'normal_clearing', 'normal_event', 'isup_rel'
FROM numbers({lo}, {n})`
	// CALLSIGHT_BENCH_FILL_ROWS: insert in batches of that many calls, as
	// the writer does (parts of that size, some still unmerged), instead
	// of one INSERT of 10M.
	step := 10_000_000
	if v, err := strconv.Atoi(os.Getenv("CALLSIGHT_BENCH_FILL_ROWS")); err == nil && v > 0 {
		step = v
	}
	for lo := 0; lo < 10_000_000; lo += step {
		if err := be.exec(context.Background(), strings.NewReplacer("{lo}", strconv.Itoa(lo), "{n}", strconv.Itoa(min(step, 10_000_000-lo))).Replace(fill)); err != nil {
			b.Fatal(err)
		}
	}
	if out, err := be.run("SELECT count(), countIf(part_type = 'Compact') FROM system.parts WHERE table = 'calls' AND active", "TabSeparated"); err == nil {
		b.Logf("calls parts (all, compact): %s", strings.TrimSpace(string(out)))
	}
	b.ResetTimer()
	for _, name := range []string{"asr", "ner", "pdd", "causes", "switched_off_by_prefix_hour"} {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				q, _ := ReportSQL(name, ReportParams{})
				if _, err := be.query(context.Background(), q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
