package capture

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsight/callsight/internal/testcorpus"
)

// runFile runs a corpus file and returns its payloads (with copied data),
// decode errors and stats.
func runFile(t *testing.T, rel string) ([]Payload, []*DecodeError, Stats, error) {
	t.Helper()
	path := testcorpus.File(t, rel)
	r, err := Open(path, DefaultConfig())
	if err != nil {
		t.Fatalf("Open(%s): %v", rel, err)
	}
	var pls []Payload
	var errs []*DecodeError
	err = r.Run(func(p *Payload) {
		c := *p
		c.Data = append([]byte(nil), p.Data...)
		pls = append(pls, c)
	}, func(e *DecodeError) { errs = append(errs, e) })
	return pls, errs, r.Stats(), err
}

// TestCorpusAll runs every capture of the corpus: none may panic, and
// every error must be a DecodeError wrapping one of the sentinels.
func TestCorpusAll(t *testing.T) {
	dir := testcorpus.Dir(t)
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.Contains(d.Name(), ".pcap") || strings.HasSuffix(d.Name(), ".cap") || d.Name() == "SIP_CALL_RTP_G711") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skip("no capture in the corpus")
	}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		t.Run(rel, func(t *testing.T) {
			pls, errs, st, err := runFile(t, rel)
			if err != nil {
				t.Errorf("Run: %v", err)
			}
			for _, e := range errs {
				if !errors.Is(e, ErrTruncated) && !errors.Is(e, ErrMalformed) && !errors.Is(e, ErrUnsupported) {
					t.Errorf("decode error wraps no sentinel: %v", e)
				}
			}
			t.Logf("packets %d payloads %d (udp %d tcp chunks %d sctp msgs %d) nonIP %d otherIP %d frags %d/%d/%d gtpu %d/%d errors %v",
				st.Packets, len(pls), st.UDPDatagrams, st.TCPChunks, st.SCTPMessages, st.NonIP, st.OtherIP,
				st.Fragments, st.Reassembled, st.FragmentsExpired, st.GTPU, st.GTPUOther, st.Errors)
			for i, e := range errs {
				if i == 3 {
					break
				}
				t.Logf("error: %v", e)
			}
		})
	}
}

// count returns how many payloads satisfy keep.
func count(pls []Payload, keep func(*Payload) bool) int {
	n := 0
	for i := range pls {
		if keep(&pls[i]) {
			n++
		}
	}
	return n
}

func isSIP(p *Payload) bool {
	for _, m := range []string{"SIP/2.0 ", "INVITE ", "ACK ", "BYE ", "CANCEL ", "REGISTER ", "OPTIONS ", "PRACK ", "UPDATE ", "SUBSCRIBE ", "NOTIFY ", "MESSAGE ", "INFO ", "PUBLISH ", "REFER "} {
		if strings.HasPrefix(string(p.Data), m) {
			return true
		}
	}
	return false
}

// sipComplete reports whether a SIP message holds its whole body, as its
// Content-Length says.
func sipComplete(b []byte) bool {
	s := string(b)
	i := strings.Index(s, "\r\n\r\n")
	if i < 0 {
		return false
	}
	for _, line := range strings.Split(s[:i], "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && (strings.EqualFold(strings.TrimSpace(k), "Content-Length") || strings.TrimSpace(k) == "l") {
			n := 0
			fmt.Sscan(strings.TrimSpace(v), &n)
			return len(s)-i-4 == n
		}
	}
	return true
}

