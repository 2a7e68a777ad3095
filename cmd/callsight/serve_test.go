package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callsight/callsight/amd"
	"github.com/callsight/callsight/analytics"
	"github.com/callsight/callsight/callctl"
	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/outcome"
)

// lineWriter hands each line written to it to a channel.
// serveBase waits for serve's "listening on URL" line and returns the URL;
// the test fails when serve ends first or is not listening within 10 s.
// stderr, when not nil, gives serve's log for the failure message.
func serveBase(t *testing.T, stdout *lineWriter, done <-chan error, stderr func() string) string {
	t.Helper()
	return serveWait(t, stdout, done, stderr, "listening on ")[0]
}

// serveWait waits until serve has printed a line containing each marker
// and returns, for each, what follows it on its line (an address). It
// fails the test as serveBase does.
func serveWait(t *testing.T, stdout *lineWriter, done <-chan error, stderr func() string, markers ...string) []string {
	t.Helper()
	got := make([]string, len(markers))
	seen := make([]bool, len(markers))
	for left := len(markers); left > 0; {
		select {
		case l := <-stdout.lines:
			for i, m := range markers {
				if _, rest, ok := strings.Cut(l, m); ok && !seen[i] {
					got[i], seen[i] = rest, true
					left--
				}
			}
		case err := <-done:
			log := ""
			if stderr != nil {
				log = "; stderr: " + stderr()
			}
			t.Fatalf("serve ended at once: %v%s", err, log)
		case <-time.After(10 * time.Second):
			t.Fatalf("serve did not start (waiting for %q)", markers)
		}
	}
	return got
}

type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			return len(p), nil
		}
		select {
		case w.lines <- strings.TrimSpace(line):
		default:
		}
	}
}

