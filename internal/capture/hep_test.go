package capture

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// hepINVITE is the first HEP3 packet heplify v1.67.1 sent while replaying
// pcaps/sip-basic.pcap (frame 1, an INVITE, 10.10.1.10 -> 10.20.2.20),
// cut after the Request-URI's user part, its two lengths adjusted.
var hepINVITE = mustHex("" +
	"484550330082000000010007020000000200071100000003000a0a0a010a0000" +
	"0004000a0a14021400000007000813c400000008000813c400000009000a6b09" +
	"14440000000a000a000cf39c0000000b0007010000000c000a000007d2000000" +
	"12000800000000000f001d494e56495445207369703a2b373931363132333435" +
	"3637")

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func sampleHEP() *HEPPacket {
	return &HEPPacket{
		Version: 3, Family: 2, IPProto: 17,
		Src:           netip.MustParseAddrPort("10.10.1.10:5060"),
		Dst:           netip.MustParseAddrPort("10.10.1.20:5060"),
		Time:          time.Date(2020, 1, 2, 3, 4, 5, 678000, time.UTC),
		Proto:         HEPSIP,
		AgentID:       2001,
		AuthKey:       []byte("secret"),
		CorrelationID: []byte("abc@host"),
		Payload:       []byte("INVITE sip:1000@x SIP/2.0\r\nCall-ID: abc@host\r\n\r\n"),
	}
}

func TestHEPRoundTrip(t *testing.T) {
	v6 := sampleHEP()
	v6.Family = 10
	v6.Src = netip.MustParseAddrPort("[2001:db8::1]:5060")
	v6.Dst = netip.MustParseAddrPort("[2001:db8::2]:5062")
	v6.IPProto = 6
	for _, want := range []*HEPPacket{sampleHEP(), v6} {
		b := AppendHEP(nil, want)
		var got HEPPacket
		if err := got.Decode(b); err != nil {
			t.Fatalf("Decode(%x): %v", b, err)
		}
		if d := cmp.Diff(want, &got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); d != "" {
			t.Errorf("round trip (-want +got):\n%s", d)
		}
	}
}

func TestHEPDecodeFixture(t *testing.T) {
	var p HEPPacket
	if err := p.Decode(hepINVITE); err != nil {
		t.Fatalf("Decode(%x): %v", hepINVITE, err)
	}
	if p.Proto != HEPSIP || p.IPProto != 17 || p.Src.String() != "10.10.1.10:5060" || p.Dst.String() != "10.20.2.20:5060" ||
		p.AgentID != 2002 || string(p.Payload) != "INVITE sip:+79161234567" {
		t.Errorf("Decode = proto %v ip %d %v -> %v %q", p.Proto, p.IPProto, p.Src, p.Dst, p.Payload)
	}
	var pl Payload
	if !p.ToPayload(&pl) || pl.Transport != UDP || pl.Time != p.Time {
		t.Errorf("ToPayload = %+v", pl)
	}
}

func TestHEPDecodeErrors(t *testing.T) {
	good := AppendHEP(nil, sampleHEP())
	badChunkLen := append([]byte(nil), good...)
	badChunkLen[6+4], badChunkLen[6+5] = 0, 3 // first chunk length 3 < 6
	noPayload := append([]byte("HEP3\x00\x0d"), 0, 0, 0, 1, 0, 7, 2)
	badAddr := append([]byte("HEP3\x00\x0e"), 0, 0, 0, 3, 0, 8, 1, 2)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"short header", []byte("HEP3\x00"), ErrTruncated},
		{"hep2 header only", []byte{2, 16, 2, 17, 0, 0, 0, 0}, ErrTruncated},
		{"magic", []byte("GET / HTTP/1.1\r\n"), ErrMalformed},
		{"total too long", append([]byte("HEP3\x01\x00"), good[6:]...), ErrTruncated},
		{"total too short", []byte("HEP3\x00\x03"), ErrMalformed},
		{"cut chunk", good[: len(good)-3 : len(good)-3], ErrTruncated},
		{"chunk length", badChunkLen, ErrMalformed},
		{"no payload", noPayload, ErrMalformed},
		{"ipv4 size", badAddr, ErrMalformed},
	}
	for _, tt := range tests {
		in := tt.in
		if tt.name == "cut chunk" {
			in = append([]byte(nil), in...)
			in[4], in[5] = byte(len(in)>>8), byte(len(in))
		}
		var p HEPPacket
		if err := p.Decode(in); !errors.Is(err, tt.want) {
			t.Errorf("%s: Decode(%x) = %v, want %v", tt.name, in, err, tt.want)
		}
	}
}

