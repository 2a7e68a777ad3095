package engine

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/internal/testcorpus"
	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/pcaps/gen"
)

// replayFiles replays captures into their calls, in emission order.
func replayFiles(t *testing.T, files ...string) ([]*outcome.Call, Stats) {
	t.Helper()
	var calls []*outcome.Call
	st := replayWith(t, DefaultConfig(), func(c *outcome.Call) { calls = append(calls, c) }, files...)
	return calls, st
}

// needAudioTools skips the test without the tools audio generation needs,
// and returns the TTS cache directory.
func needAudioTools(t *testing.T) string {
	t.Helper()
	for _, bin := range []string{"sox", "espeak-ng", "flite"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed: audio generation needs sox, espeak-ng and flite", bin)
		}
	}
	cache := os.Getenv("CALLSIGHT_TTS_CACHE")
	if cache == "" {
		if d, err := os.UserCacheDir(); err == nil {
			cache = filepath.Join(d, "callsight", "tts")
		}
	}
	return cache
}

// replayWith replays captures through one engine made with cfg, handing
// each call to onCall, and returns the engine's statistics.
func replayWith(t *testing.T, cfg Config, onCall func(*outcome.Call), files ...string) Stats {
	t.Helper()
	e, err := New(cfg, nil, nil, onCall)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ReplayFile(f, r); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	e.Finish()
	return e.Stats()
}

// The committed audio calls, generated again with their SDP behind a NAT
// (private addresses, half of them with rewritten ports) and without any
// SDP: learning must bind the same RTP and give the same verdicts as the
// calls with their SDP, and those of the truth.
func TestLearnedAudioEqualsSDP(t *testing.T) {
	cache := needAudioTools(t)
	dir := t.TempDir()
	files := []string{"audio-answered.pcap.gz", "audio-pcmu.pcap.gz", "audio-progress.pcap.gz", "audio-impaired.pcap.gz"}
	byVariant := map[string][]*outcome.Call{}
	var truth []gen.Truth
	for _, v := range []string{gen.SDPAsSent, gen.SDPNAT, gen.SDPNone} {
		names, err := gen.AudioSDP(dir, gen.DefaultConfig(), gen.AudioSDPOptions{AudioOptions: gen.AudioOptions{CacheDir: cache}, SDP: v, Files: files})
		if err != nil {
			t.Fatal(err)
		}
		var caps []string
		for _, n := range names {
			if filepath.Ext(n) == ".gz" {
				caps = append(caps, filepath.Join(dir, n))
			} else if v == gen.SDPAsSent {
				truth = append(truth, readTruth(t, filepath.Join(dir, n))...)
			}
		}
		// One engine per capture: the captures reuse addresses and times.
		var learned uint64
		for _, c := range caps {
			calls, st := replayFiles(t, c)
			byVariant[v] = append(byVariant[v], calls...)
			learned += st.AudioLearned
		}
		if v != gen.SDPAsSent && learned != uint64(len(truth)) {
			t.Errorf("%s: %d calls learned, want %d", v, learned, len(truth))
		}
		if v == gen.SDPAsSent && learned != 0 {
			t.Errorf("SDP as sent: %d calls learned, want 0", learned)
		}
	}
	want := byVariant[gen.SDPAsSent]
	if len(want) != len(truth) {
		t.Fatalf("%d calls, truth has %d", len(want), len(truth))
	}
	type verdict struct {
		CallID, Outcome, Class string
		Packets                uint64
		DecidedMS, BeepEndMS   int64
	}
	of := func(c *outcome.Call) verdict {
		v := verdict{CallID: c.CallID, Outcome: string(c.Outcome), DecidedMS: -1, BeepEndMS: -1}
		if c.Audio != nil {
			v.Class, v.Packets = c.Audio.Class, c.Audio.Packets
		}
		if c.DecidedMS != nil {
			v.DecidedMS = *c.DecidedMS
		}
		if c.BeepEndMS != nil {
			v.BeepEndMS = *c.BeepEndMS
		}
		return v
	}
	right := 0
	for i, c := range want {
		if c.Audio == nil || c.Audio.Bound != "" {
			t.Errorf("SDP as sent, call %s: audio %+v, want bound through SDP", c.CallID, c.Audio)
		}
		if string(c.Outcome) == truth[i].Outcome {
			right++
		}
	}
	t.Logf("SDP as sent: %d of %d calls as the truth says", right, len(truth))
	for _, v := range []string{gen.SDPNAT, gen.SDPNone} {
		got := byVariant[v]
		if len(got) != len(want) {
			t.Fatalf("%s: %d calls, want %d", v, len(got), len(want))
		}
		for i := range want {
			g, w := of(got[i]), of(want[i])
			if g != w {
				t.Errorf("%s: call %d: %+v, with SDP %+v", v, i, g, w)
			}
			if g.Outcome != truth[i].Outcome && w.Outcome == truth[i].Outcome {
				t.Errorf("%s: call %s: %s, truth %s", v, g.CallID, g.Outcome, truth[i].Outcome)
			}
			if a := got[i].Audio; a == nil || a.Bound != "learned" {
				t.Errorf("%s: call %s: audio %+v, want bound \"learned\"", v, g.CallID, a)
			}
		}
	}
}

