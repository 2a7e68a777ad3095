package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/callsight/callsight/callctl"
	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/media/g711"
)

// The load run of issue 5: `serve` with live calls carrying audio fed over
// HEP, and an open-loop query load on its API, everything on loopback.
// It runs only with CALLSIGHT_LOAD=1 (make load); the knobs are
// environment variables:
//
//	CALLSIGHT_LOAD_CALLS    calls with audio live at once (5000)
//	CALLSIGHT_LOAD_QPS      queries per second, open loop (10000)
//	CALLSIGHT_LOAD_SECONDS  measured seconds, after the ramp (20)
//	CALLSIGHT_LOAD_BIN      a built callsight binary: serve runs as its own
//	                        process (its CPU use is then serve's alone);
//	                        without it serve runs inside the test process
//	CALLSIGHT_LOAD_ARGS     extra serve flags, space separated
//	CALLSIGHT_LOAD_SERVE_ENV extra environment of the serve process
//	                        (NAME=VALUE, space separated; with CALLSIGHT_LOAD_BIN)
//	CALLSIGHT_LOAD_SERVE_NICE serve's niceness relative to the test process
//	                        (with CALLSIGHT_LOAD_BIN; negative needs root)
//	CALLSIGHT_LOAD_MIN_QPS, CALLSIGHT_LOAD_MAX_P99  fail the run below or
//	                        above these (default: only report)
//	CALLSIGHT_LOAD_PROFILE  a directory: serve runs with --debug-listen and
//	                        its CPU profile over the measured window and
//	                        its allocations (since start) are written there
//	                        as serve.cpu.pprof and serve.allocs.pprof, and
//	                        the allocations at the window's start as
//	                        serve.allocs0.pprof (pprof -base: the window's)
//	CALLSIGHT_LOAD_TRACE    a directory: 3 s of serve's execution trace
//	                        is written there as serve.trace (go tool trace)
//
// Each call is SIP over UDP as HEP records (INVITE with SDP, 180, 200 with
// SDP, ACK, then BYE and its 200), answered 0.5 s after the INVITE, lasting
// 8-25 s, with G.711 µ-law RTP every 20 ms in both directions: the callee's
// (what the engine analyses) is a synthesized greeting, short (human-like)
// or long followed by a 1 kHz beep (machine-like); the caller's is low
// noise. A call that ends is replaced at once, so the number of calls with
// live audio stays at CALLSIGHT_LOAD_CALLS. The controller registers every
// call (POST /v1/calls with its Call-ID) before its INVITE, and the query
// load asks for calls that are live or recently ended: 90% GET
// /v1/calls/{id}, 10% GET /v1/calls/{id}/verdict?wait=0, and 4 event
// streams stay open. Query i is due at start+i/QPS; its latency runs from
// when it was due, so a server that falls behind pays for the queue.
func TestLoadServe(t *testing.T) {
	if os.Getenv("CALLSIGHT_LOAD") == "" {
		t.Skip("the load run is long: set CALLSIGHT_LOAD=1 (make load)")
	}
	lc := loadConfig{calls: envInt("CALLSIGHT_LOAD_CALLS", 5000), qps: envInt("CALLSIGHT_LOAD_QPS", 10000),
		seconds: envInt("CALLSIGHT_LOAD_SECONDS", 20), ramp: 4 * time.Second, streams: 4}
	srv := startLoadServe(t, lc)
	gen := newLoadGen(lc, srv)
	if err := gen.dial(); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); gen.run(ctx) }()

	// SSE streams, open for the whole run.
	var sseEvents atomic.Int64
	for range lc.streams {
		wg.Add(1)
		go func() { defer wg.Done(); loadSSE(ctx, srv.api, &sseEvents) }()
	}

	time.Sleep(lc.ramp)
	m0 := scrape(t, srv.api)
	cpu0, self0 := srv.cpu(), procCPU(os.Getpid())
	gen0 := gen.counters()
	profDone := make(chan struct{})
	if dir := os.Getenv("CALLSIGHT_LOAD_PROFILE"); dir != "" && srv.debug != "" {
		fetchProfile(t, srv.debug+"/debug/pprof/allocs?gc=1", dir+"/serve.allocs0.pprof") // as of a collection now, not the last one
		go func() {
			defer close(profDone)
			fetchProfile(t, srv.debug+"/debug/pprof/profile?seconds="+strconv.Itoa(max(1, lc.seconds-1)), dir+"/serve.cpu.pprof")
		}()
	} else {
		close(profDone)
	}
	if dir := os.Getenv("CALLSIGHT_LOAD_TRACE"); dir != "" && srv.debug != "" {
		go fetchProfile(t, srv.debug+"/debug/pprof/trace?seconds=3", dir+"/serve.trace")
	}
	res := queryLoad(ctx, srv.api, gen.ids, lc)
	<-profDone
	if dir := os.Getenv("CALLSIGHT_LOAD_PROFILE"); dir != "" && srv.debug != "" {
		fetchProfile(t, srv.debug+"/debug/pprof/allocs?gc=1", dir+"/serve.allocs.pprof")
	}
	wall := res.elapsed
	cpu1, self1 := srv.cpu(), procCPU(os.Getpid())
	m1 := scrape(t, srv.api)
	gen1 := gen.counters()
	sse := sseEvents.Load()
	cancel()
	wg.Wait()
	gen.close()
	st := srv.stop(t)

	d := func(name string) float64 { return m1[name] - m0[name] }
	lat := res.lat
	if len(lat) == 0 {
		t.Fatal("no query completed")
	}
	pct, latePct, wirePct := percentiles(lat), percentiles(res.late), percentiles(res.wire)
	secs := wall.Seconds()
	t.Logf("load run: %d calls with live audio (mean %.0f), %d q/s asked, %.1f s measured, GOMAXPROCS %d, serve %s",
		lc.calls, float64(gen1.liveSum-gen0.liveSum)/math.Max(1, float64(gen1.ticks-gen0.ticks)), lc.qps, secs, srv.procs, srv.mode)
	t.Logf("queries: %d done (%.0f/s), %d errors, %d not 200; latency p50 %v p95 %v p99 %v p99.9 %v max %v",
		len(lat), float64(len(lat))/secs, res.errs, res.non200, pct(.50), pct(.95), pct(.99), pct(.999), pct(1))
	t.Logf("of which: client lateness (due -> request handed to the HTTP client) p50 %v p99 %v max %v; sent -> answer read p50 %v p99 %v max %v",
		latePct(.50), latePct(.99), latePct(1), wirePct(.50), wirePct(.99), wirePct(1))
	t.Logf("registrations: %d POST /v1/calls (%.0f/s), %d failed; SSE events received: %d (%.0f/s over %d streams)",
		gen1.regs-gen0.regs, float64(gen1.regs-gen0.regs)/secs, gen1.regFails-gen0.regFails, sse, float64(sse)/secs, lc.streams)
	t.Logf("feed: %.0f HEP records/s sent (%.0f RTP/s toward the engine's analysed side, %.0f RTP/s other side, %.0f SIP/s); calls started %.0f/s",
		float64(gen1.sent-gen0.sent)/secs, float64(gen1.rtpA-gen0.rtpA)/secs, float64(gen1.rtpB-gen0.rtpB)/secs,
		float64(gen1.sip-gen0.sip)/secs, float64(gen1.started-gen0.started)/secs)
	t.Logf("serve: payloads %.0f/s, engine queue drops %.0f, HEP decoded %.0f/s, verdicts %.0f (%.0f/s), calls finished %.0f (%.0f/s), active %.0f, events %d",
		d("callsight_capture_payloads_total")/secs, d("callsight_capture_drops_total"), d("callsight_hep_packets_total")/secs,
		d("callsight_engine_verdicts_total"), d("callsight_engine_verdicts_total")/secs,
		d("callsight_engine_calls_total"), d("callsight_engine_calls_total")/secs, m1["callsight_engine_active_calls"], st.events)
	t.Logf("serve: verdict latency (payload queued -> published) mean %.2f ms; API handler time mean %.3f ms; RTP analysed %s; RTP shed by the audio workers %.0f; calls settled %.0f (%.0f/s)",
		1000*d("callsight_engine_verdict_latency_seconds_sum")/math.Max(1, d("callsight_engine_verdict_latency_seconds_count")),
		1000*d("callsight_api_request_duration_seconds_sum")/math.Max(1, d("callsight_api_request_duration_seconds_count")), st.rtp,
		d("callsight_audio_shed_packets_total"), d("callsight_audio_settled_total"), d("callsight_audio_settled_total")/secs)
	if cpu0 >= 0 && cpu1 >= 0 {
		t.Logf("CPU: %.2f cores busy over the measured window (%s), %.2f µs per HEP record decoded",
			(cpu1-cpu0)/secs, srv.cpuWhat, 1e6*(cpu1-cpu0)/math.Max(1, d("callsight_hep_packets_total")))
	}
	if srv.cpuWhat == "serve process alone" && self0 >= 0 && self1 >= 0 {
		t.Logf("CPU: %.2f cores busy in the test process (load generator and query clients)", (self1-self0)/secs)
	}
	if v := os.Getenv("CALLSIGHT_LOAD_MAX_P99"); v != "" {
		want, err := time.ParseDuration(v)
		if err == nil && pct(.99) > want {
			t.Errorf("p99 %v > %v", pct(.99), want)
		}
	}
	if v := envInt("CALLSIGHT_LOAD_MIN_QPS", 0); v > 0 && float64(len(lat))/secs < float64(v) {
		t.Errorf("%.0f queries/s < %d", float64(len(lat))/secs, v)
	}
	if res.errs > 0 || res.non200 > len(lat)/100 {
		t.Errorf("%d errors, %d answers not 200 of %d", res.errs, res.non200, len(lat))
	}
}

