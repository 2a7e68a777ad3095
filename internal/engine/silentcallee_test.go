package engine

import (
	"compress/gzip"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callsight/callsight/media/g711"
	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/pcaps/gen"
)

// udpView is what filterCapture shows of a captured UDP datagram.
type udpView struct {
	src          [4]byte
	sport, dport uint16
	payload      []byte
}

// filterCapture writes the committed capture name (gzipped classic pcap,
// Ethernet, IPv4) to a temporary pcap without the UDP datagrams drop says
// so of. It reads the format itself: only internal/capture may use
// gopacket (internal/deps).
func filterCapture(t *testing.T, name string, drop func(udpView) bool) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "pcaps", "audio", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 24 || binary.LittleEndian.Uint32(raw) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(raw[20:]) != 1 {
		t.Fatalf("%s: not a little-endian classic pcap of Ethernet", name)
	}
	out := append([]byte(nil), raw[:24]...)
	for off := 24; off+16 <= len(raw); {
		n := int(binary.LittleEndian.Uint32(raw[off+8:]))
		rec := raw[off : off+16+n]
		off += 16 + n
		if v, ok := udpOf(rec[16:]); ok && drop(v) {
			continue
		}
		out = append(out, rec...)
	}
	path := filepath.Join(t.TempDir(), strings.TrimSuffix(name, ".gz"))
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// udpOf finds the UDP datagram of an Ethernet frame carrying IPv4.
func udpOf(fr []byte) (udpView, bool) {
	if len(fr) < 14+20+8 || binary.BigEndian.Uint16(fr[12:]) != 0x0800 {
		return udpView{}, false
	}
	ip := fr[14:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[9] != 17 || len(ip) < ihl+8 {
		return udpView{}, false
	}
	u := ip[ihl:]
	v := udpView{sport: binary.BigEndian.Uint16(u), dport: binary.BigEndian.Uint16(u[2:]), payload: u[8:]}
	copy(v.src[:], ip[12:16])
	return v, true
}

// rtpFrom reports whether a UDP datagram is RTP from the generator's callee
// side (10.80.0.0/16, the corpus's RTP ports from 20000) or, with caller,
// from either side.
func rtpFrom(caller bool) func(udpView) bool {
	return func(v udpView) bool {
		if v.sport < 20000 && v.dport < 20000 {
			return false // SIP
		}
		return caller || v.src[0] == 10 && v.src[1] == 80
	}
}

// TestCalleeSendsNothing: the committed answered calls with every RTP
// packet of the callee removed, as a phone that suppresses its silence
// without comfort noise sends on a dead line. The caller's audio still
// reaches the capture, so the callee's line was silent: every answered
// call is silence, decided SilenceTimeout (3 s) after the answer as it
// would be live, with evidence that says why. With the caller's RTP
// removed too, the capture may simply not see the media: the calls stay
// answered, with no audio.
func TestCalleeSendsNothing(t *testing.T) {
	silent, _ := replayFiles(t, filterCapture(t, "audio-answered.pcap.gz", rtpFrom(false)))
	none, _ := replayFiles(t, filterCapture(t, "audio-answered.pcap.gz", rtpFrom(true)))
	if len(silent) == 0 || len(silent) != len(none) {
		t.Fatalf("%d calls without the callee's RTP, %d without any", len(silent), len(none))
	}
	for _, c := range silent {
		if c.Answer == nil {
			continue
		}
		if c.Outcome != outcome.Silence || c.Audio == nil || c.Audio.Codec != "none" || c.Audio.Packets != 0 {
			t.Errorf("call %s, callee silent: %s, audio %+v; want silence with codec none and no packet", c.CallID, c.Outcome, c.Audio)
			continue
		}
		if c.DecidedMS == nil || *c.DecidedMS < 3000 || *c.DecidedMS > 3200 {
			t.Errorf("call %s, callee silent: decided %v ms after the answer, want about 3000", c.CallID, c.DecidedMS)
		}
		said := false
		for _, ev := range c.Evidence {
			said = said || strings.Contains(ev.What, "the callee sent none")
		}
		if !said {
			t.Errorf("call %s, callee silent: no evidence says the callee sent no audio", c.CallID)
		}
	}
	for _, c := range none {
		if c.Answer != nil && (c.Outcome != outcome.Answered || c.Audio != nil) {
			t.Errorf("call %s, no RTP at all: %s, audio %+v; want answered, no audio", c.CallID, c.Outcome, c.Audio)
		}
	}
}

// TestSilenceSuppressedCallee: the committed answered and µ-law calls,
// replayed together, with the callee's quiet packets removed (under -40 dBFS, after 100 ms of hangover),
// as a phone that suppresses silence without comfort noise sends them.
// Every call keeps the outcome of its truth, and every person is a person
// within 1.2 s of the end of the first utterance: the quiet after it is
// heard as it comes (sweepIdle), not when the next packet or the hang-up
// does.
func TestSilenceSuppressedCallee(t *testing.T) {
	dropped, kept := 0, 0
	hang := map[[4]byte]int{} // per callee address: hangover packets left
	quiet := func(v udpView) bool {
		if !rtpFrom(false)(v) || len(v.payload) <= 12 {
			return false
		}
		pt, payload := v.payload[1]&0x7f, v.payload[12:]
		var sum float64
		for _, b := range payload {
			v := float64(g711.ALawToLinear(b))
			if pt == 0 {
				v = float64(g711.ULawToLinear(b))
			}
			sum += v * v
		}
		key := v.src
		if 10*math.Log10(sum/float64(len(payload))/(32768*32768)+1e-12) >= -40 {
			hang[key] = 5
			kept++
			return false
		}
		if hang[key] > 0 {
			hang[key]--
			kept++
			return false
		}
		dropped++
		return true
	}
	// Two captures in one replay, as a rotated set is: the second starts
	// earlier on the capture clock than the first ends.
	calls, _ := replayFiles(t, filterCapture(t, "audio-pcmu.pcap.gz", quiet), filterCapture(t, "audio-answered.pcap.gz", quiet))
	if dropped < 10*kept/100 {
		t.Fatalf("%d callee packets dropped of %d: the capture has little quiet to suppress", dropped, dropped+kept)
	}
	truth := map[string]gen.Truth{}
	for _, name := range []string{"audio-pcmu", "audio-answered"} {
		for _, tr := range readTruth(t, filepath.Join("..", "..", "pcaps", "audio", name+".truth.jsonl")) {
			truth[tr.CallID] = tr
		}
	}
	for _, c := range calls {
		tr, ok := truth[c.CallID]
		if !ok {
			continue
		}
		if string(c.Outcome) != tr.Outcome {
			t.Errorf("call %s, silence suppressed: %s, truth %s", c.CallID, c.Outcome, tr.Outcome)
			continue
		}
		if tr.Outcome == "human" {
			if u := tr.FirstUtteranceEndMS; c.DecidedMS == nil || u == nil || !u.Valid || *c.DecidedMS-u.V > 1200 {
				t.Errorf("call %s, silence suppressed: a person decided at %v ms, the first utterance ended at %+v", c.CallID, deref(c.DecidedMS), u)
			}
		}
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestIdleAfterFailedReINVITE: a callee sends 1 s of quiet after the
// answer and then nothing (silence suppression), the caller's audio goes
// on, and a re-INVITE is refused (488) before the caller hangs up at 8 s.
// A refused re-INVITE does not end the call: the quiet is still heard as
// it comes, and the call is dead air about 3 s after the answer, not at
// the hang-up.
func TestIdleAfterFailedReINVITE(t *testing.T) {
	s := newScript(t)
	s.answered(0, 2*time.Second, callerSig, calleeSig, "reinv-1")
	s.rtp(2020*time.Millisecond, calleeMed, callerMed, 0x1212, 50)
	s.rtp(2030*time.Millisecond, callerMed, calleeMed, 0x3434, 70) // (the script sends in capture order)
	s.sip(3500*time.Millisecond, callerSig, calleeSig, "reinv-1", "INVITE sip:79161234567@callee SIP/2.0", "3 INVITE", true, true)
	s.sip(3540*time.Millisecond, callerSig, calleeSig, "reinv-1", "SIP/2.0 488 Not Acceptable Here", "3 INVITE", true, false)
	s.rtp(3550*time.Millisecond, callerMed, calleeMed, 0x3435, 220)
	s.bye(8*time.Second, callerSig, calleeSig, "reinv-1")
	s.finish()
	c := s.call("reinv-1")
	if c.Outcome != outcome.Silence || c.DecidedMS == nil || *c.DecidedMS > 3500 {
		t.Errorf("outcome %s decided %v ms after the answer; want silence within 3.5 s (audio %+v)", c.Outcome, deref(c.DecidedMS), c.Audio)
	}
}
