package engine

import (
	"encoding/binary"
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/callsight/callsight/media/g711"
)

// A late offer: the INVITE carries no SDP, the 200 OK makes the offer and
// the ACK answers it. The callee's RTP must still be bound and analysed.
func TestLateOfferBindsAudio(t *testing.T) {
	f := newScript(t)
	send := f.send
	caller := netip.MustParseAddrPort("10.0.0.1:5060")
	callee := netip.MustParseAddrPort("10.0.0.2:5060")
	callerRTP := netip.MustParseAddrPort("10.0.0.1:40000")
	calleeRTP := netip.MustParseAddrPort("10.0.0.2:50000")
	msg := func(first, cseq, toTag, body string) []byte {
		ct := ""
		if body != "" {
			ct = "application/sdp"
		}
		return sipMessage(first, "late-offer-1", cseq, toTag, ct, body)
	}
	send(0, caller, callee, msg("INVITE sip:79161234567@10.0.0.2 SIP/2.0", "1 INVITE", "", ""))
	send(2*time.Second, callee, caller, msg("SIP/2.0 180 Ringing", "1 INVITE", "b2", ""))
	send(5*time.Second, callee, caller, msg("SIP/2.0 200 OK", "1 INVITE", "b2", pcmaSDP(calleeRTP)))
	send(5*time.Second+20*time.Millisecond, caller, callee, msg("ACK sip:79161234567@10.0.0.2 SIP/2.0", "1 ACK", "b2", pcmaSDP(callerRTP)))
	// 6 s of callee audio: a 1 s "hello" (a voiced buzz), then silence.
	pcm := make([]int16, 160)
	pkt := make([]byte, 12+160)
	for i := 0; i < 300; i++ {
		for j := range pcm {
			n := i*160 + j
			if i < 50 {
				pcm[j] = int16(6000 * math.Sin(2*math.Pi*150*float64(n)/8000) * (0.6 + 0.4*math.Sin(2*math.Pi*4*float64(n)/8000)))
			} else {
				pcm[j] = int16((n*7919)%61 - 30)
			}
		}
		pkt[0], pkt[1] = 0x80, 8
		binary.BigEndian.PutUint16(pkt[2:], uint16(i))
		binary.BigEndian.PutUint32(pkt[4:], uint32(i*160))
		binary.BigEndian.PutUint32(pkt[8:], 0xabc)
		g711.EncodeALaw(pkt[12:12], pcm)
		send(5*time.Second+100*time.Millisecond+time.Duration(i)*20*time.Millisecond, calleeRTP, callerRTP, pkt)
	}
	send(12*time.Second, caller, callee, msg("BYE sip:79161234567@10.0.0.2 SIP/2.0", "2 BYE", "b2", ""))
	f.finish()
	got := f.call("late-offer-1")
	if got.Audio == nil || !got.Audio.Analysed || got.Audio.Packets != 300 {
		t.Fatalf("audio %+v: want 300 analysed PCMA packets bound through the 200 OK's and the ACK's SDP", got.Audio)
	}
	t.Logf("outcome %s, audio class %s (%s)", got.Outcome, got.Audio.Class, got.Audio.Reason)
}
