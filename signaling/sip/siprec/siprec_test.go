package siprec

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callsight/callsight/internal/testcorpus"
)

// TestSIPpRecordingClient runs SIPp as a SIPREC client against the
// server, over UDP and over TCP (-t t1): INVITE with metadata, the
// caller's audio from a corpus capture, a re-INVITE, BYE. The session is
// reported with the original call's identifiers and both streams' roles,
// and every RTP packet arrives.
func TestSIPpRecordingClient(t *testing.T) {
	for i, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) { sippRecordingClient(t, transport, i) })
	}
}

// sippRecordingClient is TestSIPpRecordingClient over one transport; n
// picks port ranges apart from the other runs'.
func sippRecordingClient(t *testing.T, transport string, n int) {
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("CALLSIGHT_REQUIRE_PEERS") == "1" {
			t.Fatal("sipp not found (Debian sip-tester; make live-deps) and CALLSIGHT_REQUIRE_PEERS=1")
		}
		t.Skip("sipp not found (Debian package sip-tester; make live-deps)")
	}
	pcap := testcorpus.File(t, "sipp/g711a.pcap")
	const wantRTP = 236 // tshark: packets of sipp/g711a.pcap, all RTP

	srv, rec := recordingServer(t, uint16(41000+200*n), uint16(41100+200*n))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var addr string
	if transport == "tcp" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = ln.Addr().String()
		go func() { done <- srv.ServeTCP(ctx, ln) }()
	} else {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = pc.LocalAddr().String()
		go func() { done <- srv.Serve(ctx, pc) }()
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()

	raw, err := os.ReadFile("testdata/siprec_client.xml")
	if err != nil {
		t.Fatal(err)
	}
	scen := strings.NewReplacer("@PCAP@", pcap, "@PAUSE@", "7500").Replace(string(raw))
	dir := t.TempDir()
	path := filepath.Join(dir, "scenario.xml")
	os.WriteFile(path, []byte(scen), 0o644)
	cmd := exec.Command(sipp, "-sf", path, "-m", "1", "-l", "1", "-i", "127.0.0.1", "-p", "0", "-mi", "127.0.0.1",
		"-mp", strconv.Itoa(46000+100*n), "-t", transport[:1]+"1",
		"-timeout", "30s", "-timeout_error", "-trace_err", "-nostdin", addr)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		errs, _ := filepath.Glob(filepath.Join(dir, "*errors.log"))
		for _, f := range errs {
			b, _ := os.ReadFile(f)
			out = append(out, b...)
		}
		t.Fatalf("sipp: %v\n%s", err, out)
	}
	time.Sleep(100 * time.Millisecond)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.sessions) != 2 {
		t.Fatalf("OnSession called %d times, want 2 (INVITE, re-INVITE)", len(rec.sessions))
	}
	s := rec.sessions[0]
	if len(s.OriginalCallIDs) != 1 || s.OriginalCallIDs[0] != "orig-call-42@10.10.1.10" || s.Caller != "+33123456789" || s.Callee != "+33987654321" ||
		len(s.SessionIDs) != 1 || len(s.Streams) != 2 || s.Streams[0].Role != RoleCaller || s.Streams[1].Role != RoleCallee {
		t.Errorf("session = %+v", s)
	}
	re := rec.sessions[1]
	if re.ID != s.ID || re.Streams[0].Local != s.Streams[0].Local || re.Caller != s.Caller {
		t.Errorf("re-INVITE session = %+v, want the same ports and metadata as %+v", re, s)
	}
	if rec.perStream[0] != wantRTP || rec.perStream[1] != 0 {
		t.Errorf("RTP packets per stream = %v, want %d on stream 0 (the caller's)", rec.perStream, wantRTP)
	}
	if len(rec.ended) != 1 || rec.ended[0] != s.ID {
		t.Errorf("rec.ended = %v, want [%s]", rec.ended, s.ID)
	}
	st := srv.Stats()
	t.Logf("%s: session %s: streams %v/%v; stats %+v", transport, s.ID, s.Streams[0].Local, s.Streams[1].Local, st)
}

// recorded is what a test recording server's handler saw.
type recorded struct {
	mu        sync.Mutex
	sessions  []SessionInfo
	ended     []string
	perStream map[int]int // RTP packets by stream index
}

// recordingServer is a recording server on RTP ports portMin..portMax
// whose handler keeps every session, end and packet count in rec.
func recordingServer(t *testing.T, portMin, portMax uint16) (*Server, *recorded) {
	t.Helper()
	rec := &recorded{perStream: map[int]int{}}
	cfg := DefaultConfig()
	cfg.Now = time.Now
	cfg.PortMin, cfg.PortMax = portMin, portMax
	srv, err := New(cfg, Handler{
		OnSession: func(s *SessionInfo) { rec.mu.Lock(); rec.sessions = append(rec.sessions, *s); rec.mu.Unlock() },
		OnEnd:     func(id string, _ time.Time) { rec.mu.Lock(); rec.ended = append(rec.ended, id); rec.mu.Unlock() },
		OnPacket:  func(p *Packet) { rec.mu.Lock(); rec.perStream[p.Stream]++; rec.mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, rec
}