type loadConfig struct {
	calls, qps, seconds, streams int
	ramp                         time.Duration
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// Keys of the load run: the controller's (tenant a) and an admin key for
// /metrics. Test keys, never used anywhere else.
const (
	loadKey      = "load-run-key-tenant-a"
	loadAdminKey = "load-run-key-admin"
)

// loadServer is serve, in this process or in its own.
type loadServer struct {
	api, hep string
	debug    string // the profiler's base URL, with CALLSIGHT_LOAD_PROFILE
	mode     string
	procs    int
	cpuWhat  string
	cpu      func() float64 // CPU seconds used so far, -1 when unknown
	stop     func(t *testing.T) loadStopped
}

type loadStopped struct {
	events int64
	rtp    string
}

func startLoadServe(t *testing.T, lc loadConfig) *loadServer {
	exitAfter := lc.ramp + time.Duration(lc.seconds)*time.Second + 20*time.Second
	args := []string{"serve", "--listen", "127.0.0.1:0", "--hep", "tcp:127.0.0.1:0", "--store", "none",
		"--api-key", callctl.HashKey(loadKey) + " a name=load", "--api-key", callctl.HashKey(loadAdminKey) + " ops admin name=ops",
		"--rate-limit", "50000", "--rate-burst", "50000", "--log-level", "info", "--log-format", "json",
		"--exit-after", exitAfter.String()}
	if os.Getenv("CALLSIGHT_LOAD_PROFILE") != "" {
		args = append(args, "--debug-listen", "127.0.0.1:0")
	}
	if extra := strings.Fields(os.Getenv("CALLSIGHT_LOAD_ARGS")); len(extra) > 0 {
		args = append(args, extra...)
	}
	ls := &loadServer{procs: runtimeProcs()}
	stdoutR, stdoutW := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	if bin := os.Getenv("CALLSIGHT_LOAD_BIN"); bin != "" {
		cmd := exec.Command(bin, args...)
		if n := os.Getenv("CALLSIGHT_LOAD_SERVE_NICE"); n != "" {
			// serve ahead of the load generator on the shared cores, as on
			// a machine where it is the service and the load comes from
			// elsewhere (a negative value needs root).
			cmd = exec.Command("nice", append([]string{"-n", n, bin}, args...)...)
		}
		cmd.Stdout, cmd.Stderr = stdoutW, stderr
		cmd.Env = append(os.Environ(), "CALLSIGHT_STORE=none")
		cmd.Env = append(cmd.Env, strings.Fields(os.Getenv("CALLSIGHT_LOAD_SERVE_ENV"))...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { err := cmd.Wait(); stdoutW.Close(); done <- err }()
		t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM) })
		ls.mode = "as process " + strconv.Itoa(cmd.Process.Pid) + " (" + bin + ")"
		ls.cpuWhat = "serve process alone"
		pid := cmd.Process.Pid
		ls.cpu = func() float64 { return procCPU(pid) }
	} else {
		go func() { err := cmdServe(args[1:], stdoutW, stderr); stdoutW.Close(); done <- err }()
		ls.mode = "in the test process"
		ls.cpuWhat = "serve, load generator and query clients together"
		ls.cpu = func() float64 { return procCPU(os.Getpid()) }
	}
	sc := bufio.NewScanner(stdoutR)
	deadline := time.AfterFunc(30*time.Second, func() { stdoutR.CloseWithError(errors.New("serve did not start in 30 s")) })
	wantDebug := os.Getenv("CALLSIGHT_LOAD_PROFILE") != ""
	for (ls.api == "" || ls.hep == "" || wantDebug && ls.debug == "") && sc.Scan() {
		line := sc.Text()
		if _, a, ok := strings.Cut(line, "debug on http://"); ok {
			ls.debug = "http://" + strings.TrimSuffix(a, "/debug/pprof/")
		}
		if _, a, ok := strings.Cut(line, "HEP on tcp://"); ok {
			ls.hep = a
		}
		if _, a, ok := strings.Cut(line, "listening on http://"); ok {
			ls.api = "http://" + a
		}
	}
	deadline.Stop()
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
	if ls.api == "" || ls.hep == "" {
		t.Fatalf("serve did not start: %v\n%s", sc.Err(), stderr.String())
	}
	ls.stop = func(t *testing.T) loadStopped {
		var st loadStopped
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(exitAfter + 30*time.Second):
			t.Errorf("serve did not exit")
			return st
		}
		// serve's last log line has the totals.
		st.rtp = "(not reported by serve)"
		for _, l := range strings.Split(stderr.String(), "\n") {
			if strings.Contains(l, `"msg":"stopped"`) {
				t.Logf("serve: %s", l)
				if _, v, ok := strings.Cut(l, `"events":`); ok {
					v, _, _ = strings.Cut(v, ",")
					st.events, _ = strconv.ParseInt(v, 10, 64)
				}
				if _, v, ok := strings.Cut(l, `"rtp_packets":`); ok {
					v, _, _ = strings.Cut(v, ",")
					st.rtp = v + " in the whole run"
				}
			}
			if strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, `"msg":"listening"`) { // the latter: its Ps and audio workers
				t.Logf("serve: %s", l)
			}
		}
		return st
	}
	return ls
}

