package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// summary renders a payload as one comparable line.
func summary(p *Payload) string {
	s := fmt.Sprintf("%d %v %v>%v %q", p.Frame, p.Transport, p.Src, p.Dst, p.Data)
	if p.Transport == SCTP {
		s += fmt.Sprintf(" ppid=%d stream=%d", p.PPID, p.Stream)
	}
	if p.GTPU {
		s += fmt.Sprintf(" teid=%#x", p.TEID)
	}
	return s
}

// run reads a capture from memory and returns the payload summaries, the
// decode errors, the stats and Run's error.
func run(t testing.TB, file []byte, cfg Config) ([]string, []*DecodeError, Stats, error) {
	t.Helper()
	r, err := NewReader("test.pcap", bytes.NewReader(file), cfg)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var got []string
	var errs []*DecodeError
	err = r.Run(func(p *Payload) { got = append(got, summary(p)) }, func(e *DecodeError) { errs = append(errs, e) })
	return got, errs, r.Stats(), err
}

const (
	linkEthernet = 1
	linkRaw      = 101
	linkSLL      = 113
	linkSLL2     = 276
)

// runCases are the synthetic captures of TestRun, also the fuzz seeds.
func runCases() []runCase {
	sipInvite := "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1\r\n\r\n"
	u4 := ipv4(a4, b4, 17, udp(5060, 5060, []byte("hello")))
	u6 := ipv6(a6, b6, 17, udp(5060, 5062, []byte("hello6")))
	const w4 = `1 udp 10.0.0.1:5060>10.0.0.2:5060 "hello"`
	const w6 = `1 udp [2001:db8::1]:5060>[2001:db8::2]:5062 "hello6"`
	big := strings.Repeat("0123456789abcdef", 20) // 320 bytes
	frag4 := func(id uint16, more bool, off, end int) []byte {
		full := udp(5060, 5060, []byte(big))
		return ipv4Frag(a4, b4, 17, id, more, off, full[off:end])
	}
	const wbig = `1 udp 10.0.0.1:5060>10.0.0.2:5060 "` + "%s" + `"`
	frag6 := func(id uint32, more bool, off, end int) []byte {
		full := udp(5060, 5060, []byte(big))
		return ipv6(a6, b6, 44, ipv6FragHdr(17, id, more, off, full[off:end]))
	}
	seg := func(seq uint32, flags uint8, data string) []byte {
		return ether(0x0800, ipv4(a4, b4, 6, tcp(40000, 5060, seq, flags|tcpACK, []byte(data))))
	}
	sc := func(chunks ...[]byte) []byte { return ether(0x0800, ipv4(a4, b4, 132, sctp(2905, 2905, chunks...))) }
	gt := func(flags uint8, opt []byte, typ uint8, inner []byte) []byte {
		return ether(0x0800, ipv4(b4, a4, 17, udp(2152, 2152, gtpu(typ, 0xabcd, flags, opt, inner))))
	}
	innerSIP := ipv4(netip4("192.168.1.10"), netip4("192.168.1.20"), 17, udp(5060, 5060, []byte(sipInvite)))
	sack := chunk(3, 0, cat(be32(99), be32(65536), be16(0), be16(0)))

	return []runCase{
		{name: "pcap us little-endian ethernet", file: pcapFile(linkEthernet, false, false, ether(0x0800, u4)), want: []string{w4}},
		{name: "pcap ns big-endian ethernet", file: pcapFile(linkEthernet, true, true, ether(0x0800, u4)), want: []string{w4}},
		{name: "pcap us big-endian ipv6", file: pcapFile(linkEthernet, false, true, ether(0x86dd, u6)), want: []string{w6}},
		{name: "802.1Q", file: pcapFile(linkEthernet, false, false, ether(0x0800, u4, 0x8100, 100)), want: []string{w4}},
		{name: "QinQ 802.1ad", file: pcapFile(linkEthernet, false, false, ether(0x86dd, u6, 0x88a8, 10, 0x8100, 20)), want: []string{w6}},
		{name: "three tags", file: pcapFile(linkEthernet, false, false, ether(0x0800, u4, 0x9100, 1, 0x88a8, 2, 0x8100, 3)), want: []string{w4}},
		{name: "too many tags", file: pcapFile(linkEthernet, false, false, ether(0x0800, u4, 0x8100, 1, 0x8100, 1, 0x8100, 1, 0x8100, 1, 0x8100, 1, 0x8100, 1, 0x8100, 1, 0x8100, 1, 0x8100, 1)),
			check: func(t *testing.T, s Stats) { wantErr(t, s, "vlan: malformed", 1) }},
		{name: "ARP is not IP", file: pcapFile(linkEthernet, false, false, ether(0x0806, make([]byte, 28)), ether(0x0800, u4)),
			want: []string{strings.Replace(w4, "1 ", "2 ", 1)}, check: func(t *testing.T, s Stats) {
				if s.NonIP != 1 {
					t.Errorf("NonIP = %d, want 1", s.NonIP)
				}
			}},
		{name: "PPPoE session", file: pcapFile(linkEthernet, false, false, ether(0x8864, pppoe(0x0021, u4))), want: []string{w4}},
		{name: "PPPoE session ipv6 in vlan", file: pcapFile(linkEthernet, false, false, ether(0x8864, pppoe(0x0057, u6), 0x8100, 7)), want: []string{w6}},
		{name: "Linux SLL", file: pcapFile(linkSLL, false, false, sll(0x0800, u4)), want: []string{w4}},
		{name: "Linux SLL2", file: pcapFile(linkSLL2, false, false, sll2(0x86dd, u6)), want: []string{w6}},
		{name: "raw 101 v4", file: pcapFile(linkRaw, false, false, u4), want: []string{w4}},
		{name: "raw 101 v6", file: pcapFile(linkRaw, false, false, u6), want: []string{w6}},
		{name: "raw DLT 12", file: pcapFile(12, false, false, u4), want: []string{w4}},
		{name: "raw DLT 14", file: pcapFile(14, false, false, u6), want: []string{w6}},
		{name: "LINKTYPE_IPV4 228", file: pcapFile(228, false, false, u4), want: []string{w4}},
		{name: "null little-endian AF_INET", file: pcapFile(0, false, false, null(2, false, u4)), want: []string{w4}},
		{name: "null big-endian AF_INET", file: pcapFile(0, false, true, null(2, true, u4)), want: []string{w4}},
		{name: "null AF_INET6 24", file: pcapFile(0, false, false, null(24, false, u6)), want: []string{w6}},
		{name: "null AF_INET6 28", file: pcapFile(0, false, false, null(28, false, u6)), want: []string{w6}},
		{name: "loop AF_INET6 30", file: pcapFile(108, false, false, null(30, true, u6)), want: []string{w6}},
		{name: "unknown link type", file: pcapFile(147, false, false, u4, u4), check: func(t *testing.T, s Stats) { wantErr(t, s, "link: unsupported", 2) }},
		{name: "bad IHL then good", file: pcapFile(linkRaw, false, false, append([]byte{0x43}, u4[1:]...), u4),
			want: []string{strings.Replace(w4, "1 ", "2 ", 1)}, check: func(t *testing.T, s Stats) { wantErr(t, s, "ipv4: malformed", 1) }},
		{name: "ipv4 truncated total length", file: pcapFile(linkRaw, false, false, u4[:len(u4)-2]), check: func(t *testing.T, s Stats) { wantErr(t, s, "ipv4: truncated", 1) }},
		{name: "udp length beyond packet", file: pcapFile(linkRaw, false, false, ipv4(a4, b4, 17, cat(be16(1), be16(2), be16(100), be16(0), []byte("x")))),
			check: func(t *testing.T, s Stats) { wantErr(t, s, "udp: truncated", 1) }},
		{name: "ethernet padding ignored", file: pcapFile(linkEthernet, false, false, append(ether(0x0800, u4), 0, 0, 0, 0)), want: []string{w4}},

		{name: "ipv4 fragments in order", file: pcapFile(linkRaw, false, false, frag4(7, true, 0, 160), frag4(7, false, 160, 328)),
			want: []string{fmt.Sprintf(strings.Replace(wbig, "1 ", "2 ", 1), big)}, check: wantFrags(2, 1, 0)},
		{name: "ipv4 fragments reversed", file: pcapFile(linkRaw, false, false, frag4(7, false, 160, 328), frag4(7, true, 80, 160), frag4(7, true, 0, 80)),
			want: []string{fmt.Sprintf(strings.Replace(wbig, "1 ", "3 ", 1), big)}, check: wantFrags(3, 1, 0)},
		{name: "ipv4 fragments duplicate and overlapping", file: pcapFile(linkRaw, false, false, frag4(7, true, 0, 160), frag4(7, true, 0, 160), frag4(7, true, 80, 240), frag4(7, false, 160, 328)),
			want: []string{fmt.Sprintf(strings.Replace(wbig, "1 ", "4 ", 1), big)}, check: wantFrags(4, 1, 0)},
		{name: "ipv4 fragments of two datagrams interleaved", file: pcapFile(linkRaw, false, false, frag4(1, true, 0, 160), frag4(2, true, 0, 160), frag4(2, false, 160, 328), frag4(1, false, 160, 328)),
			want: []string{fmt.Sprintf(strings.Replace(wbig, "1 ", "3 ", 1), big), fmt.Sprintf(strings.Replace(wbig, "1 ", "4 ", 1), big)}, check: wantFrags(4, 2, 0)},
		{name: "lone fragment expires at the end", file: pcapFile(linkRaw, false, false, frag4(7, true, 0, 160)), check: wantFrags(1, 0, 1)},
		{name: "fragment past 65535", file: pcapFile(linkRaw, false, false, ipv4Frag(a4, b4, 17, 9, false, 65528, make([]byte, 16))),
			check: func(t *testing.T, s Stats) { wantErr(t, s, "ipv4: malformed", 1) }},
		{name: "ipv6 fragments out of order", file: pcapFile(linkRaw, false, false, frag6(0x11223344, false, 160, 328), frag6(0x11223344, true, 0, 160)),
			want: []string{fmt.Sprintf(`2 udp [2001:db8::1]:5060>[2001:db8::2]:5060 "%s"`, big)}, check: wantFrags(2, 1, 0)},
		{name: "ipv6 destination options before udp", file: pcapFile(linkRaw, false, false, ipv6(a6, b6, 60, cat([]byte{17, 0, 1, 4, 0, 0, 0, 0}, udp(5060, 5062, []byte("hello6"))))),
			want: []string{w6}},

		{name: "tcp in order from SYN", file: pcapFile(linkEthernet, false, false, seg(999, tcpSYN, ""), seg(1000, tcpPSH, "abc"), seg(1003, tcpPSH, "def"), seg(1006, tcpFIN, "")),
			want: []string{`2 tcp 10.0.0.1:40000>10.0.0.2:5060 "abc"`, `3 tcp 10.0.0.1:40000>10.0.0.2:5060 "def"`}},
		{name: "tcp mid-stream start", file: pcapFile(linkEthernet, false, false, seg(5000, tcpPSH, "xyz"), seg(5003, tcpPSH, "uvw")),
			want: []string{`1 tcp 10.0.0.1:40000>10.0.0.2:5060 "xyz"`, `2 tcp 10.0.0.1:40000>10.0.0.2:5060 "uvw"`}},
		{name: "tcp reorder", file: pcapFile(linkEthernet, false, false, seg(1000, tcpPSH, "abc"), seg(1006, tcpPSH, "ghi"), seg(1003, tcpPSH, "def")),
			want: []string{`1 tcp 10.0.0.1:40000>10.0.0.2:5060 "abc"`, `3 tcp 10.0.0.1:40000>10.0.0.2:5060 "def"`, `3 tcp 10.0.0.1:40000>10.0.0.2:5060 "ghi"`}},
		{name: "tcp retransmit and overlap", file: pcapFile(linkEthernet, false, false, seg(1000, tcpPSH, "abc"), seg(1000, tcpPSH, "abc"), seg(1001, tcpPSH, "bcdef"), seg(1009, tcpPSH, "jk"), seg(1004, tcpPSH, "efghij")),
			want: []string{`1 tcp 10.0.0.1:40000>10.0.0.2:5060 "abc"`, `3 tcp 10.0.0.1:40000>10.0.0.2:5060 "def"`, `5 tcp 10.0.0.1:40000>10.0.0.2:5060 "ghij"`, `5 tcp 10.0.0.1:40000>10.0.0.2:5060 "k"`},
			check: func(t *testing.T, s Stats) {
				if s.TCPRetransmits != 3+2+2+1 {
					t.Errorf("TCPRetransmits = %d, want 8", s.TCPRetransmits)
				}
			}},
		{name: "tcp gap skipped at end of file", file: pcapFile(linkEthernet, false, false, seg(1000, tcpPSH, "abc"), seg(1010, tcpPSH, "xyz")),
			want: []string{`1 tcp 10.0.0.1:40000>10.0.0.2:5060 "abc"`, `2 tcp 10.0.0.1:40000>10.0.0.2:5060 "xyz"`},
			check: func(t *testing.T, s Stats) {
				if s.TCPGapBytes != 7 {
					t.Errorf("TCPGapBytes = %d, want 7", s.TCPGapBytes)
				}
			}},
		{name: "tcp retransmission after FIN", file: pcapFile(linkEthernet, false, false, seg(1000, tcpPSH, "abc"), seg(1003, tcpFIN, ""), seg(1000, tcpPSH|tcpFIN, "abc")),
			want: []string{`1 tcp 10.0.0.1:40000>10.0.0.2:5060 "abc"`}},
		{name: "tcp both directions", file: pcapFile(linkEthernet, false, false, seg(1000, tcpPSH, "req"), ether(0x0800, ipv4(b4, a4, 6, tcp(5060, 40000, 77, tcpPSH|tcpACK, []byte("resp"))))),
			want: []string{`1 tcp 10.0.0.1:40000>10.0.0.2:5060 "req"`, `2 tcp 10.0.0.2:5060>10.0.0.1:40000 "resp"`}},
		{name: "tcp RST forgets the stream", file: pcapFile(linkEthernet, false, false, seg(1000, tcpPSH, "abc"), seg(1003, tcpRST, ""), seg(7000, tcpPSH, "new")),
			want: []string{`1 tcp 10.0.0.1:40000>10.0.0.2:5060 "abc"`, `3 tcp 10.0.0.1:40000>10.0.0.2:5060 "new"`}},

		{name: "sctp bundled DATA chunks", file: pcapFile(linkEthernet, false, false, sc(sack, dataChunk(3, 10, 0, 0, 3, "one"), dataChunk(3, 11, 1, 0, 3, "two!"), dataChunk(3, 12, 0, 1, 46, "three"))),
			want: []string{`1 sctp 10.0.0.1:2905>10.0.0.2:2905 "one" ppid=3 stream=0`, `1 sctp 10.0.0.1:2905>10.0.0.2:2905 "two!" ppid=3 stream=1`, `1 sctp 10.0.0.1:2905>10.0.0.2:2905 "three" ppid=46 stream=0`},
			check: func(t *testing.T, s Stats) {
				if s.SCTPChunks[0] != 3 || s.SCTPChunks[3] != 1 || s.SCTPMessages != 3 {
					t.Errorf("chunks DATA %d SACK %d messages %d, want 3 1 3", s.SCTPChunks[0], s.SCTPChunks[3], s.SCTPMessages)
				}
			}},
		{name: "sctp fragments out of order and retransmitted", file: pcapFile(linkEthernet, false, false,
			sc(initChunk(1, 20)), sc(dataChunk(2, 20, 1, 5, 3, "he")), sc(dataChunk(1, 22, 1, 5, 3, "lo")), sc(dataChunk(2, 20, 1, 5, 3, "he")), sc(dataChunk(0, 21, 1, 5, 3, "l")), sc(dataChunk(3, 21, 1, 5, 3, "l"))),
			want: []string{`5 sctp 10.0.0.1:2905>10.0.0.2:2905 "hello" ppid=3 stream=1`},
			check: func(t *testing.T, s Stats) {
				if s.SCTPDataDropped != 2 {
					t.Errorf("SCTPDataDropped = %d, want 2", s.SCTPDataDropped)
				}
			}},
		{name: "sctp I-DATA fragments", file: pcapFile(linkEthernet, false, false, sc(idataChunk(2, 1, 4, 9, 3, "ab"), idataChunk(1, 3, 4, 9, 2, "ef")), sc(idataChunk(0, 2, 4, 9, 1, "cd"))),
			want: []string{`2 sctp 10.0.0.1:2905>10.0.0.2:2905 "abcdef" ppid=3 stream=4`}},
		{name: "sctp bad chunk after a good one", file: pcapFile(linkEthernet, false, false, sc(dataChunk(3, 1, 0, 0, 3, "ok"), []byte{0, 3, 0, 2})),
			want:  []string{`1 sctp 10.0.0.1:2905>10.0.0.2:2905 "ok" ppid=3 stream=0`},
			check: func(t *testing.T, s Stats) { wantErr(t, s, "sctp: malformed", 1) }},

		{name: "gtpu plain", file: pcapFile(linkEthernet, false, false, gt(0, nil, 255, innerSIP)),
			want: []string{fmt.Sprintf(`1 udp 192.168.1.10:5060>192.168.1.20:5060 %q teid=0xabcd`, sipInvite)}},
		{name: "gtpu with sequence number", file: pcapFile(linkEthernet, false, false, gt(0x02, []byte{0, 1, 0, 0}, 255, innerSIP)),
			want: []string{fmt.Sprintf(`1 udp 192.168.1.10:5060>192.168.1.20:5060 %q teid=0xabcd`, sipInvite)}},
		{name: "gtpu extension header chain", file: pcapFile(linkEthernet, false, false, gt(0x04, []byte{0, 0, 0, 0x85, 1, 0x10, 0x01, 0xc0, 2, 1, 2, 3, 4, 5, 6, 0}, 255, innerSIP)),
			want: []string{fmt.Sprintf(`1 udp 192.168.1.10:5060>192.168.1.20:5060 %q teid=0xabcd`, sipInvite)}},
		{name: "gtpu inner ipv6 tcp", file: pcapFile(linkEthernet, false, false, gt(0, nil, 255, ipv6(a6, b6, 6, tcp(1, 5060, 7, tcpPSH, []byte("REGISTER"))))),
			want: []string{`1 tcp [2001:db8::1]:1>[2001:db8::2]:5060 "REGISTER" teid=0xabcd`}},
		{name: "gtpu echo request counted", file: pcapFile(linkEthernet, false, false, gt(0x02, []byte{0, 1, 0, 0}, 1, nil)),
			check: func(t *testing.T, s Stats) {
				if s.GTPUOther != 1 || s.Payloads != 0 {
					t.Errorf("GTPUOther %d payloads %d, want 1 0", s.GTPUOther, s.Payloads)
				}
			}},
		{name: "gtpu extension header of length 0", file: pcapFile(linkEthernet, false, false, gt(0x04, []byte{0, 0, 0, 0x85, 0, 0, 0, 0}, 255, innerSIP)),
			check: func(t *testing.T, s Stats) { wantErr(t, s, "gtpu: malformed", 1) }},
		{name: "not GTPv1 on 2152 is plain udp", file: pcapFile(linkRaw, false, false, ipv4(a4, b4, 17, udp(2152, 2152, []byte{0x50, 1, 2}))),
			want: []string{`1 udp 10.0.0.1:2152>10.0.0.2:2152 "P\x01\x02"`}},
		{name: "gtpu over fragmented outer ipv4", file: func() []byte {
			outer := udp(2152, 2152, gtpu(255, 0xabcd, 0, nil, innerSIP))
			return pcapFile(linkRaw, false, false, ipv4Frag(b4, a4, 17, 5, true, 0, outer[:48]), ipv4Frag(b4, a4, 17, 5, false, 48, outer[48:]))
		}(), want: []string{fmt.Sprintf(`2 udp 192.168.1.10:5060>192.168.1.20:5060 %q teid=0xabcd`, sipInvite)}},

		{name: "pcapng interfaces of mixed link types, EPB and SPB", file: cat(ngSHB(), ngIDB(1, false), ngIDB(101, true),
			ngEPB(1, uint64(t0.UnixNano()), u6), ngSPB(ether(0x0800, u4)), ngEPB(0, uint64(t0.UnixMicro()), ether(0x86dd, u6))),
			want: []string{w6, strings.Replace(w4, "1 ", "2 ", 1), strings.Replace(w6, "1 ", "3 ", 1)}},
	}
}