func readTruth(t *testing.T, name string) []gen.Truth {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []gen.Truth
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var tr gen.Truth
		if err := json.Unmarshal(sc.Bytes(), &tr); err != nil {
			t.Fatal(err)
		}
		out = append(out, tr)
	}
	return out
}

// sipScript feeds hand-made SIP and RTP to an engine, on capture time.
type sipScript struct {
	t     *testing.T
	e     *Engine
	t0    time.Time
	frame int64
	calls map[string]*outcome.Call
}

func newScript(t *testing.T) *sipScript {
	s := &sipScript{t: t, t0: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), calls: map[string]*outcome.Call{}}
	e, err := New(DefaultConfig(), nil, nil, func(c *outcome.Call) { s.calls[c.CallID] = c })
	if err != nil {
		t.Fatal(err)
	}
	s.e = e
	return s
}

func (s *sipScript) send(at time.Duration, src, dst netip.AddrPort, data []byte) {
	s.frame++
	s.e.Payload(&capture.Payload{Frame: s.frame, Time: s.t0.Add(at), Transport: capture.UDP, Src: src, Dst: dst, Data: data})
}

// sip sends one SIP message of dialog callID without a body; fromCaller
// says whose From tag and direction.
func (s *sipScript) sip(at time.Duration, caller, callee netip.AddrPort, callID, first, cseq string, toTag bool, fromCaller bool) {
	to := "<sip:79161234567@callee>"
	if toTag {
		to += ";tag=b2"
	}
	src, dst := caller, callee
	if !fromCaller {
		src, dst = callee, caller
	}
	s.send(at, src, dst, []byte(fmt.Sprintf("%s\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK1\r\nFrom: <sip:74951112233@caller>;tag=a1\r\nTo: %s\r\n"+
		"Call-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n", first, src, to, callID, cseq)))
}

// answered sends INVITE, 180 and 200 at answer, ACK: a call without SDP.
func (s *sipScript) answered(at, answer time.Duration, caller, callee netip.AddrPort, callID string) {
	s.sip(at, caller, callee, callID, "INVITE sip:79161234567@callee SIP/2.0", "1 INVITE", false, true)
	s.sip(at+time.Second, caller, callee, callID, "SIP/2.0 180 Ringing", "1 INVITE", true, false)
	s.sip(answer, caller, callee, callID, "SIP/2.0 200 OK", "1 INVITE", true, false)
	s.sip(answer+20*time.Millisecond, caller, callee, callID, "ACK sip:79161234567@callee SIP/2.0", "1 ACK", true, true)
}

func (s *sipScript) bye(at time.Duration, caller, callee netip.AddrPort, callID string) {
	s.sip(at, caller, callee, callID, "BYE sip:79161234567@callee SIP/2.0", "2 BYE", true, true)
}

// rtp sends n 20 ms PCMA packets of low noise from src to dst from at.
func (s *sipScript) rtp(at time.Duration, src, dst netip.AddrPort, ssrc uint32, n int) {
	for i := 0; i < n; i++ {
		pkt := make([]byte, 12+160)
		pkt[0], pkt[1] = 0x80, 8
		binary.BigEndian.PutUint16(pkt[2:], uint16(i))
		binary.BigEndian.PutUint32(pkt[4:], uint32(i*160))
		binary.BigEndian.PutUint32(pkt[8:], ssrc)
		for j := range pkt[12:] {
			pkt[12+j] = 0xd5 ^ byte(j%3)
		}
		s.send(at+time.Duration(i)*20*time.Millisecond, src, dst, pkt)
	}
}