// fetchProfile saves one of serve's pprof profiles.
func fetchProfile(t *testing.T, url, path string) {
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("profile: %v", err)
		return
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("%s: %s", resp.Status, b)
	}
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		t.Errorf("profile %s: %v", url, err)
		return
	}
	t.Logf("profile: %s (go tool pprof %s)", path, path)
}

// percentiles sorts d (not empty) and returns its p-th percentile, 1 the
// largest.
func percentiles(d []time.Duration) func(p float64) time.Duration {
	slices.Sort(d)
	return func(p float64) time.Duration { return d[min(len(d)-1, int(float64(len(d))*p))] }
}

// runtimeProcs is the GOMAXPROCS serve gets (the same as ours unless
// CALLSIGHT_LOAD_ARGS or the environment says otherwise).
func runtimeProcs() int {
	if v, err := strconv.Atoi(os.Getenv("GOMAXPROCS")); err == nil && v > 0 {
		return v
	}
	return runtime.GOMAXPROCS(0)
}

// procCPU is a process's user+system CPU seconds, from /proc.
func procCPU(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+2:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return -1
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100 // USER_HZ is 100 on Linux
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// scrape reads serve's Prometheus metrics (name without labels -> value).
func scrape(t *testing.T, api string) map[string]float64 {
	req, _ := http.NewRequest("GET", api+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+loadAdminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return parseMetrics(b)
}

// parseMetrics reads the unlabelled samples of a /metrics page.
func parseMetrics(page []byte) map[string]float64 {
	out := map[string]float64{}
	for l := range strings.SplitSeq(string(page), "\n") {
		if l == "" || l[0] == '#' || strings.Contains(l, "{") {
			continue
		}
		name, v, ok := strings.Cut(l, " ")
		if !ok {
			continue
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			out[name] = f
		}
	}
	return out
}

// loadSSE keeps one event stream open and counts its events.
func loadSSE(ctx context.Context, api string, n *atomic.Int64) {
	req, _ := http.NewRequestWithContext(ctx, "GET", api+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+loadKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event: ") {
			n.Add(1)
		}
	}
}

type queryResult struct {
	lat          []time.Duration
	late         []time.Duration // how late each query was sent (client side)
	wire         []time.Duration // from sending to the whole answer read
	errs, non200 int
	elapsed      time.Duration
}

// queryLoad runs the open-loop queries for lc.seconds.
func queryLoad(ctx context.Context, api string, ids *idRing, lc loadConfig) queryResult {
	const workers = 256
	total := int64(lc.qps * lc.seconds)
	// The clients are lean, as wrk's are (CALLSIGHT_LOAD_CLIENT=nethttp:
	// net/http's, ~25 µs of CPU a query on the cores serve runs on).
	var raw []*rawHTTP
	var client *http.Client
	if os.Getenv("CALLSIGHT_LOAD_CLIENT") == "nethttp" {
		tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers, DisableCompression: true}
		defer tr.CloseIdleConnections()
		client = &http.Client{Transport: tr, Timeout: 5 * time.Second}
	} else {
		raw = make([]*rawHTTP, workers)
		for w := range raw {
			raw[w] = &rawHTTP{addr: strings.TrimPrefix(api, "http://")}
		}
		defer func() {
			for _, h := range raw {
				h.close()
			}
		}()
	}
	var next atomic.Int64
	lats, lates, wires := make([][]time.Duration, workers), make([][]time.Duration, workers), make([][]time.Duration, workers)
	var errs, non200 atomic.Int64
	auth := "Bearer " + loadKey
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			lats[w] = make([]time.Duration, 0, total/workers+16)
			lates[w] = make([]time.Duration, 0, total/workers+16)
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= total {
					return
				}
				due := start.Add(time.Duration(i) * time.Second / time.Duration(lc.qps))
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				url := api + "/v1/calls/" + ids.pick(rng)
				if i%10 == 9 {
					url += "/verdict?wait=0"
				}
				var status int
				sent := time.Now()
				lates[w] = append(lates[w], sent.Sub(due))
				if raw != nil {
					var err error
					if status, err = raw[w].get(url[len(api):], auth); err != nil {
						errs.Add(1)
						continue
					}
				} else {
					req, _ := http.NewRequest("GET", url, nil)
					req.Header.Set("Authorization", auth)
					resp, err := client.Do(req)
					if err != nil {
						errs.Add(1)
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				if status != 200 {
					non200.Add(1)
				}
				lats[w] = append(lats[w], time.Since(due))
				wires[w] = append(wires[w], time.Since(sent))
			}
		}()
	}
	wg.Wait()
	res := queryResult{elapsed: time.Since(start), errs: int(errs.Load()), non200: int(non200.Load())}
	for w, l := range lats {
		res.lat = append(res.lat, l...)
		res.late = append(res.late, lates[w]...)
		res.wire = append(res.wire, wires[w]...)
	}
	return res
}

