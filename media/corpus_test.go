package media

import (
	"fmt"
	"math"
	"sort"
	"testing"

	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/internal/testcorpus"
)

// flow is one direction of UDP traffic that looks like RTP, fed to its own
// Stream, with the PCM it produced laid out on its sample clock.
type flow struct {
	key     string
	s       *Stream
	pcm     []int16
	written int64
	next    int64
	errs    int
}

func (f *flow) out(t *testing.T) func([]int16, int64) {
	return func(pcm []int16, sample int64) {
		if sample < f.next {
			t.Fatalf("%s: out(sample %d) goes back (previous end %d)", f.key, sample, f.next)
		}
		for int64(len(f.pcm)) < sample {
			f.pcm = append(f.pcm, 0)
		}
		f.pcm = append(f.pcm, pcm...)
		f.next = sample + int64(len(pcm))
		f.written += int64(len(pcm))
	}
}

// replay reads a corpus capture and returns one flow per UDP direction that
// carried RTP (LooksLikeRTP), sorted by key.
func replay(t *testing.T, rel string, setup func(*Stream)) []*flow {
	t.Helper()
	path := testcorpus.File(t, rel)
	r, err := capture.Open(path, capture.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	flows := map[string]*flow{}
	err = r.Run(func(p *capture.Payload) {
		if p.Transport != capture.UDP || !LooksLikeRTP(p.Data) {
			return
		}
		key := p.Src.String() + ">" + p.Dst.String()
		f := flows[key]
		if f == nil {
			f = &flow{key: key, s: NewStream(DefaultConfig())}
			if setup != nil {
				setup(f.s)
			}
			flows[key] = f
		}
		if err := f.s.Process(p.Time, p.Data, f.out(t)); err != nil {
			f.errs++
		}
	}, func(*capture.DecodeError) {})
	if err != nil {
		t.Fatal(err)
	}
	var fs []*flow
	for _, f := range flows {
		f.s.Flush(f.out(t))
		fs = append(fs, f)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].key < fs[j].key })
	return fs
}

func find(t *testing.T, fs []*flow, key string) *flow {
	t.Helper()
	for _, f := range fs {
		if f.key == key {
			return f
		}
	}
	var keys []string
	for _, f := range fs {
		keys = append(keys, f.key)
	}
	t.Fatalf("no flow %s; have %v", key, keys)
	return nil
}

func rms(p []int16) float64 {
	var s float64
	for _, v := range p {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(max(1, len(p))))
}

// The numbers in these tests were checked against
// tshark -o rtp.heuristic_rtp:TRUE -q -z rtp,streams (see the comments).
func TestCorpusSpeech(t *testing.T) {
	tests := []struct {
		file, flow string
		codec      Codec
		packets    uint64
		samples    int64 // packets × ptime samples: ideal timing, no loss
	}{
		// tshark: 236 pkts, 0 lost, mean delta 30 ms (ptime 30).
		{"sipp/g711a.pcap", "10.1.3.143:5000>10.1.6.18:2006", PCMA, 236, 236 * 240},
		// tshark: 835 pkts, 0 lost, 20 ms exactly.
		{"sipnab/speech_8k_ulaw.pcap", "10.0.0.60:6000>172.20.0.30:6000", PCMU, 835, 835 * 160},
		// tshark: 826 pkts, 0 lost, mean delta 40 ms.
		{"asterisk-testsuite/40msalaw.pcap", "92.63.153.84:12648>81.201.86.81:18390", PCMA, 826, 826 * 320},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f := find(t, replay(t, tc.file, nil), tc.flow)
			st := f.s.Stats()
			want(t, "Packets", st.Packets, tc.packets)
			want(t, "Lost", st.Lost, 0)
			want(t, "Codec", st.Codec, tc.codec)
			want(t, "Analysable", st.Analysable, true)
			want(t, "Samples", st.Samples, tc.samples)
			want(t, "ConcealedSamples", st.ConcealedSamples, 0)
			want(t, "SkippedSamples", st.SkippedSamples, 0)
			want(t, "errors", f.errs, 0)
			if f.written != tc.samples || int64(len(f.pcm)) != tc.samples {
				t.Errorf("emitted %d samples over %d, want %d contiguous", f.written, len(f.pcm), tc.samples)
			}
			if r := rms(f.pcm); r < 100 {
				t.Errorf("speech RMS = %.0f, want audible", r)
			}
			t.Logf("%s: jitter %.3f ms (max %.3f), %.1f s", tc.file, st.JitterMS, st.MaxJitterMS, float64(st.Samples)/8000)
		})
	}
}

