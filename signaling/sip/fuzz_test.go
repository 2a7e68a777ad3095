package sip

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func FuzzDecode(f *testing.F) {
	for _, h := range []string{hexAaa480, hexTcpBye, hexG711Invite, hexG711OK, hexG711Bye, hexV6183, hexV6Prack, hexSipI, hexPpReqBye, hexZeekBadCL, hexPp503} {
		f.Add(mustHex(f, h))
	}
	f.Add([]byte("BYE sip:bob@h SIP/2.0\nv: SIP/2.0/UDP h;branch=z9hG4bKx\ni: lf@h\nCSeq: 2 BYE\nReason: Q.850;text=\"a,b\";cause=16, SIP;cause=600\nl: 0\n\n"))
	f.Add(request("Content-Type: multipart/mixed;boundary=b\n", "--b\r\nContent-Type: application/isup;version=x\r\n\r\n\x01\x02\r\n--b--\r\n"))
	var reused Message
	f.Fuzz(func(t *testing.T, b []byte) {
		var fresh Message
		errF := fresh.Decode(b)
		errR := reused.Decode(b)
		if fmt.Sprint(errF) != fmt.Sprint(errR) {
			t.Fatalf("errors differ: fresh %v reused %v", errF, errR)
		}
		if diff := cmp.Diff(summarize(&fresh), summarize(&reused), cmpOpts); diff != "" {
			t.Fatalf("reused differs (-fresh +reused):\n%s", diff)
		}
		_ = Digits(fresh.FromUser)
	})
}

func BenchmarkDecodeInvite(b *testing.B) {
	data := mustHex(b, hexG711Invite)
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := m.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode200OK(b *testing.B) {
	data := mustHex(b, hexG711OK)
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := m.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSIPI(b *testing.B) {
	data := mustHex(b, hexSipI)
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := m.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLooksLikeSIPRTP(b *testing.B) {
	rtp := mustHex(b, "80000001000000a0deadbeefd5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5")
	b.ReportAllocs()
	b.SetBytes(int64(len(rtp)))
	for b.Loop() {
		if LooksLikeSIP(rtp) {
			b.Fatal("RTP looks like SIP")
		}
	}
}

func BenchmarkLooksLikeSIPInvite(b *testing.B) {
	data := mustHex(b, hexG711Invite)
	b.ReportAllocs()
	for b.Loop() {
		if !LooksLikeSIP(data) {
			b.Fatal("INVITE does not look like SIP")
		}
	}
}

func BenchmarkFramer(b *testing.B) {
	stream := []byte(fBye + fInv + fLF)
	var f Framer
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	n := 0
	for b.Loop() {
		_ = f.Write(stream, func([]byte) { n++ })
	}
}
