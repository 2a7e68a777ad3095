package sdp

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

var (
	// sipnab/sip-rtp-g711.pcap frame 4: SDP of the 200 OK.
	sdpG711OK = crlf("v=0\no=FreeSWITCH 1480144037 1480144038 IN IP4 10.0.2.15\ns=FreeSWITCH\nc=IN IP4 10.0.2.15\nt=0 0\n" +
		"m=audio 27942 RTP/AVP 0 101\na=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16\na=sendonly\na=ptime:20\n")
	// pcapplusplus/sdp.pcap frame 1: audio and T.38 image.
	sdpAudioImage = crlf("v=0\no=IPP 782647527 782647407 IN IP4 10.33.6.100\ns=Phone-Call\nc=IN IP4 10.33.6.100\nt=0 0\n" +
		"m=audio 6010 RTP/AVP 8 96\na=rtpmap:8 PCMA/8000\na=rtpmap:96 telephone-event/8000\na=fmtp:96 0-15,16\na=ptime:20\na=sendrecv\n" +
		"m=image 6012 udptl t38\na=T38FaxVersion:0\na=T38MaxBitRate:14400\na=T38FaxMaxBuffer:1024\na=T38FaxMaxDatagram:238\n" +
		"a=T38FaxRateManagement:transferredTCF\na=T38FaxUdpEC:t38UDPRedundancy\n")
	// sngrep/ipv6frag.pcap frame 6: 183 SDP over IPv6, LF-only in the capture.
	sdpIPv6 = []byte("v=0\no=user1 53655765 2353687637 IN IP6 [fd17:625c:f037:2:a00:27ff:feb9:4222]\ns=-\n" +
		"c=IN IP6 fd17:625c:f037:2:a00:27ff:feb9:4222\nt=0 0\nm=audio 25062 RTP/AVP 100 121\n" +
		"a=rtpmap:100 AMR-WB/16000\na=fmtp:100 mode-set=\"0,1,2\";octet-align=0\na=rtpmap:121 telephone-event/16000\n")
	// sip-capture/sip-i.pcap frame 2: SDP part of the SIP-I multipart body.
	sdpSonus = crlf("v=0\no=Sonus_UAC 883368 239328 IN IP4 216.221.155.72\ns=SIP Media Capabilities\nc=IN IP4 216.221.155.74\nt=0 0\n" +
		"m=audio 50550 RTP/AVP 0 18 101\na=rtpmap:0 PCMU/8000\na=rtpmap:18 G729/8000\na=rtpmap:101 telephone-event/8000\n" +
		"a=fmtp:101 0-15\na=sendrecv\na=maxptime:20\n")
)

