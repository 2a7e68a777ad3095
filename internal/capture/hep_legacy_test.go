package capture

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var addrPortEq = cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })

type hepLegacyCase struct {
	name string
	in   []byte
	want HEPPacket // Payload as a string in want.Payload
}

// hepLegacyCases are HEP v1/v2 packets built by hand after the C structs
// hep_hdr, hep_iphdr/hep_ip6hdr and hep_timehdr that Kamailio siptrace and
// OpenSIPS proto_hep copy into their packets (see hepLegacyFixed).
func hepLegacyCases() []hepLegacyCase {
	t0 := time.Date(2020, 1, 2, 3, 4, 5, 678000, time.UTC) // 1577934245 s, 678 µs
	invite := "INVITE sip:1000@x SIP/2.0\r\n\r\n"
	return []hepLegacyCase{
		{
			// v1, IPv4, UDP, 10.0.0.1:5060 -> 10.0.0.2:5080.
			name: "v1 ipv4",
			in: mustHex("01" + "10" + "02" + "11" + "13c4" + "13d8" + "0a000001" + "0a000002" +
				"4f5054494f4e53207369703a61205349502f322e300d0a0d0a"), // OPTIONS sip:a SIP/2.0
			want: HEPPacket{Version: 1, Family: 2, IPProto: 17, Proto: HEPSIP,
				Src: netip.MustParseAddrPort("10.0.0.1:5060"), Dst: netip.MustParseAddrPort("10.0.0.2:5080"),
				Payload: []byte("OPTIONS sip:a SIP/2.0\r\n\r\n")},
		},
		{
			// v2, IPv4, TCP, time header as a C compiler lays it out:
			// 12 bytes, the last two padding (here not even zero: the
			// senders copy a stack struct).
			name: "v2 ipv4 padded time header",
			in: mustHex("02" + "10" + "02" + "06" + "13c4" + "13c4" + "c0a80101" + "c0a80102" +
				"a55d0d5e" + "a6020000" + "d107" + "aabb" + // sec, usec, captid 2001 little-endian, padding
				"494e56495445207369703a313030304078205349502f322e300d0a0d0a"),
			want: HEPPacket{Version: 2, Family: 2, IPProto: 6, Proto: HEPSIP, AgentID: 2001, Time: t0,
				Src: netip.MustParseAddrPort("192.168.1.1:5060"), Dst: netip.MustParseAddrPort("192.168.1.2:5060"),
				Payload: []byte(invite)},
		},
		{
			// v2 with a packed 10-byte time header (resiprocate).
			name: "v2 packed time header",
			in: mustHex("02" + "10" + "02" + "11" + "13c4" + "13c4" + "c0a80101" + "c0a80102" +
				"a55d0d5e" + "a6020000" + "d107" +
				"5349502f322e3020323030204f4b0d0a0d0a"), // SIP/2.0 200 OK
			want: HEPPacket{Version: 2, Family: 2, IPProto: 17, Proto: HEPSIP, AgentID: 2001, Time: t0,
				Src: netip.MustParseAddrPort("192.168.1.1:5060"), Dst: netip.MustParseAddrPort("192.168.1.2:5060"),
				Payload: []byte("SIP/2.0 200 OK\r\n\r\n")},
		},
		{
			// v2, IPv6 (Linux AF_INET6 10), [2001:db8::1]:5060 -> [2001:db8::2]:5062.
			name: "v2 ipv6",
			in: mustHex("02" + "28" + "0a" + "11" + "13c4" + "13c6" +
				"20010db8000000000000000000000001" + "20010db8000000000000000000000002" +
				"a55d0d5e" + "a6020000" + "d107" + "0000" +
				"494e56495445207369703a313030304078205349502f322e300d0a0d0a"),
			want: HEPPacket{Version: 2, Family: 10, IPProto: 17, Proto: HEPSIP, AgentID: 2001, Time: t0,
				Src: netip.MustParseAddrPort("[2001:db8::1]:5060"), Dst: netip.MustParseAddrPort("[2001:db8::2]:5062"),
				Payload: []byte(invite)},
		},
		{
			// v1, IPv6 from a macOS sender (AF_INET6 30).
			name: "v1 ipv6 macos family",
			in: mustHex("01" + "28" + "1e" + "11" + "13c4" + "13c4" +
				"20010db8000000000000000000000001" + "20010db8000000000000000000000002" +
				"5349502f322e3020323030204f4b0d0a0d0a"),
			want: HEPPacket{Version: 1, Family: 10, IPProto: 17, Proto: HEPSIP,
				Src: netip.MustParseAddrPort("[2001:db8::1]:5060"), Dst: netip.MustParseAddrPort("[2001:db8::2]:5060"),
				Payload: []byte("SIP/2.0 200 OK\r\n\r\n")},
		},
	}
}