func TestHEPToPayload(t *testing.T) {
	rtp := []byte{0x80, 0x08, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4, 0xd5}
	tests := []struct {
		proto HEPProto
		ip    uint8
		data  []byte
		ok    bool
		tr    Transport
	}{
		{HEPSIP, 17, []byte("BYE sip:x SIP/2.0"), true, UDP},
		{HEPSIP, 6, []byte("BYE sip:x SIP/2.0"), true, TCP},
		{HEPRTPFull, 17, rtp, true, UDP},
		{HEPRTPFull, 17, []byte(`{"MOS":4.2}`), false, 0},
		{HEPM3UA, 132, []byte{1, 0, 1, 1, 0, 0, 0, 8}, true, SCTP},
		{HEPISUPJSON, 132, []byte(`{"opc":1}`), false, 0},
		{HEPRTCPJSON, 17, []byte(`{}`), false, 0},
	}
	for _, tt := range tests {
		p := sampleHEP()
		p.Proto, p.IPProto, p.Payload = tt.proto, tt.ip, tt.data
		var pl Payload
		ok := p.ToPayload(&pl)
		if ok != tt.ok || ok && pl.Transport != tt.tr {
			t.Errorf("ToPayload(%v over %d) = %v %v, want %v %v", tt.proto, tt.ip, ok, pl.Transport, tt.ok, tt.tr)
		}
	}
}

func TestHEPDecodeAllocs(t *testing.T) {
	b := AppendHEP(nil, sampleHEP())
	var p HEPPacket
	var pl Payload
	if n := testing.AllocsPerRun(100, func() { p.Decode(b); p.ToPayload(&pl) }); n != 0 {
		t.Errorf("Decode + ToPayload allocate %v times, want 0", n)
	}
}

func BenchmarkHEPDecode(b *testing.B) {
	buf := AppendHEP(nil, sampleHEP())
	var p HEPPacket
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if err := p.Decode(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzHEPDecode(f *testing.F) {
	f.Add(hepINVITE)
	f.Add(AppendHEP(nil, sampleHEP()))
	f.Add([]byte("HEP3\x00\x06"))
	for _, tt := range hepLegacyCases() {
		f.Add(tt.in)
	}
	for _, tt := range hepLegacyErrorCases() {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var reused, fresh HEPPacket
		reused = *sampleHEP()
		e1 := reused.Decode(b)
		e2 := fresh.Decode(b)
		if (e1 == nil) != (e2 == nil) {
			t.Fatalf("reused err %v, fresh err %v", e1, e2)
		}
		if e1 != nil && !errors.Is(e1, ErrTruncated) && !errors.Is(e1, ErrMalformed) && !errors.Is(e1, ErrUnsupported) {
			t.Fatalf("Decode error wraps no sentinel: %v", e1)
		}
		if e1 == nil && (fresh.Version < 1 || fresh.Version > 3) {
			t.Fatalf("Decode gave version %d", fresh.Version)
		}
		if e1 == nil && !cmp.Equal(reused, fresh, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })) {
			t.Fatalf("reused %+v != fresh %+v", reused, fresh)
		}
		var pl Payload
		fresh.ToPayload(&pl)
	})
}

// collector gathers payloads delivered by a source, with copied data.
type collector struct {
	mu  sync.Mutex
	pls []Payload
}

func (c *collector) add(p *Payload) {
	cp := *p
	cp.Data = append([]byte(nil), p.Data...)
	c.mu.Lock()
	c.pls = append(c.pls, cp)
	c.mu.Unlock()
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pls)
}