// rawHTTP is a minimal HTTP/1.1 client on one kept-alive connection, as
// wrk's is: a request is one write, its answer is read by Content-Length
// or by chunks, and a failure drops the connection for a new one.
type rawHTTP struct {
	addr string
	c    net.Conn
	r    *bufio.Reader
	req  []byte
}

func (h *rawHTTP) close() {
	if h.c != nil {
		h.c.Close()
		h.c = nil
	}
}

// get asks for path and returns the answer's status.
func (h *rawHTTP) get(path, auth string) (int, error) {
	status, keep, err := h.do(path, auth)
	if err != nil || !keep {
		h.close()
	}
	return status, err
}

func (h *rawHTTP) do(path, auth string) (status int, keep bool, err error) {
	if h.c == nil {
		if h.c, err = net.Dial("tcp", h.addr); err != nil {
			return 0, false, err
		}
		h.r = bufio.NewReaderSize(h.c, 16<<10)
	}
	if err := h.c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return 0, false, err
	}
	h.req = append(h.req[:0], "GET "...)
	h.req = append(h.req, path...)
	h.req = append(h.req, " HTTP/1.1\r\nHost: "...)
	h.req = append(h.req, h.addr...)
	h.req = append(h.req, "\r\nAuthorization: "...)
	h.req = append(h.req, auth...)
	h.req = append(h.req, "\r\n\r\n"...)
	if _, err := h.c.Write(h.req); err != nil {
		return 0, false, err
	}
	line, err := h.r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, keep := -1, false, true
	for {
		line, err := h.r.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		if len(line) <= 2 {
			break
		}
		k, v, _ := strings.Cut(strings.TrimSpace(string(line)), ":")
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "content-length":
			if length, err = strconv.Atoi(v); err != nil {
				return 0, false, err
			}
		case "transfer-encoding":
			chunked = strings.EqualFold(v, "chunked")
		case "connection":
			keep = !strings.EqualFold(v, "close")
		}
	}
	switch {
	case chunked:
		for {
			line, err := h.r.ReadSlice('\n')
			if err != nil {
				return 0, false, err
			}
			n, err := strconv.ParseInt(strings.TrimSpace(string(line)), 16, 64)
			if err != nil {
				return 0, false, err
			}
			if _, err := h.r.Discard(int(n) + 2); err != nil { // the chunk and its CRLF
				return 0, false, err
			}
			if n == 0 {
				return status, keep, nil
			}
		}
	case length >= 0:
		_, err = h.r.Discard(length)
		return status, keep, err
	}
	return status, false, fmt.Errorf("an answer without a length")
}