func TestHEPLegacyDecode(t *testing.T) {
	for _, tt := range hepLegacyCases() {
		var got HEPPacket
		if err := got.Decode(tt.in); err != nil {
			t.Errorf("%s: Decode(%x): %v", tt.name, tt.in, err)
			continue
		}
		if d := cmp.Diff(&tt.want, &got, addrPortEq); d != "" {
			t.Errorf("%s: Decode(%x) (-want +got):\n%s", tt.name, tt.in, d)
		}
		var pl Payload
		wantTr := UDP
		if tt.want.IPProto == 6 {
			wantTr = TCP
		}
		if !got.ToPayload(&pl) || pl.Transport != wantTr || string(pl.Data) != string(tt.want.Payload) {
			t.Errorf("%s: ToPayload = %+v", tt.name, pl)
		}
	}
}

func hepLegacyErrorCases() []struct {
	name string
	in   []byte
	want error
} {
	v4 := "02" + "10" + "02" + "11" + "13c4" + "13c4" + "c0a80101" + "c0a80102"
	return []struct {
		name string
		in   []byte
		want error
	}{
		{"v1 one byte", []byte{1}, ErrTruncated},
		{"v1 fixed part cut", mustHex("0110021113c4"), ErrTruncated},
		{"unknown family", mustHex("0110071113c413c4" + "0a0000010a000002" + "41"), ErrMalformed},
		{"header length", mustHex("0114021113c413c4" + "0a0000010a000002" + "41"), ErrMalformed},
		{"addresses cut", mustHex("0110021113c413c4" + "0a000001"), ErrTruncated},
		{"v1 no payload", mustHex("0110021113c413c4" + "0a0000010a000002"), ErrMalformed},
		{"v2 time header cut", mustHex(v4 + "a55d0d5ea6"), ErrTruncated},
		{"v2 padding cut", mustHex(v4 + "a55d0d5ea6020000d107" + "00"), ErrTruncated},
		{"v2 no payload", mustHex(v4 + "a55d0d5ea6020000d1070000"), ErrMalformed},
		{"v2 microseconds", mustHex(v4 + "a55d0d5e40420f00d1070000" + "41"), ErrMalformed}, // 1000000 µs
	}
}

func TestHEPLegacyDecodeErrors(t *testing.T) {
	for _, tt := range hepLegacyErrorCases() {
		var p HEPPacket
		if err := p.Decode(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("%s: Decode(%x) = %v, want %v", tt.name, tt.in, err, tt.want)
		}
	}
}

// TestHEPLegacyRoundTrip: AppendHEP writes v1/v2 the way the C senders
// do, and Decode reads it back.
func TestHEPLegacyRoundTrip(t *testing.T) {
	for _, v := range []uint8{1, 2} {
		for _, src := range []string{"10.1.1.1:5060", "[2001:db8::1]:5060"} {
			want := sampleHEP()
			want.Version, want.AuthKey, want.CorrelationID = v, nil, nil
			want.Src = netip.MustParseAddrPort(src)
			want.Dst = netip.AddrPortFrom(want.Src.Addr().Next(), 5070)
			want.Family = 2
			if want.Src.Addr().Is6() {
				want.Family = 10
			}
			if v == 1 {
				want.Time, want.AgentID = time.Time{}, 0
			}
			b := AppendHEP(nil, want)
			var got HEPPacket
			if err := got.Decode(b); err != nil {
				t.Fatalf("v%d %s: Decode(%x): %v", v, src, b, err)
			}
			if d := cmp.Diff(want, &got, addrPortEq); d != "" {
				t.Errorf("v%d %s round trip (-want +got):\n%s", v, src, d)
			}
		}
	}
}