// pcmaSDP is an SDP body offering PCMA audio at addr.
func pcmaSDP(addr netip.AddrPort) string {
	return fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n",
		addr.Addr(), addr.Addr(), addr.Port())
}

// sipMessage is a SIP message of the test dialog callID between
// 74951112233@10.0.0.1 and 79161234567@10.0.0.2: first is its start line,
// contentType "" when body is empty.
func sipMessage(first, callID, cseq, toTag, contentType, body string) []byte {
	to := "<sip:79161234567@10.0.0.2>"
	if toTag != "" {
		to += ";tag=" + toTag
	}
	if contentType != "" {
		contentType = "Content-Type: " + contentType + "\r\n"
	}
	return []byte(fmt.Sprintf("%s\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:74951112233@10.0.0.1>;tag=a1\r\nTo: %s\r\n"+
		"Call-ID: %s\r\nCSeq: %s\r\n%sContent-Length: %d\r\n\r\n%s", first, to, callID, cseq, contentType, len(body), body))
}

func (s *sipScript) finish() Stats {
	s.e.Finish()
	return s.e.Stats()
}

func (s *sipScript) call(id string) *outcome.Call {
	c := s.calls[id]
	if c == nil {
		s.t.Fatalf("no call %s", id)
	}
	return c
}

var (
	callerSig = netip.MustParseAddrPort("10.0.0.1:5060")
	calleeSig = netip.MustParseAddrPort("10.0.0.2:5060")
	callerMed = netip.MustParseAddrPort("10.0.0.1:40000")
	calleeMed = netip.MustParseAddrPort("10.0.0.2:50000")
	relayA    = netip.MustParseAddrPort("192.0.2.7:30000")
	relayB    = netip.MustParseAddrPort("198.51.100.9:31000")
)

// A stray RTP flow that two open calls could own equally is bound to
// neither, and counted.
func TestLearnAmbiguousNotBound(t *testing.T) {
	t.Run("same signaling hosts", func(t *testing.T) {
		s := newScript(t)
		s.answered(0, 3*time.Second, callerSig, calleeSig, "amb-1")
		s.answered(500*time.Millisecond, 3500*time.Millisecond, callerSig, calleeSig, "amb-2")
		s.rtp(4*time.Second, calleeMed, callerMed, 0x1111, 100)
		s.bye(7*time.Second, callerSig, calleeSig, "amb-1")
		s.bye(7*time.Second, callerSig, calleeSig, "amb-2")
		st := s.finish()
		for _, id := range []string{"amb-1", "amb-2"} {
			if a := s.call(id).Audio; a != nil {
				t.Errorf("%s: audio %+v, want none: the flow could be either call's", id, a)
			}
		}
		if st.AudioLearned != 0 || st.LearnAmbiguous != 1 {
			t.Errorf("learned %d, ambiguous %d; want 0 and 1", st.AudioLearned, st.LearnAmbiguous)
		}
	})
	t.Run("unrelated hosts", func(t *testing.T) {
		s := newScript(t)
		s.answered(0, 3*time.Second, callerSig, calleeSig, "amb-3")
		other := netip.MustParseAddrPort("10.0.9.1:5060")
		s.answered(0, 3*time.Second, other, calleeSig, "amb-4")
		s.rtp(2*time.Second, relayA, relayB, 0x2222, 100) // early media, but for which call?
		s.bye(7*time.Second, callerSig, calleeSig, "amb-3")
		s.bye(7*time.Second, other, calleeSig, "amb-4")
		st := s.finish()
		if s.call("amb-3").Audio != nil || s.call("amb-4").Audio != nil || st.LearnAmbiguous != 1 {
			t.Errorf("audio %v %v, ambiguous %d: want none bound, 1 ambiguous", s.call("amb-3").Audio, s.call("amb-4").Audio, st.LearnAmbiguous)
		}
	})
}