// TestServeMatchesReplay runs serve in-process on a committed audio capture
// replayed at 20x, subscribes to /v1/events with nothing registered, and
// checks that the verdicts streamed for the file's calls are those replay
// prints (its JSONL audio.class).
func TestServeMatchesReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end serve run takes a few seconds")
	}
	file := filepath.Join("..", "..", "pcaps", "audio", "audio-answered.pcap.gz")
	if _, err := os.Stat(file); err != nil {
		t.Skipf("no committed audio corpus: %v", err)
	}

	// What replay says.
	var out bytes.Buffer
	if err := cmdReplay([]string{"--quiet", file}, &out, io.Discard); err != nil {
		t.Fatalf("replay: %v", err)
	}
	want := map[string]string{}
	beeps := map[string]bool{} // calls replay gives a beep end
	for _, l := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
		var c outcome.Call
		if err := json.Unmarshal(l, &c); err != nil {
			t.Fatal(err)
		}
		if c.Audio != nil && c.Audio.Analysed {
			want[c.CallID] = c.Audio.Class
		}
		if c.BeepEndMS != nil {
			beeps[c.CallID] = true
		}
	}
	if len(want) == 0 {
		t.Fatal("replay gave no audio verdicts")
	}

	dir := t.TempDir()
	const admin, tenant = "e2e-admin-key", "e2e-tenant-key"
	keys := callctl.HashKey(admin) + " ops admin\n" + callctl.HashKey(tenant) + " acme\n"
	keysFile := filepath.Join(dir, "keys")
	if err := os.WriteFile(keysFile, []byte(keys), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout := &lineWriter{lines: make(chan string, 16)}
	var stderr bytes.Buffer
	var stderrMu sync.Mutex
	done := make(chan error, 1)
	go func() {
		done <- cmdServe([]string{"--listen", "127.0.0.1:0", "--api-keys-file", keysFile, "--pcap", file,
			"--speed", "20", "--exit-after", "1500ms", "--log-level", "warn"}, stdout, lockedWriter{&stderrMu, &stderr})
	}()
	var base string
	select {
	case l := <-stdout.lines:
		_, addr, ok := strings.Cut(l, "listening on ")
		if !ok {
			t.Fatalf("first line %q does not give the address", l)
		}
		base = addr
	case err := <-done:
		t.Fatalf("serve ended at once: %v; stderr: %s", err, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start listening")
	}

	get := func(path, key string) (int, []byte) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, _ := get("/healthz", ""); code != 200 {
		t.Errorf("healthz: %d", code)
	}
	if code, _ := get("/v1/events", ""); code != 401 {
		t.Errorf("events without key: %d, want 401", code)
	}

	// Resume from 0: the ring replays what was published before we came.
	req, _ := http.NewRequest("GET", base+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Last-Event-ID", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := map[string]string{}
	var order []string
	var checkedGet, checkedMetrics bool
	streamedBeeps := 0
	sc := bufio.NewScanner(resp.Body)
	var kind string
	for sc.Scan() {
		line := sc.Text()
		if k, ok := strings.CutPrefix(line, "event: "); ok {
			kind = k
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var ev callctl.Event
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Kind != kind {
			t.Errorf("event field %q, data kind %q", kind, ev.Kind)
		}
		order = append(order, ev.Kind+" "+ev.CallID)
		if ev.Kind == callctl.KindVerdict {
			if _, dup := got[ev.CallID]; dup {
				t.Errorf("two verdicts for %s", ev.CallID)
			}
			got[ev.CallID] = ev.Class
			if !checkedGet {
				checkedGet = true
				code, b := get("/v1/calls/"+ev.CallID, admin)
				if code != 200 || !bytes.Contains(b, []byte(`"class":"`+ev.Class+`"`)) {
					t.Errorf("GET the call of a streamed verdict: %d %s", code, b)
				}
				if code, _ := get("/v1/calls/"+ev.CallID, tenant); code != 404 {
					t.Errorf("a tenant key sees an unregistered call: %d, want 404", code)
				}
			}
		}
		if ev.Kind == callctl.KindBeepEnd {
			if _, ok := got[ev.CallID]; !ok {
				t.Errorf("beep_end of %s before its verdict", ev.CallID)
			}
			if !beeps[ev.CallID] {
				t.Errorf("beep_end of %s, which has no beep end in replay", ev.CallID)
			}
			streamedBeeps++
		}
		if !checkedMetrics && len(got) == len(want) {
			checkedMetrics = true
			code, b := get("/metrics", admin)
			if code != 200 || !bytes.Contains(b, []byte("callsight_engine_verdicts_total")) {
				t.Errorf("metrics: %d %.200s", code, b)
			}
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not exit after --exit-after")
	}
	for id, class := range want {
		if got[id] != class {
			t.Errorf("call %s: streamed verdict %q, replay says %q", id, got[id], class)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("streamed a verdict for %s, which replay does not have", id)
		}
	}
	// The engine reports a beep end live only when the detector knows it
	// before the call ends; replay also has those found at the end.
	t.Logf("%d verdicts streamed, %d of replay's %d beep ends, %d events in all", len(got), streamedBeeps, len(beeps), len(order))
	stderrMu.Lock()
	defer stderrMu.Unlock()
	if s := stderr.String(); strings.Contains(s, `"level":"ERROR"`) {
		t.Errorf("serve logged errors:\n%s", s)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestServeSettings(t *testing.T) {
	dir := t.TempDir()
	yaml := `# callsight serve settings
listen: "127.0.0.1:9999"   # quoted
rate_limit: 50
webhook:
  attempts: 3
pcap:
  - a.pcap
  - 'b #1.pcap'
follow: [c.pcap, d.pcap]
`
	path := filepath.Join(dir, "callsight.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	listen := fs.String("listen", "", "")
	rate := fs.Float64("rate-limit", 0, "")
	attempts := fs.Int("webhook-attempts", 0, "")
	secret := fs.String("webhook-secret", "", "")
	fs.String("config", "", "")
	var pcaps, follows listFlag
	fs.Var(&pcaps, "pcap", "")
	fs.Var(&follows, "follow", "")
	env := []string{"CALLSIGHT_WEBHOOK_SECRET=s3cret", "CALLSIGHT_RATE_LIMIT=70", "OTHER=x"}
	if err := parseServeFlags(fs, []string{"--config", path, "--rate-limit", "90"}, env); err != nil {
		t.Fatal(err)
	}
	if *listen != "127.0.0.1:9999" || *rate != 90 || *attempts != 3 || *secret != "s3cret" ||
		strings.Join(pcaps, "|") != "a.pcap|b #1.pcap" || strings.Join(follows, "|") != "c.pcap|d.pcap" {
		t.Errorf("settings: listen %q rate %v attempts %d secret %q pcaps %q follows %q", *listen, *rate, *attempts, *secret, pcaps, follows)
	}
	for _, bad := range []string{"nope: 1\n", "listen\n", "a:\n  b:\n    c: 1\n", "  x: 1\n", "listen: *anchor\n"} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		fs2 := flag.NewFlagSet("t", flag.ContinueOnError)
		fs2.SetOutput(io.Discard)
		fs2.String("listen", "", "")
		if err := parseServeFlags(fs2, []string{"--config", path}, nil); err == nil {
			t.Errorf("settings %q: no error", bad)
		}
	}
	// The example file in deploy/ must load.
	fs3 := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs3.SetOutput(io.Discard)
	if err := cmdServe([]string{"--config", filepath.Join("..", "..", "deploy", "callsight.example.yaml"), "--listen", "bad address"}, io.Discard, io.Discard); err == nil ||
		strings.Contains(err.Error(), "config") {
		t.Errorf("example settings: %v, want only the listen error", err)
	}
}

// selfSigned writes a self-signed certificate for 127.0.0.1 named cn and
// its key into dir, and returns both files and the certificate's DER.
func selfSigned(t *testing.T, dir, cn string) (certFile, keyFile string, der []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, cn+".pem"), filepath.Join(dir, cn+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, der
}

// TestServeTLS serves over HTTPS from certificate files made here.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, der := selfSigned(t, dir, "localhost")
	// JSON settings work as well as YAML.
	settings := filepath.Join(dir, "s.json")
	js := `{"listen": "127.0.0.1:0", "tls": {"cert": "` + certFile + `", "key": "` + keyFile + `"}, "api-key": ["` + callctl.HashKey("k") + ` t"], "max-calls": 1000000}`
	if err := os.WriteFile(settings, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout := &lineWriter{lines: make(chan string, 4)}
	done := make(chan error, 1)
	go func() {
		done <- cmdServe([]string{"--config", settings, "--pcap", filepath.Join("..", "..", "pcaps", "sip-basic.pcap"),
			"--speed", "0", "--exit-after", "1s"}, stdout, io.Discard)
	}()
	base := serveBase(t, stdout, done, nil)
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("listening on %q, want https", base)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	code := 0
	for range 50 { // ready once the sources run
		req, _ := http.NewRequest("GET", base+"/readyz", nil)
		req.Header.Set("X-API-Key", "k")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if code = resp.StatusCode; code == 200 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code != 200 {
		t.Errorf("GET /readyz over TLS: %d", code)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestServeFollow follows a capture file while it is being written: the
// calls of the part written after serve started are published too.
func TestServeFollow(t *testing.T) {
	src := filepath.Join("..", "..", "pcaps", "sip-basic.pcap")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Skip(err)
	}
	var out bytes.Buffer
	if err := cmdReplay([]string{"--quiet", src}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := bytes.Count(out.Bytes(), []byte("\n"))
	dir := t.TempDir()
	live := filepath.Join(dir, "live.pcap")
	half := 24 + (len(data)-24)/3 // the header and a cut through some record
	if err := os.WriteFile(live, data[:half], 0o600); err != nil {
		t.Fatal(err)
	}
	stdout := &lineWriter{lines: make(chan string, 4)}
	done := make(chan error, 1)
	go func() {
		done <- cmdServe([]string{"--listen", "127.0.0.1:0", "--api-key", callctl.HashKey("k") + " t admin", "--follow", live,
			"--follow-poll", "20ms", "--exit-after", "1500ms"}, stdout, io.Discard)
	}()
	base := serveBase(t, stdout, done, nil)
	req, _ := http.NewRequest("GET", base+"/v1/events", nil)
	req.Header.Set("X-API-Key", "k")
	req.Header.Set("Last-Event-ID", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	time.Sleep(200 * time.Millisecond)
	f, err := os.OpenFile(live, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data[half:]); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ends := countCallEnds(resp.Body)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ends != want {
		t.Errorf("followed file gave %d call_end events, replay gives %d calls", ends, want)
	}
}

// hepEncode wraps one UDP payload in a HEP v3 packet (SIP, IPv4), as a
// capture agent such as heplify sends it. Spec: HEP3 Network Protocol
// Specification (chunk types 1-4, 7-12, 15).
func hepEncode(p *capture.Payload) []byte {
	b := []byte("HEP3\x00\x00")
	chunk := func(typ uint16, v []byte) {
		b = binary.BigEndian.AppendUint16(b, 0)
		b = binary.BigEndian.AppendUint16(b, typ)
		b = binary.BigEndian.AppendUint16(b, uint16(6+len(v)))
		b = append(b, v...)
	}
	u16 := func(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	src, dst := p.Src.Addr().As4(), p.Dst.Addr().As4()
	chunk(1, []byte{2})
	chunk(2, []byte{17})
	chunk(3, src[:])
	chunk(4, dst[:])
	chunk(7, u16(p.Src.Port()))
	chunk(8, u16(p.Dst.Port()))
	chunk(9, u32(uint32(p.Time.Unix())))
	chunk(10, u32(uint32(p.Time.Nanosecond()/1000)))
	chunk(11, []byte{1})
	chunk(12, u32(2001))
	chunk(15, p.Data)
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)))
	return b
}

// TestServeHEP sends a committed capture's SIP as HEP over UDP, as
// heplify -rf would, and checks that serve publishes as many calls as
// replay finds in the file.
func TestServeHEP(t *testing.T) {
	src := filepath.Join("..", "..", "pcaps", "sip-basic.pcap")
	var out bytes.Buffer
	if err := cmdReplay([]string{"--quiet", src}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := bytes.Count(out.Bytes(), []byte("\n"))
	var packets [][]byte
	rd, err := capture.Open(src, capture.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.Run(func(p *capture.Payload) {
		if p.Transport == capture.UDP && p.Src.Addr().Is4() {
			packets = append(packets, hepEncode(p))
		}
	}, nil); err != nil {
		t.Fatal(err)
	}
	stdout := &lineWriter{lines: make(chan string, 4)}
	done := make(chan error, 1)
	go func() {
		done <- cmdServe([]string{"--listen", "127.0.0.1:0", "--api-key", callctl.HashKey("k") + " t admin",
			"--hep", "udp:127.0.0.1:0", "--exit-after", "1500ms"}, stdout, io.Discard)
	}()
	addrs := serveWait(t, stdout, done, nil, "listening on ", "HEP on udp://")
	base, hep := addrs[0], addrs[1]
	req, _ := http.NewRequest("GET", base+"/v1/events", nil)
	req.Header.Set("X-API-Key", "k")
	req.Header.Set("Last-Event-ID", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	conn, err := net.Dial("udp", hep)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packets {
		if _, err := conn.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	ends := countCallEnds(resp.Body)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ends != want {
		t.Errorf("HEP gave %d call_end events, replay gives %d calls (%d HEP packets sent)", ends, want, len(packets))
	}
}

// serve stores finished calls in the embedded store when libchdb is there
// (the default store), and its metrics show the store.
//
// It runs in a child process: once libchdb is loaded, a process can no
// longer fork and exec reliably (chDB's threads and allocator), and later
// tests here run sipp and tshark.
func TestServeEmbeddedStore(t *testing.T) {
	if _, ok := analytics.LibCHDBAvailable(""); !ok {
		if os.Getenv("CALLSIGHT_REQUIRE_CLICKHOUSE") == "1" {
			t.Fatal("libchdb.so not found and CALLSIGHT_REQUIRE_CLICKHOUSE=1 (make libchdb)")
		}
		t.Skip("libchdb.so not found: the embedded store is not tested (make libchdb)")
	}
	if os.Getenv("CALLSIGHT_TEST_CHILD") != "embedded" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestServeEmbeddedStore$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "CALLSIGHT_TEST_CHILD=embedded")
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("--- PASS: TestServeEmbeddedStore")) {
			t.Fatalf("child test: %v\n%s", err, out)
		}
		return
	}
	file := filepath.Join("..", "..", "pcaps", "sip-basic.pcap")
	store := "embedded:" + filepath.Join(t.TempDir(), "data")
	stdout := &lineWriter{lines: make(chan string, 16)}
	var stderr bytes.Buffer
	var mu sync.Mutex
	done := make(chan error, 1)
	go func() {
		done <- cmdServe([]string{"--listen", "127.0.0.1:0", "--api-key", callctl.HashKey("k") + " ops admin", "--store", store,
			"--pcap", file, "--speed", "0", "--exit-after", "500ms", "--log-level", "warn"}, stdout, lockedWriter{&mu, &stderr})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v; stderr: %s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not exit")
	}
	tab, err := analytics.Query(context.Background(), store, "SELECT count() AS n FROM calls FINAL", analytics.ReportParams{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	tab.Write(&out, "csv")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if got := strings.TrimSpace(lines[len(lines)-1]); got != "9" {
		t.Errorf("calls stored: %q (csv %q), want the file's 9 calls", got, out.String())
	}
}

// serve captures live on interfaces (AF_PACKET, root only) and reports the
// kernel's drops in its metrics, once however many interfaces it watches.
func TestServeLiveInterfaces(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root (CAP_NET_RAW)")
	}
	base, stop := startServe(t, "--store", "none", "--interface", "lo", "--interface", "lo", "--log-level", "warn")
	for deadline := time.Now().Add(10 * time.Second); ; { // sources start after the listener
		req, _ := http.NewRequest("GET", base+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer k")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("serve never became ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	b := scrapeServe(t, base)
	if n := strings.Count(string(b), "\ncallsight_capture_kernel_drops_total "); n != 1 {
		t.Errorf("kernel drops metric appears %d times, want once:\n%s", n, b)
	}
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
}

// startServe runs serve in this process on a loopback port with an admin
// key "k" and args, and returns the API's base URL and a function that
// stops serve and returns its error.
func startServe(t *testing.T, args ...string) (base string, stop func() error) {
	t.Helper()
	stdout := &lineWriter{lines: make(chan string, 16)}
	var stderr bytes.Buffer
	var mu sync.Mutex
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		done <- serveContext(ctx, append([]string{"--listen", "127.0.0.1:0", "--api-key", callctl.HashKey("k") + " ops admin"}, args...),
			stdout, lockedWriter{&mu, &stderr})
	}()
	base = serveBase(t, stdout, done, func() string { mu.Lock(); defer mu.Unlock(); return stderr.String() })
	return base, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
			return nil
		}
	}
}

// scrapeServe reads serve's /metrics with the admin key "k".
func scrapeServe(t *testing.T, base string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

// countCallEnds reads an event stream to its end and counts its call_end
// events.
func countCallEnds(r io.Reader) int {
	n := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if sc.Text() == "event: call_end" {
			n++
		}
	}
	return n
}

// TestServeKeyReloadAndWebhookPolicy runs serve in-process with a keys
// file watched every 30 ms and a webhook allow-list: a forbidden webhook
// target is refused at registration, an allowed one is accepted; the keys
// file is replaced (the old tenant key stops working, the new one works),
// then broken (the keys in use stay, the error is logged and counted).
// SIGHUP calls the same Reload and is not sent here: a test never
// signals its own process.
func TestServeKeyReloadAndWebhookPolicy(t *testing.T) {
	dir := t.TempDir()
	keysFile := filepath.Join(dir, "keys")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(keysFile+".tmp", []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(keysFile+".tmp", keysFile); err != nil {
			t.Fatal(err)
		}
	}
	const oldKey, newKey, admin = "tenant-key-old", "tenant-key-new", "ops-key"
	write(callctl.HashKey(oldKey) + " acme\n")
	stdout := &lineWriter{lines: make(chan string, 16)}
	var stderr bytes.Buffer
	var mu sync.Mutex
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- serveContext(ctx, []string{"--listen", "127.0.0.1:0", "--store", "none", "--api-keys-file", keysFile,
			"--api-key", callctl.HashKey(admin) + " ops admin", "--api-keys-poll", "30ms", "--webhook-secret", "s3cret",
			"--webhook-allow", "127.0.0.1:9000, hooks.internal", "--log-level", "warn"}, stdout, lockedWriter{&mu, &stderr})
	}()
	base := serveBase(t, stdout, done, stderr.String)
	call := func(method, path, key, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	eventually := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10 s", what)
			}
		}
	}
	eventually("ready", func() bool { c, _ := call("GET", "/readyz", admin, ""); return c == 200 })

	for _, tc := range []struct {
		hook string
		want int
	}{
		{"http://169.254.169.254/latest/meta-data/", 422},
		{"http://127.0.0.1:9001/hook", 422},
		{"http://[::ffff:127.0.0.1]:9001/hook", 422},
		{"http://127.0.0.1:9000/hook", 201},
		{"http://hooks.internal/hook", 201},
	} {
		code, body := call("POST", "/v1/calls", oldKey, `{"called":"5551234","webhook_url":"`+tc.hook+`"}`)
		if code != tc.want || (code == 422 && !strings.Contains(body, "webhook-forbidden")) {
			t.Errorf("register with webhook %s: %d %s, want %d", tc.hook, code, body, tc.want)
		}
	}

	write(callctl.HashKey(newKey) + " acme\n")
	eventually("new key accepted", func() bool { c, _ := call("GET", "/readyz", newKey, ""); return c == 200 })
	if c, _ := call("GET", "/readyz", oldKey, ""); c != 401 {
		t.Errorf("old key after the reload: %d, want 401", c)
	}
	write("not a key file\n")
	metric := func(name string) float64 {
		_, b := call("GET", "/metrics", admin, "")
		return parseMetrics([]byte(b))[name]
	}
	eventually("reload error counted", func() bool { return metric("callsight_config_reload_errors_total") == 1 })
	if c, _ := call("GET", "/readyz", newKey, ""); c != 200 {
		t.Errorf("new key after a broken file: %d, want 200 (the keys in use are kept)", c)
	}
	if got := metric("callsight_config_reloads_total"); got != 1 {
		t.Errorf("callsight_config_reloads_total %v, want 1", got)
	}
	if got := metric("callsight_api_keys"); got != 2 {
		t.Errorf("callsight_api_keys %v, want 2", got)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(stderr.String(), "reload failed") {
		t.Errorf("the broken keys file was not logged:\n%s", stderr.String())
	}
}

// TestServeHEPTLSAndLegacy sends a committed capture's SIP to serve as HEP
// v3 over TLS (--hep tls: with a certificate made here) and as HEP v2
// (Kamailio siptrace's older format) over UDP: each publishes as many calls
// as replay finds in the file.
func TestServeHEPTLSAndLegacy(t *testing.T) {
	src := filepath.Join("..", "..", "pcaps", "sip-basic.pcap")
	var out bytes.Buffer
	if err := cmdReplay([]string{"--quiet", src}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := bytes.Count(out.Bytes(), []byte("\n"))
	var pls []capture.Payload
	rd, err := capture.Open(src, capture.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.Run(func(p *capture.Payload) {
		if p.Transport == capture.UDP && p.Src.Addr().Is4() {
			cp := *p
			cp.Data = bytes.Clone(p.Data)
			pls = append(pls, cp)
		}
	}, nil); err != nil {
		t.Fatal(err)
	}
	encode := func(version uint8) [][]byte {
		var pkts [][]byte
		for _, p := range pls {
			pkts = append(pkts, capture.AppendHEP(nil, &capture.HEPPacket{Version: version, IPProto: 17, Src: p.Src, Dst: p.Dst,
				Time: p.Time, Proto: capture.HEPSIP, AgentID: 2001, Payload: p.Data}))
		}
		return pkts
	}

	dir := t.TempDir()
	certFile, keyFile, der := selfSigned(t, dir, "hep collector")
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))

	tests := []struct {
		name, spec string
		extra      []string
		pkts       [][]byte
		dial       func(addr string) (net.Conn, error)
	}{
		{"v3 over tls", "tls:127.0.0.1:0", []string{"--hep-tls-cert", certFile, "--hep-tls-key", keyFile}, encode(3),
			func(addr string) (net.Conn, error) {
				return tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
			}},
		{"v2 over udp", "udp:127.0.0.1:0", nil, encode(2),
			func(addr string) (net.Conn, error) { return net.Dial("udp", addr) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			network, _, _ := strings.Cut(tt.spec, ":")
			stdout := &lineWriter{lines: make(chan string, 4)}
			var stderr bytes.Buffer
			var mu sync.Mutex
			done := make(chan error, 1)
			args := append([]string{"--listen", "127.0.0.1:0", "--api-key", callctl.HashKey("k") + " t admin", "--store", "none",
				"--hep", tt.spec, "--exit-after", "2s"}, tt.extra...)
			go func() { done <- cmdServe(args, stdout, lockedWriter{&mu, &stderr}) }()
			addrs := serveWait(t, stdout, done, stderr.String, "listening on ", "HEP on "+network+"://")
			base, hep := addrs[0], addrs[1]
			req, _ := http.NewRequest("GET", base+"/v1/events", nil)
			req.Header.Set("X-API-Key", "k")
			req.Header.Set("Last-Event-ID", "0")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			conn, err := tt.dial(hep)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.pkts {
				if _, err := conn.Write(p); err != nil {
					t.Fatal(err)
				}
			}
			conn.Close()
			// The packets are counted under their HEP version.
			series := fmt.Sprintf("callsight_hep_packets_by_version_total{version=%q} %d", tt.name[1:2], len(tt.pkts))
			for deadline := time.Now().Add(1500 * time.Millisecond); ; {
				mreq, _ := http.NewRequest("GET", base+"/metrics", nil)
				mreq.Header.Set("X-API-Key", "k")
				mresp, err := http.DefaultClient.Do(mreq)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(mresp.Body)
				mresp.Body.Close()
				if bytes.Contains(body, []byte(series+"\n")) {
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("metrics lack %q", series)
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			ends := countCallEnds(resp.Body)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d packets, %d call_end events (replay: %d calls)", tt.name, len(tt.pkts), ends, want)
			if ends != want || want == 0 {
				mu.Lock()
				t.Errorf("HEP %s gave %d call_end events, replay gives %d calls (%d packets sent); stderr:\n%s", tt.name, ends, want, len(tt.pkts), stderr.String())
				mu.Unlock()
			}
		})
	}
}

// TestServeHEPTLSFlags: --hep tls: needs the certificate flags, which go
// together.
func TestServeHEPTLSFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--hep", "tls:127.0.0.1:0"},
		{"--hep", "tls:127.0.0.1:0", "--hep-tls-cert", "x.pem"},
		{"--hep", "tls:127.0.0.1:0", "--hep-tls-cert", "/nonexistent.pem", "--hep-tls-key", "/nonexistent.key"},
		{"--api-key", callctl.HashKey("k") + " t", "--machine-speech", "0s"},
		{"--api-key", callctl.HashKey("k") + " t", "--human-silence", "-1s"},
		{"--api-key", callctl.HashKey("k") + " t", "--amd", "nope"},
	} {
		args = append([]string{"--listen", "127.0.0.1:0", "--store", "none"}, args...)
		err := cmdServe(args, io.Discard, io.Discard)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("serve %q = %v, want a usage error", args, err)
		}
	}
}

// serve --amd asterisk classifies live audio with Asterisk AMD()'s rules,
// as replay --amd asterisk does on the same capture.
func TestServeAsteriskMatchesReplay(t *testing.T) {
	file := filepath.Join("..", "..", "pcaps", "audio", "audio-answered.pcap.gz")
	var out bytes.Buffer
	if err := cmdReplay([]string{"--quiet", "--store", "none", "--amd", "asterisk", file}, &out, io.Discard); err != nil {
		t.Fatalf("replay: %v", err)
	}
	want := map[string]string{}
	for _, l := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
		var c outcome.Call
		if err := json.Unmarshal(l, &c); err != nil {
			t.Fatal(err)
		}
		if c.Audio != nil && (c.Audio.Class == "human" || c.Audio.Class == "machine") {
			want[c.CallID] = c.Audio.Class + " " + c.Audio.Reason
		}
	}
	if len(want) == 0 {
		t.Fatal("replay --amd asterisk gave no human or machine")
	}
	const admin = "asterisk-admin"
	stdout := &lineWriter{lines: make(chan string, 16)}
	var stderr bytes.Buffer
	var mu sync.Mutex
	done := make(chan error, 1)
	ctx, stop := context.WithCancel(context.Background())
	defer func() {
		stop()
		<-done
	}()
	go func() {
		done <- serveContext(ctx, []string{"--listen", "127.0.0.1:0", "--store", "none", "--api-key", callctl.HashKey(admin) + " ops admin",
			"--amd", "asterisk", "--pcap", file, "--speed", "20", "--log-level", "warn"}, stdout, lockedWriter{&mu, &stderr})
	}()
	base := serveBase(t, stdout, done, stderr.String)
	events := sseEvents(t, base, admin)
	got := map[string]string{}
	for deadline := time.After(20 * time.Second); len(got) < len(want); {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("event stream closed")
			}
			if ev.Kind == "verdict" {
				got[ev.CallID] = ev.Class + " " + ev.Reason
			}
		case <-deadline:
			t.Fatalf("%d of %d verdicts in 20 s: %v", len(got), len(want), got)
		}
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("call %s: serve %q, replay %q", id, got[id], w)
		}
	}
}

// TestServeKnownGreetingsFile: serve saves the greetings it learnt to
// --greetings-file at shutdown and reads them at the next start; a damaged
// file is reported and serve runs on.
func TestServeKnownGreetingsFile(t *testing.T) {
	file := filepath.Join("..", "..", "pcaps", "audio", "audio-answered.pcap.gz")
	if _, err := os.Stat(file); err != nil {
		t.Skipf("no committed audio corpus: %v", err)
	}
	gf := filepath.Join(t.TempDir(), "greetings.bin")
	serveOnce := func() string {
		var mu sync.Mutex
		var stderr bytes.Buffer
		err := cmdServe([]string{"--listen", "127.0.0.1:0", "--api-key", callctl.HashKey("k") + " t", "--pcap", file,
			"--speed", "0", "--exit-after", "1s", "--greetings-file", gf, "--log-level", "info"}, io.Discard, lockedWriter{&mu, &stderr})
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		return stderr.String()
	}
	first := serveOnce()
	if !strings.Contains(first, "no file yet") {
		t.Errorf("first start did not say it starts empty:\n%s", first)
	}
	f, err := os.Open(gf)
	if err != nil {
		t.Fatalf("greetings not saved: %v", err)
	}
	g := amd.NewGreetings(0)
	_, err = g.ReadFrom(f)
	f.Close()
	if err != nil || g.Len() < 2 {
		t.Fatalf("saved file: %d greetings, %v; want the 2 or more voicemails with a beep of %s", g.Len(), err, file)
	}
	if second := serveOnce(); !strings.Contains(second, fmt.Sprintf(`"greetings":%d`, g.Len())) {
		t.Errorf("second start did not read the %d greetings:\n%s", g.Len(), second)
	}
	if err := os.WriteFile(gf, []byte("damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	if third := serveOnce(); !strings.Contains(third, "file damaged") {
		t.Errorf("a damaged file was not reported:\n%s", third)
	}
}