// loadGen plays the calls: signaling and RTP as HEP over TCP to serve,
// and the controller's registrations over the API.
type loadGen struct {
	lc      loadConfig
	srv     *loadServer
	conns   []net.Conn
	human   []byte // callee audio scripts, µ-law at 8 kHz
	machine []byte
	quiet   []byte // caller audio
	slots   []*loadCall
	serial  uint64
	regCh   chan *loadCall
	regWG   sync.WaitGroup

	ids *idRing // registered Call-IDs

	sent, rtpA, rtpB, sip, started, regs, regFails, ticks, liveSum atomic.Int64
}

type loadCounters struct{ sent, rtpA, rtpB, sip, started, regs, regFails, ticks, liveSum int64 }

func (g *loadGen) counters() loadCounters {
	return loadCounters{g.sent.Load(), g.rtpA.Load(), g.rtpB.Load(), g.sip.Load(), g.started.Load(), g.regs.Load(),
		g.regFails.Load(), g.ticks.Load(), g.liveSum.Load()}
}

// loadCall is one call of a slot.
type loadCall struct {
	n                    uint64
	id, called, calling  string
	caller, callee       netip.AddrPort // RTP addresses from the SDP
	invite, answer, end  time.Time
	script               []byte
	seq                  uint16
	ts                   uint32
	off, pkts            int
	ringing, up, regDone bool
	reg                  chan struct{}
}

