package engine

import (
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsight/callsight/outcome"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// filterCapture writes the committed capture name to a temporary pcap
// without the UDP packets drop says so of.
func filterCapture(t *testing.T, name string, drop func(*layers.IPv4, *layers.UDP) bool) string {
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
	r, err := pcapgo.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(name, ".gz"))
	o, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	w := pcapgo.NewWriter(o)
	if err := w.WriteFileHeader(r.Snaplen(), r.LinkType()); err != nil {
		t.Fatal(err)
	}
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.NoCopy)
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		udp, _ := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if ip != nil && udp != nil && drop(ip, udp) {
			continue
		}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// rtpFrom reports whether a UDP packet is RTP from the generator's callee
// side (10.80.0.0/16, the corpus's RTP ports from 20000) or, with caller,
// from either side.
func rtpFrom(caller bool) func(*layers.IPv4, *layers.UDP) bool {
	return func(ip *layers.IPv4, udp *layers.UDP) bool {
		if udp.SrcPort < 20000 && udp.DstPort < 20000 {
			return false // SIP
		}
		return caller || ip.SrcIP[0] == 10 && ip.SrcIP[1] == 80
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