// goertzel returns the power of frequency f (Hz) in p at 8 kHz.
func goertzel(p []int16, f float64) float64 {
	c := 2 * math.Cos(2*math.Pi*f/8000)
	var s1, s2 float64
	for _, v := range p {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

func TestCorpusMilliwatt(t *testing.T) {
	// tshark: 232 pkts, 0 lost, 20 ms, G.711U, SSRC 0x61DCF074.
	f := find(t, replay(t, "freeswitch/milliwatt.pcmu.rtp.pcap", nil), "192.168.0.2:26264>192.168.0.1:7078")
	st := f.s.Stats()
	want(t, "Packets", st.Packets, 232)
	want(t, "Lost", st.Lost, 0)
	want(t, "Codec", st.Codec, PCMU)
	if len(f.pcm) < 8000 {
		t.Fatalf("only %d samples", len(f.pcm))
	}
	// The stream skips 20 ms of timestamps at 80 ms (marker bit): that
	// silence is concealed, so analyse one second after it.
	want(t, "ConcealedSamples", st.ConcealedSamples, 160)
	// Goertzel over 20 ms blocks: 1000 Hz is exactly 20 cycles, so for a
	// pure tone 2|X|²/N equals the block's energy Σx² (Parseval). Summed
	// over the stream: the 1000 Hz share of all energy.
	var at1k, total float64
	other := map[float64]float64{}
	for i := 0; i+160 <= len(f.pcm); i += 160 {
		b := f.pcm[i : i+160]
		at1k += 2 * goertzel(b, 1000) / 160
		for _, o := range []float64{500, 700, 1300, 1500, 2000, 3000} {
			other[o] += 2 * goertzel(b, o) / 160
		}
		for _, v := range b {
			total += float64(v) * float64(v)
		}
	}
	if share := at1k / total; share < 0.97 {
		t.Errorf("1000 Hz carries %.1f%% of the energy, want > 97%%", 100*share)
	}
	for o, p := range other {
		if p*1000 > at1k {
			t.Errorf("%v Hz has %.3g, 1000 Hz %.3g: want the tone 30 dB above", o, p, at1k)
		}
	}
	seg := f.pcm[1600:9600]
	// This capture's tone peaks at 10364 (about -6.6 dBm0): RMS ≈ 7200.
	if r := rms(seg); r < 7000 || r > 7400 {
		t.Errorf("tone RMS = %.0f, want ≈7200", r)
	}
}

func TestCorpusDTMF(t *testing.T) {
	// tshark -Y rtpevent: SSRC 0x5711BF84 sends 6 7 8 9 1 2 3, five packets
	// each, one end packet each.
	// The SDP maps telephone-event to PT 96 (rtpmap:96 telephone-event/8000),
	// as the engine will tell the stream.
	sdp := func(s *Stream) { s.SetPayloadType(96, TelephoneEvent) }
	f := find(t, replay(t, "sipnab/SIP_DTMF2.cap", sdp), "192.168.105.172:4376>192.168.105.110:4376")
	st := f.s.Stats()
	var digits string
	for _, e := range st.DTMF {
		digits += string(e.Digit)
		if e.End-e.Start != 960 {
			t.Errorf("event %c lasts %d samples, want 960", e.Digit, e.End-e.Start)
		}
	}
	want(t, "digits", digits, "6789123")
	want(t, "Codec", st.Codec, PCMA)
	want(t, "Lost", st.Lost, 0)
	// The other direction: tshark reports 665 packets and 2 lost.
	g := find(t, replay(t, "sipnab/SIP_DTMF2.cap", nil), "192.168.105.110:4374>192.168.105.172:4376")
	want(t, "other direction Lost", g.s.Stats().Lost, 2)
	want(t, "other direction Packets", g.s.Stats().Packets, 665)
}

func TestCorpusComfortNoise(t *testing.T) {
	// tshark: both directions carry g711A and CN (PT 13).
	for _, f := range replay(t, "sipnab/sip-over-tcp.pcap", nil) {
		st := f.s.Stats()
		if st.Codecs&(1<<CN) == 0 {
			continue
		}
		if st.ComfortNoiseSamples == 0 {
			t.Errorf("%s: CN seen but no comfort noise emitted", f.key)
		}
		want(t, f.key+" Codec", st.Codec, PCMA)
		t.Logf("%s: %d packets, %d samples, %d comfort noise", f.key, st.Packets, st.Samples, st.ComfortNoiseSamples)
	}
}

func TestCorpusLoss(t *testing.T) {
	// tshark: 192.168.10.41:64508 -> 192.168.10.40:49848, SSRC 0xBEE0F2ED,
	// 205 pkts, 369 lost (64.3%), max jitter 1.265 ms.
	fs := replay(t, "sipnab/Asterisk_ZFONE_XLITE.pcap", nil)
	f := find(t, fs, "192.168.10.41:64508>192.168.10.40:49848")
	st := f.s.Stats()
	src := st.Sources[0]
	want(t, "SSRC", fmt.Sprintf("%#x", src.SSRC), "0xbee0f2ed")
	want(t, "Lost", st.Lost, 369)
	want(t, "Expected", src.Expected, 574)
	if math.Abs(st.MaxJitterMS-1.265) > 0.1 {
		t.Errorf("MaxJitterMS = %.3f, tshark says 1.265", st.MaxJitterMS)
	}
	// The other direction: 790 pkts, 1 lost (tshark).
	g := find(t, fs, "192.168.10.40:49848>192.168.10.41:64508")
	want(t, "other direction Lost", g.s.Stats().Lost, 1)
}

func TestCorpusCodecSwitch(t *testing.T) {
	// tshark: SSRC 0x0E330AF3 g711U 151 pkts (0-3 s), then SSRC 0x2D374E76
	// g722 151 pkts on the same ports.
	f := find(t, replay(t, "sipnab/codec-negotiation.pcap", nil), "127.0.0.1:5084>127.0.0.1:5094")
	st := f.s.Stats()
	want(t, "Codec", st.Codec, G722)
	want(t, "Analysable", st.Analysable, false)
	want(t, "Packets", st.Packets, 302)
	if st.Codecs&(1<<PCMU) == 0 {
		t.Errorf("Codecs = %b, want PCMU seen", st.Codecs)
	}
	// The G.711 part was decoded: 151 × 20 ms.
	if st.Samples < 151*160 || st.Samples > 151*160+800 {
		t.Errorf("Samples = %d, want ≈ %d (the PCMU part)", st.Samples, 151*160)
	}
}

func TestCorpusDeterministic(t *testing.T) {
	a := replay(t, "sipnab/sip-over-tcp.pcap", nil)
	b := replay(t, "sipnab/sip-over-tcp.pcap", nil)
	for i := range a {
		if fmt.Sprint(a[i].pcm) != fmt.Sprint(b[i].pcm) {
			t.Errorf("%s: two replays differ", a[i].key)
		}
	}
}
