package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callsight/callsight/callctl"
	"github.com/callsight/callsight/internal/testcorpus"
)

// SIPp as a SIPREC client records a call into `callsight serve`: the
// recording's callee stream is analysed, and the verdict and the call's end
// reach the API's event stream under the original call's Call-ID.
func TestServeSIPREC(t *testing.T) { testServeSIPREC(t, "udp", "42000-42100", "46200") }

// TestServeSIPRECOverTCP is TestServeSIPREC with the recording client on
// SIP over TCP (--siprec tcp:HOST:PORT, SIPp -t t1).
func TestServeSIPRECOverTCP(t *testing.T) { testServeSIPREC(t, "tcp", "42200-42300", "46400") }

// testServeSIPREC runs SIPp's SIPREC client over network (udp or tcp)
// against serve, with serve's media on ports and SIPp's on sippMedia.
func testServeSIPREC(t *testing.T, network, ports, sippMedia string) {
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("CALLSIGHT_REQUIRE_PEERS") == "1" {
			t.Fatal("sipp not found (Debian sip-tester; make live-deps) and CALLSIGHT_REQUIRE_PEERS=1")
		}
		t.Skip("sipp not found (Debian package sip-tester; make live-deps)")
	}
	pcap := testcorpus.File(t, "sipp/g711a.pcap") // 7 s of speech
	raw, err := os.ReadFile(filepath.Join("..", "..", "signaling", "sip", "siprec", "testdata", "siprec_client.xml"))
	if err != nil {
		t.Fatal(err)
	}
	// The scenario plays its audio on the first stream: swap the
	// participants' streams so that the metadata says the callee sends it.
	a, b := "<send>UAAMm5GRQKSCMVvLyl4rFw==</send><recv>i1Pz3to5hGk8fuXl+PbwCw==</recv>", "<send>i1Pz3to5hGk8fuXl+PbwCw==</send><recv>UAAMm5GRQKSCMVvLyl4rFw==</recv>"
	scen := strings.NewReplacer("@PCAP@", pcap, "@PAUSE@", "9000", a, b, b, a).Replace(string(raw))
	dir := t.TempDir()
	scenPath := filepath.Join(dir, "scenario.xml")
	os.WriteFile(scenPath, []byte(scen), 0o644)

	// A free port for serve's SIP side.
	var sipAddr string
	if network == "tcp" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		sipAddr = ln.Addr().String()
		ln.Close()
	} else {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		sipAddr = pc.LocalAddr().String()
		pc.Close()
	}

	const admin = "siprec-admin"
	stdout := &lineWriter{lines: make(chan string, 16)}
	var stderr bytes.Buffer
	var mu sync.Mutex
	done := make(chan error, 1)
	ctx, stop := context.WithCancel(context.Background())
	go func() {
		done <- serveContext(ctx, []string{"--listen", "127.0.0.1:0", "--api-key", callctl.HashKey(admin) + " ops admin", "--store", "none",
			"--siprec", network + ":" + sipAddr, "--siprec-ports", ports, "--log-level", "warn"}, stdout, lockedWriter{&mu, &stderr})
	}()
	// The API listens first; the SIPREC socket is bound before serve says so.
	base := serveWait(t, stdout, done, stderr.String, "listening on ", "SIPREC on "+network+"://"+sipAddr)[0]
	defer func() {
		stop()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	}()

	events := sseEvents(t, base, admin)

	args := []string{"-sf", scenPath, "-m", "1", "-l", "1", "-i", "127.0.0.1", "-p", "0", "-mi", "127.0.0.1", "-mp", sippMedia,
		"-timeout", "40s", "-timeout_error", "-nostdin", sipAddr}
	if network == "tcp" {
		args = append([]string{"-t", "t1"}, args...)
	}
	cmd := exec.Command(sipp, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		mu.Lock()
		t.Fatalf("sipp over %s: %v\n%s\nserve stderr:\n%s", network, err, out, stderr.String())
	}
	const orig = "orig-call-42@10.10.1.10"
	var verdict, end *callctl.Event
	timeout := time.After(15 * time.Second)
	for verdict == nil || end == nil {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("event stream closed")
			}
			if ev.CallID != orig {
				continue
			}
			e := ev
			switch ev.Kind {
			case callctl.KindVerdict:
				verdict = &e
			case callctl.KindCallEnd:
				end = &e
			}
		case <-timeout:
			mu.Lock()
			t.Fatalf("verdict %v, call end %v after the recording; stderr:\n%s", verdict, end, stderr.String())
		}
	}
	if verdict.Class == "" || verdict.Class == "unknown" || verdict.Called != "33987654321" {
		t.Errorf("verdict %+v: want a class and the callee's number from the metadata", *verdict)
	}
	t.Logf("over %s: verdict %s (%s) %d ms after the recording started; call end %+v", network, verdict.Class, verdict.Reason, verdict.MS, *end)
}

// sseEvents follows serve's /v1/events with key, from the first event it
// keeps, until the test ends; the channel closes when the stream does.
func sseEvents(t *testing.T, base, key string) <-chan callctl.Event {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Last-Event-ID", "0") // from the first event kept
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	events := make(chan callctl.Event, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev callctl.Event
				if json.Unmarshal([]byte(data), &ev) == nil {
					events <- ev
				}
			}
		}
		close(events)
	}()
	return events
}
