package engine

import (
	"net/netip"
	"strings"
	"testing"
	"time"
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
		f := newFeeder(t)
		send := f.send
		caller := netip.MustParseAddrPort("10.0.0.1:5060")
		callee := netip.MustParseAddrPort("10.0.0.2:5060")
		sdp := func(addr string) string {
			return "v=0\r\no=- 1 1 IN IP4 " + addr + "\r\ns=-\r\nc=IN IP4 " + addr + "\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
		}
		msg := func(first, cseq, toTag, ct, body string) []byte {
			return sipMessage(first, "fwd-sipi-1", cseq, toTag, ct, body)
		}
		// CPG (0x2c): event information, then no optional part (pointer 0).
		cpg := string([]byte{0x2c, tc.event, 0x00})
		send(0, caller, callee, msg("INVITE sip:79161234567@10.0.0.2 SIP/2.0", "1 INVITE", "", "application/sdp", sdp("10.0.0.1")))
		send(time.Second, callee, caller, msg("SIP/2.0 183 Session Progress", "1 INVITE", "b2", "application/ISUP;version=itu-t92+;base=itu-t92+", cpg))
		send(3*time.Second, callee, caller, msg("SIP/2.0 200 OK", "1 INVITE", "b2", "application/sdp", sdp("10.0.0.2")))
		send(9*time.Second, caller, callee, msg("BYE sip:79161234567@10.0.0.2 SIP/2.0", "2 BYE", "b2", "", ""))
		f.e.Finish()
		got := f.got
		if got == nil {
			t.Fatal("no call")
		}
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