// With relayed media (no address in common with the signaling) and a
// single open call, only early media has a direction: a pair of flows that
// both start after answer is left alone.
func TestLearnRelayedEarlyMediaOnly(t *testing.T) {
	s := newScript(t)
	s.answered(0, 4*time.Second, callerSig, calleeSig, "relay-1")
	s.rtp(1500*time.Millisecond, relayA, relayB, 0x3333, 200) // 183-style early media, then the call
	s.rtp(4100*time.Millisecond, relayB, relayA, 0x4444, 50)  // the caller's audio after answer
	s.bye(6*time.Second, callerSig, calleeSig, "relay-1")
	s.answered(10*time.Second, 12*time.Second, callerSig, calleeSig, "relay-2")
	s.rtp(12100*time.Millisecond, relayA, relayB, 0x5555, 50)
	s.rtp(12110*time.Millisecond, relayB, relayA, 0x6666, 50)
	s.bye(14*time.Second, callerSig, calleeSig, "relay-2")
	st := s.finish()
	if a := s.call("relay-1").Audio; a == nil || a.Bound != "learned" || a.Packets != 200 {
		t.Errorf("relay-1: audio %+v, want the 200 packets of the early flow, learned", a)
	}
	if a := s.call("relay-2").Audio; a != nil {
		t.Errorf("relay-2: audio %+v, want none: two flows after answer have no direction", a)
	}
	if st.AudioLearned != 1 {
		t.Errorf("learned %d, want 1", st.AudioLearned)
	}
}

// A flow that is ambiguous at first binds once the other candidate is
// released, and its first packets are replayed, on capture time.
func TestLearnReplaysFirstPackets(t *testing.T) {
	s := newScript(t)
	s.answered(0, 3*time.Second, callerSig, calleeSig, "late-1")
	s.answered(0, 3*time.Second, callerSig, calleeSig, "late-2")
	s.sip(3050*time.Millisecond, callerSig, calleeSig, "late-2", "BYE sip:79161234567@callee SIP/2.0", "2 BYE", true, true)
	s.rtp(3*time.Second, calleeMed, callerMed, 0x7777, 150) // ambiguous for 50 ms, then late-1's
	s.rtp(3*time.Second+5*time.Millisecond, callerMed, calleeMed, 0x8888, 150)
	s.bye(7*time.Second, callerSig, calleeSig, "late-1")
	st := s.finish()
	a := s.call("late-1").Audio
	if a == nil || a.Packets != 150 || a.Lost != 0 || a.Bound != "learned" {
		t.Fatalf("late-1: audio %+v, want all 150 packets of the callee's flow, none lost", a)
	}
	if s.call("late-2").Audio != nil || st.AudioLearned != 1 {
		t.Errorf("late-2 audio %+v, learned %d: want none, 1", s.call("late-2").Audio, st.AudioLearned)
	}
}

// A capture that starts after the INVITE: the 200 OK (without SDP)
// opens the call and its RTP is learned between the signaling hosts.
func TestLearnMidCall(t *testing.T) {
	s := newScript(t)
	s.sip(0, callerSig, calleeSig, "mid-1", "SIP/2.0 200 OK", "1 INVITE", true, false)
	s.rtp(50*time.Millisecond, calleeMed, callerMed, 0x9999, 100)
	s.rtp(60*time.Millisecond, callerMed, calleeMed, 0xaaaa, 100)
	s.bye(3*time.Second, callerSig, calleeSig, "mid-1")
	s.finish()
	if a := s.call("mid-1").Audio; a == nil || a.Packets != 100 || a.Bound != "learned" {
		t.Errorf("mid-1: audio %+v, want the callee's 100 packets, learned", a)
	}
}

// The relayed capture of the shared corpus (SIP_CALL_RTP_G711): its first
// call is bound through SDP; the second's only candidate flow began before
// its INVITE, so nothing is learned.
func TestLearnRelayedCapture(t *testing.T) {
	calls, st := replayFiles(t, testcorpus.File(t, "sipnab/SIP_CALL_RTP_G711"))
	if st.AudioLearned != 0 {
		for _, c := range calls {
			if c.Audio != nil {
				t.Logf("%s: %+v", c.CallID, c.Audio)
			}
		}
		t.Errorf("learned %d streams, want 0", st.AudioLearned)
	}
	if len(calls) != 2 || calls[0].Audio == nil || calls[1].Audio != nil {
		t.Errorf("calls %d, want 2: the first with audio from SDP, the second without", len(calls))
	}
}