func TestHEPLegacyFrameLen(t *testing.T) {
	body := "MESSAGE sip:a SIP/2.0\r\nl: 5\r\n\r\nhello"
	v1 := AppendHEP(nil, &HEPPacket{Version: 1, IPProto: 6, Src: netip.MustParseAddrPort("10.0.0.1:1"),
		Dst: netip.MustParseAddrPort("10.0.0.2:2"), Payload: []byte(body)})
	v2 := AppendHEP(nil, &HEPPacket{Version: 2, IPProto: 6, Src: netip.MustParseAddrPort("10.0.0.1:1"),
		Dst: netip.MustParseAddrPort("10.0.0.2:2"), Payload: []byte("BYE sip:a SIP/2.0\r\nContent-Length:  0\r\n\r\n")})
	tests := []struct {
		name      string
		in        []byte
		n         int
		needAbove int // need > this when n == 0
		err       error
	}{
		{"v1 whole, then more", append(append([]byte(nil), v1...), "INVITE"...), len(v1), 0, nil},
		{"v1 body cut", v1[:len(v1)-1], len(v1), 0, nil}, // the length is known before the body is in
		{"v1 headers cut", v1[:30], 0, 30, nil},
		{"v1 fixed part cut", v1[:5], 0, 5, nil},
		{"v2 whole", v2, len(v2), 0, nil},
		{"v2 padding undecided", v2[:16+10+3], 0, 29, nil},
		{"bad content-length", AppendHEP(nil, &HEPPacket{Version: 1, Src: netip.MustParseAddrPort("10.0.0.1:1"),
			Dst: netip.MustParseAddrPort("10.0.0.2:2"), Payload: []byte("BYE sip:a SIP/2.0\r\nContent-Length: x\r\n\r\n")}), 0, 0, ErrMalformed},
	}
	for _, tt := range tests {
		n, need, err := hepLegacyFrameLen(tt.in)
		if !errors.Is(err, tt.err) || n != tt.n || n == 0 && err == nil && need <= tt.needAbove {
			t.Errorf("%s: hepLegacyFrameLen(%q) = %d, need %d, %v; want %d, need > %d, %v", tt.name, tt.in, n, need, err, tt.n, tt.needAbove, tt.err)
		}
	}
}

// FuzzHEPLegacyFrameLen checks the TCP framing of v1/v2 packets: no panic,
// a length never shorter than the header, a need always beyond what was
// given, and errors that wrap a sentinel.
func FuzzHEPLegacyFrameLen(f *testing.F) {
	for _, tt := range hepLegacyCases() {
		f.Add(tt.in)
	}
	f.Add(AppendHEP(nil, &HEPPacket{Version: 1, Payload: []byte("BYE sip:a SIP/2.0\r\nl: 3\r\n\r\nabc")}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 || b[0] != 1 && b[0] != 2 {
			return
		}
		n, need, err := hepLegacyFrameLen(b)
		switch {
		case err != nil:
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
		case n > 0:
			if n < hepLegacyFixed+8 {
				t.Fatalf("frame length %d shorter than a header", n)
			}
			if n <= len(b) {
				var p HEPPacket
				_ = p.Decode(b[:n])
			}
		case need <= len(b):
			t.Fatalf("need %d with %d bytes given", need, len(b))
		}
	})
}

// legacyStream returns n SIP messages as HEP v1, v2 and v3 packets in
// turn, and their Call-IDs.
func legacyStream(n int, ipProto uint8) (pkts [][]byte, ids []string) {
	for i := range n {
		p := sampleHEP()
		p.Version = uint8(i%3 + 1)
		p.IPProto = ipProto
		p.AuthKey = nil
		id := fmt.Sprintf("v%d-%d", p.Version, i)
		body := "x=1\r\n"
		p.Payload = fmt.Appendf(nil, "MESSAGE sip:x SIP/2.0\r\nCall-ID: %s\r\nContent-Length: %d\r\n\r\n%s", id, len(body), body)
		pkts = append(pkts, AppendHEP(nil, p))
		ids = append(ids, id)
	}
	return pkts, ids
}

// TestHEPListenerMixedVersions sends v1, v2 and v3 packets in turn to one
// listener, as datagrams and as one TCP stream cut in odd pieces: every
// message arrives in order, v1 stamped with the listener's clock and the
// others with the agent's time.
func TestHEPListenerMixedVersions(t *testing.T) {
	arrival := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			cfg := DefaultHEPConfig()
			cfg.Now = func() time.Time { return arrival }
			var c collector
			l, stop := startHEP(t, network, cfg, &c)
			conn, err := net.Dial(network, l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			const n = 30
			pkts, want := legacyStream(n, 17)
			if network == "udp" {
				for _, p := range pkts {
					conn.Write(p)
				}
			} else {
				stream := bytes.Join(pkts, nil)
				for len(stream) > 0 {
					k := min(len(stream), 61)
					conn.Write(stream[:k])
					stream = stream[k:]
				}
			}
			c.wait(t, n, 5*time.Second)
			conn.Close()
			stop()
			var got []string
			for _, p := range c.pls {
				got = append(got, sipCallID(p.Data))
				wantT := sampleHEP().Time
				if strings.HasPrefix(sipCallID(p.Data), "v1-") {
					wantT = arrival
				}
				if p.Time != wantT || !bytes.HasSuffix(p.Data, []byte("\r\n\r\nx=1\r\n")) {
					t.Errorf("payload %s: time %v (want %v), data %q", sipCallID(p.Data), p.Time, wantT, p.Data)
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("Call-IDs (-sent +received):\n%s", d)
			}
			if st := l.Stats(); st.ByVersion != [4]uint64{0, n / 3, n / 3, n / 3} || st.Errors != 0 {
				t.Errorf("Stats = %+v", st)
			}
		})
	}
}