func (c *collector) wait(t *testing.T, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for c.len() < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// startHEP runs a listener in the background; the returned stop waits for
// Run to return.
func startHEP(t *testing.T, network string, cfg HEPConfig, c *collector) (*HEPListener, func()) {
	t.Helper()
	l, err := ListenHEP(network, "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, c.add) }()
	return l, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

func TestHEPListenerUDPAndTCP(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			cfg := DefaultHEPConfig()
			cfg.AuthKey = "secret"
			var others int
			cfg.OnOther = func(*HEPPacket) { others++ }
			var c collector
			l, stop := startHEP(t, network, cfg, &c)
			conn, err := net.Dial(network, l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			var stream []byte
			const n = 50
			for i := range n {
				p := sampleHEP()
				p.Payload = fmt.Appendf(nil, "OPTIONS sip:x SIP/2.0\r\nCall-ID: %d\r\n\r\n", i)
				pkt := AppendHEP(nil, p)
				if network == "udp" {
					conn.Write(pkt)
				} else {
					stream = append(stream, pkt...)
				}
			}
			bad := sampleHEP()
			bad.AuthKey = []byte("wrong")
			json := sampleHEP()
			json.Proto, json.Payload = HEPISUPJSON, []byte(`{"cic":1}`)
			if network == "udp" {
				conn.Write(AppendHEP(nil, bad))
				conn.Write(AppendHEP(nil, json))
				conn.Write([]byte("garbage"))
			} else {
				stream = append(stream, AppendHEP(nil, bad)...)
				stream = append(stream, AppendHEP(nil, json)...)
				// Write in odd-sized pieces: framing must not depend on
				// segment boundaries.
				for len(stream) > 0 {
					k := min(len(stream), 97)
					conn.Write(stream[:k])
					stream = stream[k:]
				}
			}
			c.wait(t, n, 5*time.Second)
			time.Sleep(50 * time.Millisecond)
			conn.Close()
			stop()
			if len(c.pls) != n {
				t.Fatalf("got %d payloads, want %d", len(c.pls), n)
			}
			for i, p := range c.pls {
				if p.Frame != int64(i+1) || sipCallID(p.Data) != fmt.Sprint(i) || p.Time != sampleHEP().Time {
					t.Errorf("payload %d: frame %d call-id %q time %v", i, p.Frame, sipCallID(p.Data), p.Time)
				}
			}
			st := l.Stats()
			if st.AuthFails != 1 || st.Other != 1 || others != 1 || st.ByProto["sip"] != n {
				t.Errorf("Stats = %+v, others %d", st, others)
			}
			if network == "udp" && st.Errors != 1 {
				t.Errorf("Stats.Errors = %d, want 1 (the garbage datagram)", st.Errors)
			}
		})
	}
}

// TestHeplify replays a capture with heplify (the Homer project's agent)
// to our listener and checks that the SIP payloads received are the ones
// the replay reader finds in the same file.
func TestHeplify(t *testing.T) {
	bin := lookTool("HEPLIFY", "/tmp/heplify/heplify", "../../bin/heplify")
	if bin == "" {
		requirePeers(t, "heplify not found (set HEPLIFY, or make heplify)")
	}
	pcap := repoPcap(t, "sip-basic.pcap")
	var want []string
	for _, p := range filePayloads(t, pcap) {
		if id := sipCallID(p.Data); id != "" {
			want = append(want, id)
		}
	}
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			var c collector
			l, stop := startHEP(t, network, DefaultHEPConfig(), &c)
			start := time.Now()
			// heplify does not exit at the end of the file (and -eof-exit
			// quits before its publisher flushes): run it until every SIP
			// message arrived, then stop it.
			var out bytes.Buffer
			cmd := exec.Command(bin, "-t", "pcap", "-rf", pcap, "-rs", "-hs", l.Addr().String(), "-nt", network,
				"-m", "SIP", "-e", "-l", "error", "-prometheus", "127.0.0.1:0")
			cmd.Dir = t.TempDir()
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			c.wait(t, len(want), 10*time.Second)
			elapsed := time.Since(start)
			time.Sleep(200 * time.Millisecond) // anything extra would show as a diff
			cmd.Process.Kill()
			cmd.Wait()
			stop()
			var got []string
			for _, p := range c.pls {
				if id := sipCallID(p.Data); id != "" {
					got = append(got, id)
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("SIP Call-IDs via heplify (-file +hep):\n%s\nheplify output:\n%s", d, out.String())
			}
			st := l.Stats()
			t.Logf("heplify %s: %d HEP packets (%v), %d payloads in %v", network, st.Packets, st.ByProto, st.Payloads, elapsed)
			if strings.Contains(out.String(), "panic") {
				t.Errorf("heplify: %s", out.String())
			}
		})
	}
}