const (
	loadRing    = 500 * time.Millisecond
	loadMinDur  = 8 * time.Second
	loadMaxDur  = 25 * time.Second
	loadFrame   = 160 // samples per 20 ms
	loadConnsN  = 2
	loadGroups  = 10 // RTP send groups: one every 2 ms
	loadIDsKept = 20000
)

var (
	loadSIPCaller = netip.MustParseAddrPort("127.0.0.2:5060")
	loadSIPCallee = netip.MustParseAddrPort("127.0.0.3:5060")
)

func newLoadGen(lc loadConfig, srv *loadServer) *loadGen {
	g := &loadGen{lc: lc, srv: srv, regCh: make(chan *loadCall, 4096), ids: newIDRing(lc.calls * 2)}
	rng := rand.New(rand.NewPCG(1, 2))
	n := int(loadMaxDur / time.Millisecond * 8)
	g.human = loadScript(rng, n, []loadSeg{{0.3, 1.1, false}, {2.5, 3.0, false}})
	g.machine = loadScript(rng, n, []loadSeg{{0.3, 5.5, false}, {5.8, 6.3, true}})
	g.quiet = loadScript(rng, n, nil)
	// Slots: enough that lc.calls have audio at once (a call rings for
	// loadRing first).
	mean := (loadMinDur + loadMaxDur) / 2
	g.slots = make([]*loadCall, lc.calls+int(int64(lc.calls)*int64(loadRing)/int64(mean)))
	return g
}

type loadSeg struct {
	from, to float64 // seconds
	beep     bool
}

// loadScript synthesizes n samples: low noise, with "speech" (noise shaped
// into 4 Hz syllables over a 150 Hz buzz) or a 1 kHz beep in segs.
func loadScript(rng *rand.Rand, n int, segs []loadSeg) []byte {
	pcm := make([]int16, n)
	for i := range pcm {
		t := float64(i) / 8000
		v := rng.NormFloat64() * 30
		for _, s := range segs {
			if t < s.from || t >= s.to {
				continue
			}
			if s.beep {
				v += 8000 * math.Sin(2*math.Pi*1000*t)
				continue
			}
			env := 0.5 + 0.5*math.Sin(2*math.Pi*4*t)
			buzz := math.Sin(2*math.Pi*150*t) + 0.5*math.Sin(2*math.Pi*450*t) + 0.3*math.Sin(2*math.Pi*1200*t)
			v += env * (4000*buzz + rng.NormFloat64()*1500)
		}
		pcm[i] = int16(max(-32768, min(32767, v)))
	}
	return g711.EncodeULaw(nil, pcm)
}

func (g *loadGen) dial() error {
	for range loadConnsN {
		c, err := net.Dial("tcp", g.srv.hep)
		if err != nil {
			return err
		}
		g.conns = append(g.conns, c)
	}
	for range 16 {
		g.regWG.Add(1)
		go g.registrar()
	}
	return nil
}

func (g *loadGen) close() {
	for _, c := range g.conns {
		c.Close()
	}
	close(g.regCh)
	g.regWG.Wait()
}

// registrar registers calls as the controller would, before dialing.
func (g *loadGen) registrar() {
	defer g.regWG.Done()
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	for c := range g.regCh {
		body := `{"called":"` + c.called + `","calling":"` + c.calling + `","call_id":"` + c.id + `","campaign":"load"}`
		req, _ := http.NewRequest("POST", g.srv.api+"/v1/calls", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+loadKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		ok := err == nil && resp.StatusCode == http.StatusCreated
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if ok {
			g.regs.Add(1)
			g.ids.add(c.id)
		} else {
			g.regFails.Add(1)
		}
		close(c.reg)
	}
}

// idRing keeps the newest registered Call-IDs for the queries to ask
// about.
type idRing struct {
	mu     sync.RWMutex
	ids    []string // the newest last (a ring)
	n      int      // IDs ever added
	window int      // pick among this many of the newest
}

func newIDRing(window int) *idRing {
	return &idRing{ids: make([]string, loadIDsKept), window: max(window, 1)}
}

func (r *idRing) add(id string) {
	r.mu.Lock()
	r.ids[r.n%len(r.ids)] = id
	r.n++
	r.mu.Unlock()
}

// pick returns a registered Call-ID, most often a recent one.
func (r *idRing) pick(rng *rand.Rand) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := min(r.n, len(r.ids))
	if n == 0 {
		return "none"
	}
	back := rng.IntN(min(n, r.window))
	return r.ids[(r.n-1-back)%len(r.ids)]
}