func TestDecode(t *testing.T) {
	ip := netip.MustParseAddr
	tests := []struct {
		name string
		in   []byte
		want Session
	}{
		{"g711 sendonly", sdpG711OK, Session{
			Origin: "FreeSWITCH 1480144037 1480144038 IN IP4 10.0.2.15", Conn: ip("10.0.2.15"),
			Media: []Media{{Type: "audio", Port: 27942, Proto: "RTP/AVP", Formats: []string{"0", "101"},
				RTPMap: []RTPMap{{0, "PCMU", 8000, 0}, {101, "telephone-event", 8000, 0}}, Ptime: 20, Direction: "sendonly"}},
		}},
		{"audio and T.38", sdpAudioImage, Session{
			Origin: "IPP 782647527 782647407 IN IP4 10.33.6.100", Conn: ip("10.33.6.100"),
			Media: []Media{
				{Type: "audio", Port: 6010, Proto: "RTP/AVP", Formats: []string{"8", "96"},
					RTPMap: []RTPMap{{8, "PCMA", 8000, 0}, {96, "telephone-event", 8000, 0}}, Ptime: 20, Direction: "sendrecv"},
				{Type: "image", Port: 6012, Proto: "udptl", Formats: []string{"t38"}, Direction: "sendrecv"},
			},
		}},
		{"IPv6 LF-only AMR-WB", sdpIPv6, Session{
			Origin: "user1 53655765 2353687637 IN IP6 [fd17:625c:f037:2:a00:27ff:feb9:4222]",
			Conn:   ip("fd17:625c:f037:2:a00:27ff:feb9:4222"),
			Media: []Media{{Type: "audio", Port: 25062, Proto: "RTP/AVP", Formats: []string{"100", "121"},
				RTPMap: []RTPMap{{100, "AMR-WB", 16000, 0}, {121, "telephone-event", 16000, 0}}, Direction: "sendrecv"}},
		}},
		{"sonus", sdpSonus, Session{
			Origin: "Sonus_UAC 883368 239328 IN IP4 216.221.155.72", Conn: ip("216.221.155.74"),
			Media: []Media{{Type: "audio", Port: 50550, Proto: "RTP/AVP", Formats: []string{"0", "18", "101"},
				RTPMap: []RTPMap{{0, "PCMU", 8000, 0}, {18, "G729", 8000, 0}, {101, "telephone-event", 8000, 0}}, Direction: "sendrecv"}},
		}},
		{"media-level c=, session direction and ptime, port count, channels", crlf("v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\n" +
			"c=IN IP4 192.0.2.1\na=recvonly\na=ptime:30\nt=0 0\nx-unknown\n" +
			"m=audio 4000/2 RTP/AVP 111\nc=IN IP4 198.51.100.7/127\na=rtpmap:111 opus/48000/2\n" +
			"m=video 0 RTP/AVP 96\na=inactive\na=ptime:40\n"), Session{
			Origin: "- 1 1 IN IP4 0.0.0.0", Conn: ip("192.0.2.1"), Direction: "recvonly",
			Media: []Media{
				{Type: "audio", Port: 4000, Proto: "RTP/AVP", Formats: []string{"111"}, Conn: ip("198.51.100.7"),
					RTPMap: []RTPMap{{111, "opus", 48000, 2}}, Ptime: 30, Direction: "recvonly"},
				{Type: "video", Port: 0, Proto: "RTP/AVP", Formats: []string{"96"}, Ptime: 40, Direction: "inactive"},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Session
			err := s.Decode(tt.in)
			if tt.name == "media-level c=, session direction and ptime, port count, channels" {
				if !errors.Is(err, ErrMalformed) { // the "x-unknown" line
					t.Errorf("Decode error = %v, want ErrMalformed for a line without '='", err)
				}
			} else if err != nil {
				t.Fatalf("Decode(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, s, cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.Addr{})); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAddrAndEncoding(t *testing.T) {
	var s Session
	if err := s.Decode(crlf("v=0\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 0 8 18 99\na=rtpmap:99 AMR/8000\nm=audio 5000 RTP/AVP 0\nc=IN IP6 2001:db8::1\n")); err != nil {
		t.Fatal(err)
	}
	if got, want := s.Media[0].Addr(&s), netip.MustParseAddrPort("192.0.2.1:4000"); got != want {
		t.Errorf("Addr = %v, want %v", got, want)
	}
	if got, want := s.Media[1].Addr(&s), netip.MustParseAddrPort("[2001:db8::1]:5000"); got != want {
		t.Errorf("Addr = %v, want %v", got, want)
	}
	if got := (Media{Port: 1}).Addr(&Session{}); got.IsValid() {
		t.Errorf("Addr without any c= = %v, want invalid", got)
	}
	for _, tt := range []struct {
		pt   uint8
		name string
		rate int
	}{{0, "PCMU", 8000}, {8, "PCMA", 8000}, {18, "G729", 8000}, {99, "AMR", 8000}, {100, "", 0}} {
		if n, r := s.Media[0].Encoding(tt.pt); n != tt.name || r != tt.rate {
			t.Errorf("Encoding(%d) = %s/%d, want %s/%d", tt.pt, n, r, tt.name, tt.rate)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrTruncated},
		{"blank lines", "\r\n\r\n", ErrTruncated},
		{"not SDP", "hello", ErrMalformed},
		{"no v= first", "o=- 1 1 IN IP4 1.2.3.4\r\n", ErrMalformed},
		{"bad port", "v=0\r\nm=audio 70000 RTP/AVP 0\r\n", ErrMalformed},
		{"bad rtpmap", "v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:300 X/8000\r\n", ErrMalformed},
		{"bad c=", "v=0\r\nc=IN IP4 1.2.3\r\n", ErrMalformed},
		{"bad ptime", "v=0\r\na=ptime:x\r\n", ErrMalformed},
	}
	for _, tt := range tests {
		var s Session
		if err := s.Decode([]byte(tt.in)); !errors.Is(err, tt.want) {
			t.Errorf("%s: Decode(%q) error = %v, want %v", tt.name, tt.in, err, tt.want)
		}
	}
	var le *LineError
	var s Session
	if err := s.Decode([]byte("v=0\nm=audio x RTP/AVP 0\n")); !errors.As(err, &le) || le.Line != 2 || le.Type != 'm' {
		t.Errorf("Decode error = %v, want *LineError at line 2 m=", err)
	}
}

func TestDecodeAllocs(t *testing.T) {
	var s Session
	_ = s.Decode(sdpAudioImage)
	n := testing.AllocsPerRun(100, func() { _ = s.Decode(sdpAudioImage) })
	if n > 1 { // the o= line copy
		t.Errorf("Decode allocates %v times into a reused Session, want at most 1", n)
	}
}

func FuzzSDP(f *testing.F) {
	for _, b := range [][]byte{sdpG711OK, sdpAudioImage, sdpIPv6, sdpSonus, []byte("v=0\nm=audio 4000/2 RTP/AVP 111\nc=IN IP4 1.2.3.4/127\na=rtpmap:111 opus/48000/2\n")} {
		f.Add(b)
	}
	var reused Session
	f.Fuzz(func(t *testing.T, b []byte) {
		var fresh Session
		errF := fresh.Decode(b)
		errR := reused.Decode(b)
		if (errF == nil) != (errR == nil) {
			t.Fatalf("errors differ: %v vs %v", errF, errR)
		}
		if diff := cmp.Diff(fresh, reused, cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.Addr{})); diff != "" {
			t.Fatalf("reused differs (-fresh +reused):\n%s", diff)
		}
		for _, m := range fresh.Media {
			_ = m.Addr(&fresh)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	var s Session
	b.ReportAllocs()
	b.SetBytes(int64(len(sdpAudioImage)))
	for b.Loop() {
		if err := s.Decode(sdpAudioImage); err != nil {
			b.Fatal(err)
		}
	}
}
