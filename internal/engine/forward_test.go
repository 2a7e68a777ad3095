package engine

import (
	"encoding/binary"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/callsight/callsight/media/g711"
	"github.com/callsight/callsight/outcome"
)

// A SIP-I call whose 183 carries an ISUP CPG "call forwarded on no reply"
// (Q.763 event indicator 5): the network forwarded it before the answer,
// and the call's evidence says so and that a voicemail is likely. A CPG
// with "progress" (event 2) says nothing of the kind.
func TestSIPIForwardingEvidence(t *testing.T) {
	for _, tc := range []struct {
		event byte
		want  string
	}{{5, "forwarded on no reply before the answer: a voicemail is likely"}, {2, ""}} {
		f := newScript(t)
		send := f.send
		caller := netip.MustParseAddrPort("10.0.0.1:5060")
		callee := netip.MustParseAddrPort("10.0.0.2:5060")
		msg := func(first, cseq, toTag, ct, body string) []byte {
			return sipMessage(first, "fwd-sipi-1", cseq, toTag, ct, body)
		}
		// CPG (0x2c): event information, then no optional part (pointer 0).
		cpg := string([]byte{0x2c, tc.event, 0x00})
		send(0, caller, callee, msg("INVITE sip:79161234567@10.0.0.2 SIP/2.0", "1 INVITE", "", "application/sdp", pcmaSDP(netip.MustParseAddrPort("10.0.0.1:40000"))))
		send(time.Second, callee, caller, msg("SIP/2.0 183 Session Progress", "1 INVITE", "b2", "application/ISUP;version=itu-t92+;base=itu-t92+", cpg))
		send(3*time.Second, callee, caller, msg("SIP/2.0 200 OK", "1 INVITE", "b2", "application/sdp", pcmaSDP(netip.MustParseAddrPort("10.0.0.2:40000"))))
		send(9*time.Second, caller, callee, msg("BYE sip:79161234567@10.0.0.2 SIP/2.0", "2 BYE", "b2", "", ""))
		f.finish()
		got := f.call("fwd-sipi-1")
		found := ""
		for _, ev := range got.Evidence {
			if strings.HasPrefix(ev.What, "forwarded") {
				found = ev.What
			}
		}
		if tc.want == "" && found != "" || tc.want != "" && !strings.Contains(found, tc.want) {
			t.Errorf("CPG event %d: forwarding evidence %q, want %q", tc.event, found, tc.want)
		}
	}
}