// BenchmarkHEPListenerUDP measures HEP packets per second through the
// UDP listener on loopback.
func BenchmarkHEPListenerUDP(b *testing.B) {
	var n int64
	l, err := ListenHEP("udp", "127.0.0.1:0", DefaultHEPConfig())
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan struct{}, 1)
	var mu sync.Mutex
	target := int64(b.N)
	done := make(chan error, 1)
	go func() {
		done <- l.Run(ctx, func(*Payload) {
			mu.Lock()
			n++
			if n == target {
				got <- struct{}{}
			}
			mu.Unlock()
		})
	}()
	conn, err := net.Dial("udp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	pkt := AppendHEP(nil, sampleHEP())
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		conn.Write(pkt)
		if i%64 == 63 {
			time.Sleep(20 * time.Microsecond) // stay below the socket buffer
		}
	}
	select {
	case <-got:
	case <-time.After(3 * time.Second):
	}
	b.StopTimer()
	cancel()
	<-done
	st := l.Stats()
	b.ReportMetric(float64(st.Packets)/float64(b.N)*100, "%received")
}

// TestHEPListenerRunBatch sends many frames in one TCP write, with an ISUP
// JSON packet (not engine input) in the middle: the payloads come in
// batches of more than one, in order, numbered from 1, and OnOther sees
// the JSON packet after the payloads before it were delivered.
func TestHEPListenerRunBatch(t *testing.T) {
	cfg := DefaultHEPConfig()
	var mu sync.Mutex
	var got []string // Call-IDs, and "other" where OnOther ran
	var frames []int64
	batches, biggest := 0, 0
	cfg.OnOther = func(*HEPPacket) { got = append(got, "other") } // under the delivery lock
	l, err := ListenHEP("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- l.RunBatch(ctx, func(ps []Payload) {
			mu.Lock()
			defer mu.Unlock()
			batches++
			biggest = max(biggest, len(ps))
			for _, p := range ps {
				got = append(got, sipCallID(p.Data))
				frames = append(frames, p.Frame)
			}
		})
	}()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	var want []string
	var b []byte
	for i := range n {
		if i == n/2 {
			js := sampleHEP()
			js.Proto, js.Payload = HEPISUPJSON, []byte(`{"cic":1}`)
			b = AppendHEP(b, js)
			want = append(want, "other")
		}
		p := sampleHEP()
		p.Payload = fmt.Appendf(nil, "OPTIONS sip:x SIP/2.0\r\nCall-ID: %d\r\n\r\n", i)
		b = AppendHEP(b, p)
		want = append(want, fmt.Sprint(i))
	}
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		k := len(frames)
		mu.Unlock()
		if k >= n {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	conn.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunBatch: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivery order (-want +got):\n%s", diff)
	}
	for i, f := range frames {
		if f != int64(i+1) {
			t.Fatalf("payload %d has frame %d, want %d", i, f, i+1)
		}
	}
	if biggest < 2 {
		t.Errorf("%d batches, the biggest of %d payloads: frames buffered together were not batched", batches, biggest)
	}
	if st := l.Stats(); st.Packets != n+1 || st.Payloads != n || st.Other != 1 || st.ByProto["sip"] != n {
		t.Errorf("Stats = %+v", st)
	}
}