// newCall starts a call in a slot at now (which may be in the past for
// the first calls, spread over the ramp).
func (g *loadGen) newCall(rng *rand.Rand, at time.Time) *loadCall {
	g.serial++
	n := g.serial
	c := &loadCall{n: n, id: fmt.Sprintf("load-%d@127.0.0.2", n), called: fmt.Sprintf("7916%07d", n%10000000),
		calling: fmt.Sprintf("7495%07d", n*7%10000000), invite: at, reg: make(chan struct{})}
	ip := func(b byte) netip.Addr { return netip.AddrFrom4([4]byte{127, b, byte(n >> 16), byte(n >> 8)}) }
	port := uint16(10000 + 2*(n&0xff))
	c.caller, c.callee = netip.AddrPortFrom(ip(10), port), netip.AddrPortFrom(ip(20), port)
	c.answer = at.Add(loadRing)
	c.end = c.answer.Add(loadMinDur + time.Duration(rng.Int64N(int64(loadMaxDur-loadMinDur))))
	c.script = g.human
	if n%2 == 0 {
		c.script = g.machine
	}
	c.seq, c.ts = uint16(n), uint32(n*1000)
	g.started.Add(1)
	g.regCh <- c
	return c
}

// run sends until ctx is done: every 2 ms one group of slots advances
// (signaling when due, one RTP packet each way for a live call).
func (g *loadGen) run(ctx context.Context) {
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Now()
	for i := range g.slots {
		// The first calls start over the first second, part-way into
		// their life so that the ends are spread from the start.
		c := g.newCall(rng, start.Add(time.Duration(rng.Int64N(int64(time.Second)))))
		c.end = c.end.Add(-time.Duration(rng.Int64N(int64(loadMinDur))))
		g.slots[i] = c
	}
	bufs := make([][]byte, len(g.conns))
	tick := time.NewTicker(20 * time.Millisecond / loadGroups)
	defer tick.Stop()
	var hp capture.HEPPacket
	for k := 0; ; k++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		grp := k % loadGroups
		live := 0
		for i := grp; i < len(g.slots); i += loadGroups {
			c := g.slots[i]
			ci := i % len(bufs)
			b := bufs[ci]
			if now.After(c.end) {
				b = g.sipMsg(b, &hp, now, c, true, loadBye(c))
				b = g.sipMsg(b, &hp, now, c, false, loadByeOK(c))
				c = g.newCall(rng, now)
				g.slots[i] = c
			}
			if !c.regDone {
				select {
				case <-c.reg:
					c.regDone = true
				default:
					bufs[ci] = b
					continue // the controller has not registered it yet
				}
			}
			if !c.ringing && !now.Before(c.invite) {
				c.ringing = true
				c.invite = now
				c.answer = now.Add(loadRing)
				b = g.sipMsg(b, &hp, now, c, true, loadInvite(c))
				b = g.sipMsg(b, &hp, now, c, false, loadResp(c, 180, "Ringing", false))
			}
			if c.ringing && !c.up && !now.Before(c.answer) {
				c.up = true
				b = g.sipMsg(b, &hp, now, c, false, loadResp(c, 200, "OK", true))
				b = g.sipMsg(b, &hp, now, c, true, loadAck(c))
			}
			if c.up {
				// Open loop: every packet due by now is sent, stamped
				// with the time it was due.
				live++
				for due := int(now.Sub(c.answer)/(20*time.Millisecond)) + 1; c.pkts < due; c.pkts++ {
					b = g.rtp(b, &hp, c.answer.Add(time.Duration(c.pkts)*20*time.Millisecond), c)
				}
			}
			bufs[ci] = b
		}
		g.ticks.Add(1)
		g.liveSum.Add(int64(live * loadGroups))
		for i, b := range bufs {
			if len(b) == 0 {
				continue
			}
			if _, err := g.conns[i].Write(b); err != nil {
				return
			}
			bufs[i] = b[:0]
		}
	}
}