// A SIP-I call forwarded because the phone was not reachable (the ACM's
// redirection information, reason 6): outcome rule 4 makes it switched
// off, the network's announcement. When a voicemail answers instead, a
// greeting and a beep, the call is a machine; an answered call with a
// short hello and no beep stays switched off.
func TestNotReachableVoicemail(t *testing.T) {
	for _, tc := range []struct {
		name     string
		greeting time.Duration
		beep     bool
		want     outcome.Outcome
	}{{"voicemail", 3 * time.Second, true, outcome.Machine}, {"no beep", 700 * time.Millisecond, false, outcome.SwitchedOff}} {
		f := newScript(t)
		caller := netip.MustParseAddrPort("10.0.0.1:5060")
		callee := netip.MustParseAddrPort("10.0.0.2:5060")
		callerRTP := netip.MustParseAddrPort("10.0.0.1:40000")
		calleeRTP := netip.MustParseAddrPort("10.0.0.2:40000")
		msg := func(first, cseq, toTag, ct, body string) []byte {
			return sipMessage(first, "fwd-unreachable-"+tc.name, cseq, toTag, ct, body)
		}
		// ACM (0x06): backward call indicators, pointer 1 to the optional
		// part, redirection information (0x13): diverted (3), redirecting
		// reason 6 with counter 1; end of optional parameters.
		acm := string([]byte{0x06, 0x16, 0x14, 0x01, 0x13, 0x02, 0x03, 0x61, 0x00})
		f.send(0, caller, callee, msg("INVITE sip:79161234567@10.0.0.2 SIP/2.0", "1 INVITE", "", "application/sdp", pcmaSDP(netip.MustParseAddrPort("10.0.0.1:40000"))))
		f.send(time.Second, callee, caller, msg("SIP/2.0 180 Ringing", "1 INVITE", "b2", "application/ISUP;version=itu-t92+;base=itu-t92+", acm))
		f.send(3*time.Second, callee, caller, msg("SIP/2.0 200 OK", "1 INVITE", "b2", "application/sdp", pcmaSDP(netip.MustParseAddrPort("10.0.0.2:40000"))))
		pcm := voicemailAudio(tc.greeting, tc.beep)
		pkt := make([]byte, 12+160)
		for i := 0; (i+1)*160 <= len(pcm); i++ {
			pkt[0], pkt[1] = 0x80, 8
			binary.BigEndian.PutUint16(pkt[2:], uint16(i))
			binary.BigEndian.PutUint32(pkt[4:], uint32(i*160))
			binary.BigEndian.PutUint32(pkt[8:], 0xabc)
			g711.EncodeALaw(pkt[12:12], pcm[i*160:(i+1)*160])
			f.send(3*time.Second+20*time.Millisecond+time.Duration(i)*20*time.Millisecond, calleeRTP, callerRTP, pkt)
		}
		end := 3*time.Second + time.Duration(len(pcm))*time.Second/8000 + 100*time.Millisecond
		f.send(end, caller, callee, msg("BYE sip:79161234567@10.0.0.2 SIP/2.0", "2 BYE", "b2", "", ""))
		f.finish()
		got := f.call("fwd-unreachable-" + tc.name)
		if got.Audio == nil {
			t.Fatalf("%s: no audio: %+v", tc.name, got)
		}
		if got.Outcome != tc.want {
			t.Errorf("%s: outcome %s (audio %s, %s, beep heard %v), want %s", tc.name, got.Outcome, got.Audio.Class, got.Audio.Reason, got.BeepEndMS != nil, tc.want)
		}
	}
}

// voicemailAudio is 300 ms of line noise, a voice-like greeting of length
// greeting (syllables of a buzz with gliding pitch, short gaps), 500 ms of
// quiet, a 1 kHz beep of 300 ms when beep, and 2 s of quiet, at 8 kHz.
func voicemailAudio(greeting time.Duration, beep bool) []int16 {
	var x []float64
	quiet := func(n int) {
		for i := range n {
			x = append(x, 30*math.Sin(float64(len(x)+i)*0.7)) // a faint hum: not digital silence
		}
	}
	quiet(2400)
	rng := uint32(7)
	next := func() float64 { rng = rng*1664525 + 1013904223; return float64(rng>>8) / (1 << 24) }
	for n := int(greeting.Seconds() * 8000); n > 0; {
		f0, syl := 100+next()*120, int(8*(80+next()*200))
		ph := 0.0
		for i := range min(syl, n) {
			ph += 2 * math.Pi * f0 * (1 + 0.15*float64(i)/float64(syl)) / 8000
			v := 0.0
			for h := 1; h <= 12; h++ {
				v += math.Sin(float64(h)*ph) / float64(h)
			}
			env := math.Sin(math.Pi * float64(i) / float64(syl))
			x = append(x, 6000*v*env)
		}
		n -= syl
		gap := int(8 * (30 + next()*90))
		quiet(gap)
		n -= gap
	}
	quiet(4000)
	if beep {
		for i := range 2400 {
			x = append(x, 8000*math.Sin(2*math.Pi*1000*float64(i)/8000))
		}
	}
	quiet(16000)
	pcm := make([]int16, len(x))
	for i, v := range x {
		pcm[i] = int16(max(-32767, min(32767, v)))
	}
	return pcm
}