// runCase is one synthetic capture and what it must give.
type runCase struct {
	name  string
	file  []byte
	want  []string
	check func(t *testing.T, s Stats)
}

func TestRun(t *testing.T) {
	tests := runCases()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, errs, st, err := run(t, tc.file, DefaultConfig())
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("payloads (-want +got):\n%s\nerrors: %v", diff, errs)
			}
			if tc.check != nil {
				tc.check(t, st)
			} else if len(errs) > 0 {
				t.Errorf("unexpected decode errors: %v", errs)
			}
			var n uint64
			for _, v := range st.Errors {
				n += v
			}
			if n != uint64(len(errs)) {
				t.Errorf("Stats.Errors sums to %d, onErr got %d", n, len(errs))
			}
		})
	}
}

func netip4(s string) netip.Addr { return netip.MustParseAddr(s) }

func wantErr(t *testing.T, s Stats, key string, n uint64) {
	t.Helper()
	if s.Errors[key] != n {
		t.Errorf("Stats.Errors[%q] = %d, want %d (all: %v)", key, s.Errors[key], n, s.Errors)
	}
}

func wantFrags(frags, reassembled, expired uint64) func(*testing.T, Stats) {
	return func(t *testing.T, s Stats) {
		t.Helper()
		if s.Fragments != frags || s.Reassembled != reassembled || s.FragmentsExpired != expired {
			t.Errorf("fragments %d reassembled %d expired %d, want %d %d %d", s.Fragments, s.Reassembled, s.FragmentsExpired, frags, reassembled, expired)
		}
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestGzip checks that compression is detected by magic, not by name.
func TestGzip(t *testing.T) {
	u4 := ether(0x0800, ipv4(a4, b4, 17, udp(1, 2, []byte("zip"))))
	for name, file := range map[string][]byte{
		"pcap":   gz(pcapFile(linkEthernet, true, true, u4)),
		"pcapng": gz(cat(ngSHB(), ngIDB(1, false), ngEPB(0, 0, u4))),
	} {
		t.Run(name, func(t *testing.T) {
			got, _, _, err := run(t, file, DefaultConfig())
			want := []string{`1 udp 10.0.0.1:1>10.0.0.2:2 "zip"`}
			if err != nil || !cmp.Equal(got, want) {
				t.Errorf("got %q, %v; want %q, nil", got, err, want)
			}
		})
	}
}

// TestTimestamps checks full ns precision and UTC for pcap and pcapng.
func TestTimestamps(t *testing.T) {
	u4 := ipv4(a4, b4, 17, udp(1, 2, []byte("t")))
	for name, tc := range map[string]struct {
		file []byte
		want time.Time
	}{
		"pcap ns":        {pcapFile(linkRaw, true, false, u4), t0},
		"pcap us":        {pcapFile(linkRaw, false, true, u4), t0.Truncate(time.Microsecond)},
		"pcapng ns":      {cat(ngSHB(), ngIDB(101, true), ngEPB(0, uint64(t0.UnixNano()), u4)), t0},
		"pcapng default": {cat(ngSHB(), ngIDB(101, false), ngEPB(0, uint64(t0.UnixMicro()), u4)), t0.Truncate(time.Microsecond)},
	} {
		r, err := NewReader(name, bytes.NewReader(tc.file), DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		var got time.Time
		if err := r.Run(func(p *Payload) { got = p.Time }, nil); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("%s: Time = %v, want %v UTC", name, got, tc.want)
		}
	}
}

func TestNotCapture(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"empty.pcap": nil,
		"text.pcap":  []byte("INVITE sip:bob@example.com SIP/2.0\r\n"),
		"short.pcap": {0xd4, 0xc3},
		"gzip-text":  gz([]byte("hello, world")),
		"bad.gz":     {0x1f, 0x8b, 0, 0},
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(p, DefaultConfig())
		if !errors.Is(err, ErrNotCapture) || !strings.Contains(err.Error(), p) {
			t.Errorf("Open(%s) = %v, want an error wrapping ErrNotCapture naming the path", name, err)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing.pcap"), DefaultConfig()); err == nil || errors.Is(err, ErrNotCapture) {
		t.Errorf("Open(missing) = %v, want a file error", err)
	}
}

// TestBadFiles covers file-level damage: Run delivers what comes before it
// and ends with an error wrapping the right sentinel.
func TestBadFiles(t *testing.T) {
	u4 := ipv4(a4, b4, 17, udp(1, 2, []byte("ok")))
	good := pcapFile(linkRaw, false, false, u4)
	withRecord := func(caplen, origlen uint32, data []byte) []byte {
		return cat(good, be32le(0), be32le(0), be32le(caplen), be32le(origlen), data)
	}
	tests := []struct {
		name    string
		file    []byte
		want    error // from NewReader or Run
		payload int
	}{
		{"header only", pcapFile(linkRaw, false, false), nil, 0},
		{"truncated file header", good[:10], ErrTruncated, 0},
		{"truncated record header", append(good, 1, 2, 3), ErrTruncated, 1},
		{"record header without data", withRecord(10, 10, nil), ErrTruncated, 1},
		{"record cut short", withRecord(40, 40, u4[:20]), ErrTruncated, 1},
		{"giant caplen", withRecord(0xfffffff0, 0xfffffff0, u4), ErrMalformed, 1},
		{"caplen above origlen", withRecord(40, 20, u4), ErrMalformed, 1},
		{"zero caplen", withRecord(0, 0, nil), nil, 1},
		{"garbage after the header", cat(good, bytes.Repeat([]byte{0xff}, 40)), ErrMalformed, 1},
		{"pcapng truncated block", cat(ngSHB(), ngIDB(101, false), ngEPB(0, 0, u4))[:90], ErrTruncated, 0},
		{"pcapng packet before interface", cat(ngSHB(), ngEPB(0, 0, u4)), ErrMalformed, 0},
		{"pcapng bad interface id", cat(ngSHB(), ngIDB(101, false), ngEPB(0, 0, u4), ngEPB(5, 0, u4)), ErrMalformed, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader("bad.pcap", bytes.NewReader(tc.file), DefaultConfig())
			if err == nil {
				n := 0
				err = r.Run(func(*Payload) { n++ }, nil)
				if n != tc.payload {
					t.Errorf("delivered %d payloads, want %d", n, tc.payload)
				}
			}
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "bad.pcap: ") && !strings.HasPrefix(err.Error(), "capture: bad.pcap: ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func be32le(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }

func TestDecodeErrorFormat(t *testing.T) {
	_, errs, _, _ := run(t, pcapFile(linkRaw, false, false, ipv4(a4, b4, 17, udp(1, 2, nil)), []byte{0x45, 0}), DefaultConfig())
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1", len(errs))
	}
	const want = "test.pcap: frame 2: ipv4: 2 bytes: truncated"
	if got := errs[0].Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(errs[0], ErrTruncated) {
		t.Errorf("error does not wrap ErrTruncated")
	}
}

// TestFragmentTimeout checks that fragments expire on capture time: the
// second half arriving 31 s later starts a new, incomplete datagram.
func TestFragmentTimeout(t *testing.T) {
	full := udp(1, 2, bytes.Repeat([]byte("x"), 64))
	f1 := ipv4Frag(a4, b4, 17, 3, true, 0, full[:40])
	f2 := ipv4Frag(a4, b4, 17, 3, false, 40, full[40:])
	file := pcapAt(linkRaw, []time.Time{t0, t0.Add(31 * time.Second)}, f1, f2)
	got, _, st, err := run(t, file, DefaultConfig())
	if err != nil || len(got) != 0 || st.FragmentsExpired != 2 || st.Reassembled != 0 {
		t.Errorf("got %d payloads, expired %d, reassembled %d, err %v; want 0, 2, 0, nil", len(got), st.FragmentsExpired, st.Reassembled, err)
	}
	file = pcapAt(linkRaw, []time.Time{t0, t0.Add(29 * time.Second)}, f1, f2)
	if got, _, _, _ := run(t, file, DefaultConfig()); len(got) != 1 {
		t.Errorf("within the timeout: %d payloads, want 1", len(got))
	}
}

// TestFragmentTableBound checks that the table never holds more than
// MaxFragments datagrams.
func TestFragmentTableBound(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxFragments = 4
	var frames [][]byte
	for i := range 100 {
		frames = append(frames, ipv4Frag(a4, b4, 17, uint16(i), true, 0, make([]byte, 16)))
	}
	r, _ := NewReader("x", bytes.NewReader(pcapFile(linkRaw, false, false, frames...)), cfg)
	r.Run(nil, nil)
	if st := r.Stats(); st.FragmentsExpired != 100 || len(r.frags.m) != 0 {
		t.Errorf("expired %d, left %d; want 100, 0", st.FragmentsExpired, len(r.frags.m))
	}
}

// TestTCPBounds checks the out-of-order buffer bound and the gap timeout.
func TestTCPBounds(t *testing.T) {
	seg := func(seq uint32, data string) []byte {
		return ipv4(a4, b4, 6, tcp(1, 2, seq, tcpACK, []byte(data)))
	}
	cfg := DefaultConfig()
	cfg.MaxTCPBuffer = 8
	got, _, st, _ := run(t, pcapFile(linkRaw, false, false, seg(100, "a"), seg(110, "bbbb"), seg(120, "cccc"), seg(130, "dddd")), cfg)
	// "cccc" still fits (8 bytes buffered); "dddd" does not: the gaps go.
	want := []string{`1 tcp 10.0.0.1:1>10.0.0.2:2 "a"`, `4 tcp 10.0.0.1:1>10.0.0.2:2 "bbbb"`, `4 tcp 10.0.0.1:1>10.0.0.2:2 "cccc"`, `4 tcp 10.0.0.1:1>10.0.0.2:2 "dddd"`}
	if diff := cmp.Diff(want, got); diff != "" || st.TCPGapBytes != 9+6+6 {
		t.Errorf("buffer bound: (-want +got)\n%s gap bytes %d, want 21", diff, st.TCPGapBytes)
	}
	file := pcapAt(linkRaw, []time.Time{t0, t0.Add(time.Second), t0.Add(20 * time.Second)}, seg(100, "a"), seg(110, "b"), seg(200, "c"))
	got, _, _, _ = run(t, file, DefaultConfig())
	want = []string{`1 tcp 10.0.0.1:1>10.0.0.2:2 "a"`, `3 tcp 10.0.0.1:1>10.0.0.2:2 "b"`, `3 tcp 10.0.0.1:1>10.0.0.2:2 "c"`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gap timeout: (-want +got)\n%s", diff)
	}
	cfg = DefaultConfig()
	cfg.MaxTCPFlows = 2
	var frames [][]byte
	for i := range 10 {
		frames = append(frames, ipv4(a4, b4, 6, tcp(uint16(i), 2, 1, tcpACK, []byte("x"))))
	}
	r, _ := NewReader("x", bytes.NewReader(pcapFile(linkRaw, false, false, frames...)), cfg)
	r.Run(nil, nil)
	if st := r.Stats(); st.TCPFlowsEvicted != 8 || st.Payloads != 10 {
		t.Errorf("flows evicted %d payloads %d, want 8 10", st.TCPFlowsEvicted, st.Payloads)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig().Validate() = %v", err)
	}
	c := DefaultConfig()
	c.MaxFragments = 0
	if c.Validate() == nil {
		t.Errorf("MaxFragments 0 validated")
	}
	if _, err := NewReader("x", bytes.NewReader(nil), c); err == nil {
		t.Errorf("NewReader accepted an invalid config")
	}
}

func TestStatsAdd(t *testing.T) {
	var s Stats
	s.Add(Stats{Packets: 2, Errors: map[string]uint64{"ipv4: malformed": 1}})
	s.Add(Stats{Packets: 3, SCTPChunks: [256]uint64{0: 4}, Errors: map[string]uint64{"ipv4: malformed": 2}})
	if s.Packets != 5 || s.SCTPChunks[0] != 4 || s.Errors["ipv4: malformed"] != 3 {
		t.Errorf("Add: %+v", s)
	}
}

func TestTransportString(t *testing.T) {
	for tr, want := range map[Transport]string{UDP: "udp", TCP: "tcp", SCTP: "sctp", 1: "proto-1"} {
		if got := tr.String(); got != want {
			t.Errorf("Transport(%d).String() = %q, want %q", tr, got, want)
		}
	}
}