// TestHEPListenerAuthKeyRefusesLegacy: with an auth key, v1 and v2
// packets (which cannot carry one) are refused and counted.
func TestHEPListenerAuthKeyRefusesLegacy(t *testing.T) {
	cfg := DefaultHEPConfig()
	cfg.AuthKey = "secret"
	var c collector
	l, stop := startHEP(t, "udp", cfg, &c)
	conn, err := net.Dial("udp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range hepLegacyCases() {
		conn.Write(tt.in)
	}
	conn.Write(AppendHEP(nil, sampleHEP())) // v3 with the key
	c.wait(t, 1, 5*time.Second)
	time.Sleep(50 * time.Millisecond)
	conn.Close()
	stop()
	if st := l.Stats(); c.len() != 1 || st.AuthFails != uint64(len(hepLegacyCases())) {
		t.Errorf("%d payloads, Stats = %+v; want 1 and %d auth failures", c.len(), st, len(hepLegacyCases()))
	}
}

// selfSigned returns a TLS certificate for 127.0.0.1 made for the test,
// and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "callsight test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// TestHEPListenerTLS sends the same HEP frames over plain TCP and over
// TLS (verified against a certificate made here): the payloads that
// arrive are the same, byte for byte, in the same order. A client that
// does not speak TLS is counted as an error and does not stop the
// listener.
func TestHEPListenerTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	pkts, _ := legacyStream(60, 6)
	stream := bytes.Join(pkts, nil)
	recv := func(network string) []Payload {
		cfg := DefaultHEPConfig()
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		cfg.Now = func() time.Time { return time.Unix(0, 0) }
		var c collector
		l, stop := startHEP(t, network, cfg, &c)
		var conn net.Conn
		var err error
		if network == "tls" {
			// A plain TCP client first: it fails the handshake.
			if raw, err := net.Dial("tcp", l.Addr().String()); err == nil {
				raw.Write(AppendHEP(nil, sampleHEP()))
				raw.Close()
			}
			conn, err = tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
		} else {
			conn, err = net.Dial("tcp", l.Addr().String())
		}
		if err != nil {
			t.Fatalf("%s: %v", network, err)
		}
		for b := stream; len(b) > 0; {
			k := min(len(b), 1000)
			if _, err := conn.Write(b[:k]); err != nil {
				t.Fatalf("%s: write: %v", network, err)
			}
			b = b[k:]
		}
		c.wait(t, len(pkts), 5*time.Second)
		conn.Close()
		time.Sleep(20 * time.Millisecond)
		stop()
		st := l.Stats()
		t.Logf("%s: %+v", network, st)
		if network == "tls" && (st.Conns != 2 || st.Errors != 1) {
			t.Errorf("tls Stats = %+v, want 2 connections and 1 error (the plain client)", st)
		}
		return c.pls
	}
	plain, overTLS := recv("tcp"), recv("tls")
	if len(plain) != len(pkts) {
		t.Fatalf("tcp: %d payloads, want %d", len(plain), len(pkts))
	}
	if d := cmp.Diff(plain, overTLS, addrPortEq); d != "" {
		t.Errorf("payloads (-tcp +tls):\n%s", d)
	}
}

func TestListenHEPTLSNeedsCertificate(t *testing.T) {
	if _, err := ListenHEP("tls", "127.0.0.1:0", DefaultHEPConfig()); err == nil {
		t.Error("ListenHEP(tls) without a certificate: no error")
	}
}

func TestHEPLegacyDecodeAllocs(t *testing.T) {
	b := hepLegacyCases()[1].in
	var p HEPPacket
	var pl Payload
	if n := testing.AllocsPerRun(100, func() { p.Decode(b); p.ToPayload(&pl) }); n != 0 {
		t.Errorf("v2 Decode + ToPayload allocate %v times, want 0", n)
	}
}

func BenchmarkHEPDecodeV2(b *testing.B) {
	buf := hepLegacyCases()[1].in
	var p HEPPacket
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if err := p.Decode(buf); err != nil {
			b.Fatal(err)
		}
	}
}