func (g *loadGen) hep(b []byte, hp *capture.HEPPacket, now time.Time, src, dst netip.AddrPort, proto capture.HEPProto, data []byte) []byte {
	*hp = capture.HEPPacket{IPProto: 17, Src: src, Dst: dst, Time: now, Proto: proto, AgentID: 1, Payload: data}
	g.sent.Add(1)
	return capture.AppendHEP(b, hp)
}

func (g *loadGen) sipMsg(b []byte, hp *capture.HEPPacket, now time.Time, c *loadCall, fromCaller bool, msg string) []byte {
	src, dst := loadSIPCaller, loadSIPCallee
	if !fromCaller {
		src, dst = dst, src
	}
	g.sip.Add(1)
	return g.hep(b, hp, now, src, dst, capture.HEPSIP, []byte(msg))
}

// rtp appends one 20 ms packet each way.
func (g *loadGen) rtp(b []byte, hp *capture.HEPPacket, now time.Time, c *loadCall) []byte {
	var pkt [12 + loadFrame]byte
	for dir := range 2 {
		pkt[0], pkt[1] = 0x80, 0 // V=2, PT 0 (PCMU)
		pkt[2], pkt[3] = byte(c.seq>>8), byte(c.seq)
		ts := c.ts
		ssrc := uint32(c.n)*2 + uint32(dir)
		pkt[4], pkt[5], pkt[6], pkt[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
		pkt[8], pkt[9], pkt[10], pkt[11] = byte(ssrc>>24), byte(ssrc>>16), byte(ssrc>>8), byte(ssrc)
		script, src, dst := c.script, c.callee, c.caller
		if dir == 1 {
			script, src, dst = g.quiet, c.caller, c.callee
		}
		off := c.off % (len(script) - loadFrame)
		copy(pkt[12:], script[off:off+loadFrame])
		b = g.hep(b, hp, now, src, dst, capture.HEPRTPFull, pkt[:])
	}
	g.rtpA.Add(1)
	g.rtpB.Add(1)
	c.seq++
	c.ts += loadFrame
	c.off += loadFrame
	return b
}

func loadSDP(c *loadCall, a netip.AddrPort, ver int) string {
	return fmt.Sprintf("v=0\r\no=- %d %d IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0 101\r\n"+
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\na=sendrecv\r\n", c.n, ver, a.Addr(), a.Addr(), a.Port())
}

func loadHead(c *loadCall, first string, cseq int, method string, toTag bool, branch string) string {
	to := "<sip:" + c.called + "@127.0.0.3>"
	if toTag {
		to += ";tag=b" + strconv.FormatUint(c.n, 10)
	}
	return first + "\r\nVia: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK" + branch + strconv.FormatUint(c.n, 10) +
		"\r\nFrom: <sip:" + c.calling + "@127.0.0.2>;tag=a" + strconv.FormatUint(c.n, 10) + "\r\nTo: " + to +
		"\r\nCall-ID: " + c.id + "\r\nCSeq: " + strconv.Itoa(cseq) + " " + method + "\r\nMax-Forwards: 70\r\n"
}

func loadWithBody(h, body string) string {
	if body == "" {
		return h + "Content-Length: 0\r\n\r\n"
	}
	return h + "Content-Type: application/sdp\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

func loadInvite(c *loadCall) string {
	h := loadHead(c, "INVITE sip:"+c.called+"@127.0.0.3 SIP/2.0", 1, "INVITE", false, "i") +
		"Contact: <sip:" + c.calling + "@127.0.0.2:5060>\r\n"
	return loadWithBody(h, loadSDP(c, c.caller, 1))
}

func loadResp(c *loadCall, code int, reason string, sdp bool) string {
	h := loadHead(c, "SIP/2.0 "+strconv.Itoa(code)+" "+reason, 1, "INVITE", true, "i") + "Contact: <sip:" + c.called + "@127.0.0.3:5060>\r\n"
	if sdp {
		return loadWithBody(h, loadSDP(c, c.callee, 2))
	}
	return loadWithBody(h, "")
}

func loadAck(c *loadCall) string {
	return loadWithBody(loadHead(c, "ACK sip:"+c.called+"@127.0.0.3:5060 SIP/2.0", 1, "ACK", true, "a"), "")
}

func loadBye(c *loadCall) string {
	return loadWithBody(loadHead(c, "BYE sip:"+c.called+"@127.0.0.3:5060 SIP/2.0", 2, "BYE", true, "b"), "")
}

func loadByeOK(c *loadCall) string {
	return loadWithBody(loadHead(c, "SIP/2.0 200 OK", 2, "BYE", true, "b"), "")
}