func TestCorpusFiles(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, pls []Payload, st Stats)
	}{
		// tshark -r zeek/sctp.pcap -Y sctp.chunk_type==0 -T fields -e sctp.data_payload_proto_id:
		// 120 DATA chunks (bundled up to 3 per packet, all B+E, PPID 0, no
		// duplicate TSN); chunk types: INIT 1, INIT ACK 1, SACK 49,
		// COOKIE ECHO 1, COOKIE ACK 1.
		{"zeek/sctp.pcap", func(t *testing.T, pls []Payload, st Stats) {
			if n := count(pls, func(p *Payload) bool { return p.Transport == SCTP && p.PPID == 0 }); n != 120 || len(pls) != 120 {
				t.Errorf("%d SCTP PPID 0 messages of %d payloads, want 120", n, len(pls))
			}
			c := st.SCTPChunks
			if c[0] != 120 || c[1] != 1 || c[2] != 1 || c[3] != 49 || c[10] != 1 || c[11] != 1 || st.SCTPDataDropped != 0 {
				t.Errorf("chunk counts DATA %d INIT %d INIT-ACK %d SACK %d CE %d CA %d dropped %d", c[0], c[1], c[2], c[3], c[10], c[11], st.SCTPDataDropped)
			}
		}},
		// Linux SLL, IPv6: tshark counts 32 SIP messages, 2 of them
		// reassembled from 2 fragments each.
		{"sngrep/ipv6frag.pcap", func(t *testing.T, pls []Payload, st Stats) {
			if n := count(pls, isSIP); n != 32 {
				t.Errorf("%d SIP messages, want 32", n)
			}
			for _, p := range pls {
				if !sipComplete(p.Data) {
					t.Errorf("frame %d: SIP message not whole (%d bytes)", p.Frame, len(p.Data))
				}
			}
			if st.Fragments != 4 || st.Reassembled != 2 || st.FragmentsExpired != 0 {
				t.Errorf("fragments %d reassembled %d expired %d, want 4 2 0", st.Fragments, st.Reassembled, st.FragmentsExpired)
			}
		}},
		// Frames 1+2: an IPv4-fragmented INVITE carrying SIP-I; frame 3: 100 Trying.
		{"sip-capture/sip-i.pcap", func(t *testing.T, pls []Payload, st Stats) {
			if len(pls) != 2 || pls[0].Frame != 2 || !strings.HasPrefix(string(pls[0].Data), "INVITE ") || !sipComplete(pls[0].Data) ||
				!strings.Contains(string(pls[0].Data), "application/isup") {
				t.Errorf("want the whole INVITE completed by frame 2, got %d payloads", len(pls))
			}
		}},
		// A single orphan fragment: nothing delivered, one datagram expired.
		{"sip-capture/sip-frag.pcap", func(t *testing.T, pls []Payload, st Stats) {
			if len(pls) != 0 || st.Fragments != 1 || st.FragmentsExpired != 1 {
				t.Errorf("%d payloads, fragments %d expired %d; want 0 1 1", len(pls), st.Fragments, st.FragmentsExpired)
			}
		}},
		// tshark: 7 TCP segments with data, 7 SIP messages, no retransmission.
		{"sipnab/sip-over-tcp.pcap", func(t *testing.T, pls []Payload, st Stats) {
			tcp := count(pls, func(p *Payload) bool { return p.Transport == TCP })
			sip := count(pls, func(p *Payload) bool { return p.Transport == TCP && isSIP(p) })
			if tcp != 7 || sip != 7 {
				t.Errorf("%d TCP chunks, %d starting a SIP message; want 7 7", tcp, sip)
			}
		}},
		// Linux SLL, GTP-U carrying VoLTE: tshark shows 17 SIP messages
		// (REGISTER ... BYE, MESSAGE) in 17 frames, over TCP and UDP.
		{"arkime/gtp-iphone.pcap", func(t *testing.T, pls []Payload, st Stats) {
			n := count(pls, func(p *Payload) bool { return p.GTPU && isSIP(p) })
			if n != 17 {
				t.Errorf("%d SIP messages inside GTP-U, want 17", n)
			}
			if st.GTPU != 106 || count(pls, func(p *Payload) bool { return !p.GTPU }) != 0 {
				t.Errorf("GTPU %d, want all 106 packets tunnelled", st.GTPU)
			}
		}},
		// tshark: 76 outer IPv4 fragments, 36 pairs reassembled, 4 first
		// fragments without their second (frames 56, 80, 90, 92); 39 inner
		// TCP segments with data.
		{"zeek/gtp1_gn_normal_incl_fragmentation.pcap", func(t *testing.T, pls []Payload, st Stats) {
			if st.Fragments != 76 || st.Reassembled != 36 || st.FragmentsExpired != 4 {
				t.Errorf("fragments %d reassembled %d expired %d, want 76 36 4", st.Fragments, st.Reassembled, st.FragmentsExpired)
			}
			if n := count(pls, func(p *Payload) bool { return p.GTPU && p.Transport == TCP }); n != 39 {
				t.Errorf("%d inner TCP chunks, want 39", n)
			}
		}},
		// 6 M3UA (draft 6) DATA messages, PPID 3: IAM CFN ACM ANM REL RLC.
		{"tcpdump/isup.pcap", func(t *testing.T, pls []Payload, st Stats) {
			if n := count(pls, func(p *Payload) bool { return p.Transport == SCTP && p.PPID == 3 }); n != 6 {
				t.Errorf("%d SCTP PPID 3 messages, want 6", n)
			}
		}},
		// tshark: 26 DATA chunks; 4 are duplicates of the chunk before them
		// (frames 22, 32, 42, 52); frames 65+66 are the B and E fragments
		// of one message: 21 messages, PPID 3 (M3UA) or 2 (M2UA).
		{"arkime/m3ua_synthetic.pcap", func(t *testing.T, pls []Payload, st Stats) {
			if len(pls) != 21 || st.SCTPDataDropped != 4 || st.SCTPChunks[0] != 26 {
				t.Errorf("%d messages, %d dropped of %d DATA chunks; want 21 4 26", len(pls), st.SCTPDataDropped, st.SCTPChunks[0])
			}
			if n := count(pls, func(p *Payload) bool { return p.PPID == 3 }); n != 18 {
				t.Errorf("%d PPID 3 messages, want 18", n)
			}
		}},
		// pcapng, Ethernet: 416 frames, all UDP.
		{"sipnab/b2bua-asterisk.pcapng", func(t *testing.T, pls []Payload, st Stats) {
			if len(pls) != 416 || pls[415].Frame != 416 {
				t.Errorf("%d payloads, want 416 numbered to 416", len(pls))
			}
		}},
		// PPPoE over Ethernet: 32 frames of UDP SIP.
		{"sipnab/DTMFsipinfo.pcap", func(t *testing.T, pls []Payload, st Stats) {
			if n := count(pls, isSIP); n != 32 {
				t.Errorf("%d SIP messages, want 32", n)
			}
		}},
		// Linux SLL with a garbage address length (1536): 835 RTP packets.
		{"sipnab/speech_8k_ulaw.pcap", func(t *testing.T, pls []Payload, st Stats) {
			if len(pls) != 835 {
				t.Errorf("%d payloads, want 835", len(pls))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			pls, errs, st, err := runFile(t, tc.file)
			if err != nil {
				t.Errorf("Run: %v", err)
			}
			if len(errs) > 0 {
				t.Errorf("decode errors: %v", errs)
			}
			tc.check(t, pls, st)
		})
	}
}
