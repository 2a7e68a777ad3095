package gen

import (
	"os"
	"testing"
	"time"
)

func TestExp(t *testing.T) {
	for i, v := range []struct{ ct string; body []byte }{
		{"application/isup;version=itu-t92+", rel(4, 17, nil)},
		{"application/isup", rel(4, 17, nil)},
		{"application/isup;version=itu-t92+", []byte("abc")},
		{"application/foo", rel(4, 17, nil)},
	} {
		f, _ := os.Create("/tmp/exp" + string(rune('0'+i)) + ".pcap")
		cw := newCapWriter(f, fmtPcapMicro, []link{{typ: linkEthernet}})
		n := newNetw(cw, 1, time.Microsecond)
		msg := sipMsg("SIP/2.0 486 Busy Here", []string{"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1", "From: <sip:1@x>;tag=1", "To: <sip:2@x>;tag=2", "Call-ID: a@b", "CSeq: 1 INVITE", "Content-Type: " + v.ct}, v.body, false, -1, false)
		n.sendUDP(DefaultConfig().Start, 0, ap("10.0.0.2:5060"), ap("10.0.0.1:5060"), msg)
		n.run()
		f.Close()
	}
}
