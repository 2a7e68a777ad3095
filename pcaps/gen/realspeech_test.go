package gen

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsight/callsight/internal/testcorpus"
)

// rtpFrame returns an IPv4/UDP/RTP packet (no link header).
func rtpFrame(src, dst [4]byte, sport, dport uint16, ssrc uint32, seq uint16, ts uint32, pt byte, payload []byte) []byte {
	rtp := make([]byte, 12, 12+len(payload))
	rtp[0], rtp[1] = 0x80, pt
	binary.BigEndian.PutUint16(rtp[2:], seq)
	binary.BigEndian.PutUint32(rtp[4:], ts)
	binary.BigEndian.PutUint32(rtp[8:], ssrc)
	rtp = append(rtp, payload...)
	udp := make([]byte, 8, 8+len(rtp))
	binary.BigEndian.PutUint16(udp[0:], sport)
	binary.BigEndian.PutUint16(udp[2:], dport)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(rtp)))
	udp = append(udp, rtp...)
	ip := make([]byte, 20, 20+len(udp))
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(udp)))
	copy(ip[12:], src[:])
	copy(ip[16:], dst[:])
	return append(ip, udp...)
}

// pcapOf writes frames as a little-endian µs classic pcap of link type lt,
// adding the link header (Ethernet or Linux SLL) to each IPv4 packet.
func pcapOf(lt uint32, ips [][]byte) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	h := make([]byte, 24)
	le.PutUint32(h, 0xa1b2c3d4)
	le.PutUint16(h[4:], 2)
	le.PutUint16(h[6:], 4)
	le.PutUint32(h[16:], 65535)
	le.PutUint32(h[20:], lt)
	b.Write(h)
	for i, ip := range ips {
		var fr []byte
		switch lt {
		case 1:
			fr = append(make([]byte, 12), 0x81, 0x00, 0, 7, 0x08, 0x00) // one VLAN tag
		case 113:
			fr = make([]byte, 16)
			binary.BigEndian.PutUint16(fr[14:], 0x0800)
		}
		fr = append(fr, ip...)
		r := make([]byte, 16)
		le.PutUint32(r, uint32(i/50))
		le.PutUint32(r[4:], uint32(i%50*20000))
		le.PutUint32(r[8:], uint32(len(fr)))
		le.PutUint32(r[12:], uint32(len(fr)))
		b.Write(r)
		b.Write(fr)
	}
	return b.Bytes()
}

func TestRTPStreams(t *testing.T) {
	a, c, relay := [4]byte{10, 0, 0, 1}, [4]byte{10, 0, 0, 2}, [4]byte{10, 0, 0, 3}
	ulaw := bytes.Repeat([]byte{ulawEncode(1000)}, 160)
	var ips [][]byte
	// Stream 1 (µ-law): packets 0..9, packet 4 lost, then a 1 s gap (new run)
	// and packets 60..64; relayed on a second leg (ignored).
	for i := 0; i < 65; i++ {
		if i == 4 || (i >= 10 && i < 60) {
			continue
		}
		ips = append(ips, rtpFrame(a, c, 4000, 5000, 0xabc, uint16(100+i), uint32(8000+160*i), ptPCMU, ulaw))
		ips = append(ips, rtpFrame(relay, c, 6000, 7000, 0xabc, uint16(100+i), uint32(8000+160*i), ptPCMU, ulaw))
	}
	// Stream 2: A-law, duplicated packet 3; a telephone-event packet and a
	// non-RTP datagram in between, both ignored.
	for i := 0; i < 8; i++ {
		ips = append(ips, rtpFrame(c, a, 5000, 4000, 0xdef, uint16(i), uint32(160*i), ptPCMA, bytes.Repeat([]byte{alawEncode(-2000)}, 160)))
		if i == 3 {
			ips = append(ips, ips[len(ips)-1])
			ips = append(ips, rtpFrame(c, a, 5000, 4000, 0xdef, 50, 0, ptEvent, []byte{1, 0, 0, 160}))
			sip := rtpFrame(c, a, 5060, 5060, 0, 0, 0, 0, []byte("INVITE sip:x SIP/2.0"))
			copy(sip[28:], "INVITE sip:x")
			ips = append(ips, sip)
		}
	}
	for _, lt := range []uint32{1, 113} {
		got, err := rtpStreams(pcapOf(lt, ips))
		if err != nil {
			t.Fatalf("link %d: %v", lt, err)
		}
		if len(got) != 2 {
			t.Fatalf("link %d: %d streams, want 2 (a relayed copy is not a stream)", lt, len(got))
		}
		s1, s2 := got[0], got[1]
		if s1.ssrc != 0xabc || len(s1.runs) != 2 || s1.runs[0].off != 0 || len(s1.runs[0].x) != 1600 || s1.runs[1].off != 9600 || len(s1.runs[1].x) != 800 {
			t.Errorf("link %d: stream 1 = ssrc %x, %d runs %+v, want abc with runs of 1600 samples at 0 and 800 at 9600", lt, s1.ssrc, len(s1.runs), runShape(s1.runs))
		} else {
			x := s1.runs[0].x
			if x[0] != float64(ulawDecode(ulaw[0]))/32768 || x[4*160] != 0 || x[5*160] == 0 {
				t.Errorf("link %d: stream 1 samples %v %v %v: want decoded µ-law and zeros for the lost packet", lt, x[0], x[4*160], x[5*160])
			}
		}
		if s2.ssrc != 0xdef || len(s2.runs) != 1 || len(s2.runs[0].x) != 8*160 || s2.runs[0].x[0] >= 0 {
			t.Errorf("link %d: stream 2 = ssrc %x, runs %+v, want def with one run of 1280 negative samples", lt, s2.ssrc, runShape(s2.runs))
		}
	}
	if _, err := rtpStreams([]byte("not a pcap at all, clearly")); err == nil {
		t.Errorf("rtpStreams(garbage) gave no error")
	}
}

func runShape(rs []realRun) [][2]int {
	var out [][2]int
	for _, r := range rs {
		out = append(out, [2]int{r.off, len(r.x)})
	}
	return out
}

// TestSegment runs the segmentation on noise with bursts of "speech"
// (modulated tones) at known places.
func TestSegment(t *testing.T) {
	type burst struct{ at, ms int }
	tests := []struct {
		name   string
		bursts []burst // ms
		want   [][2]int
	}{
		{"isolated", []burst{{1000, 800}}, [][2]int{{1000, 1800}}},
		{"two words bridged", []burst{{1000, 400}, {1500, 500}}, [][2]int{{1000, 2000}}},
		{"too short", []burst{{1000, 150}}, nil},
		{"too long", []burst{{1000, 2500}}, nil},
		{"too close to the next", []burst{{1000, 600}, {1800, 600}, {4000, 500}}, [][2]int{{4000, 4500}}},
		{"at the start of the run", []burst{{100, 600}, {3000, 600}}, [][2]int{{3000, 3600}}},
	}
	for _, tc := range tests {
		r := rand.New(rand.NewSource(1))
		x := noise(r, noisePink, msToN(6000), -50)
		for _, b := range tc.bursts {
			s := sine(msToN(float64(b.ms)), dbToAmp(-20), 300, 900)
			for i := range s {
				s[i] *= 0.7 + 0.3*math.Sin(2*math.Pi*4*float64(i)/sampleRate)
				x[msToN(float64(b.at))+i] += s[i]
			}
		}
		db := frameDB(x)
		digital := make([]bool, len(db))
		var got [][2]int
		for _, u := range segment(db, digital, quantile(db, segFloorPct)) {
			got = append(got, [2]int{u.start * 10, u.end * 10})
		}
		ok := len(got) == len(tc.want)
		for i := 0; ok && i < len(got); i++ {
			// The 4 ms fade of sine() may drop the first or last frame.
			ok = abs(got[i][0]-tc.want[i][0]) <= 10 && abs(got[i][1]-tc.want[i][1]) <= 10
		}
		if !ok {
			t.Errorf("%s: utterances (ms) %v, want %v", tc.name, got, tc.want)
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// sharedCorpus returns the shared corpus directory or skips.
func sharedCorpus(t *testing.T) string {
	t.Helper()
	return filepath.Dir(filepath.Dir(testcorpus.File(t, realSpeechFiles[0])))
}

// TestRealSpeechCorpus checks the utterances found in the shared corpus.
func TestRealSpeechCorpus(t *testing.T) {
	rs, errs := loadRealSpeech(sharedCorpus(t))
	for _, err := range errs {
		t.Errorf("%v", err)
	}
	if rs == nil {
		t.Fatal("no utterance found")
	}
	if len(rs.files) < 3 || len(rs.utts) < 8 {
		t.Errorf("%d utterances from %d captures, want at least 8 from 3", len(rs.utts), len(rs.files))
	}
	for _, u := range rs.utts {
		r := rs.recs[u.rec]
		d := nToMS(u.end - u.start)
		if d < segMinMS || d > segMaxMS || u.before < msToN(segQuietMS) || u.after < msToN(segQuietMS) || u.start-u.before < 0 || u.end+u.after > len(r.x) {
			t.Errorf("%s: %d ms with %d/%d samples of quiet around, in a run of %d", rs.label(u), d, u.before, u.after, len(r.x))
		}
		if snr := u.levelDB - r.bgDB; snr < 12 {
			t.Errorf("%s: speech only %.1f dB above the background", rs.label(u), snr)
		}
		t.Logf("%s: %d ms at %.1f dBFS, background %.1f dBFS (steady pauses: %d ms)", rs.label(u), d, u.levelDB, r.bgDB, nToMS(len(r.bg)))
	}
}

// TestRealSpeechEval makes an evaluation set with the shared corpus and
// checks the real-speech human calls: share, truth and audio.
func TestRealSpeechEval(t *testing.T) {
	needTools(t)
	shared := sharedCorpus(t)
	if testing.Short() {
		t.Skip("short")
	}
	files, err := audioFiles(DefaultConfig(), AudioOptions{Calls: 200, Shared: shared, CacheDir: ttsCache(t), Engines: committedEngines})
	if err != nil {
		t.Fatal(err)
	}
	again, err := audioFiles(DefaultConfig(), AudioOptions{Calls: 200, Shared: shared, CacheDir: ttsCache(t), Engines: committedEngines})
	if err != nil {
		t.Fatal(err)
	}
	humans, real, second := 0, 0, 0
	for i := 0; i+1 < len(files); i += 2 {
		if !bytes.Equal(files[i].data, again[i].data) || !bytes.Equal(files[i+1].data, again[i+1].data) {
			t.Errorf("%s: two runs with the same seed differ", files[i].name)
		}
		recs, err := readUDP(files[i].data)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range readTruthLines(t, files[i+1].data) {
			a := tr.Audio
			if tr.Outcome != Human {
				if strings.HasPrefix(a.Voice, "real:") {
					t.Errorf("%s: %s call with a real human voice", tr.CallID, tr.Outcome)
				}
				continue
			}
			humans++
			if !strings.HasPrefix(a.Voice, "real:") {
				continue
			}
			real++
			if err := checkTruth(tr); err != nil {
				t.Errorf("%s: %v", tr.CallID, err)
			}
			checkAudioTimeline(t, files[i].name, recs, tr)
			if a.TTS != "" || a.Text != "" || a.Lang != "" || a.SNRDB == nil || (strings.Contains(a.Voice, "+") != a.SecondUtterance) {
				t.Errorf("%s: truth %+v for real speech %s", tr.CallID, *a, a.Voice)
			}
			if a.SecondUtterance {
				second++
			}
			if a.Loss > 0 || a.JitterMS > 0 || a.Reorder > 0 {
				continue
			}
			// The speech is where truth says: louder during the first
			// utterance than in the 300 ms after its end.
			x := calleeAudio(recs, tr)
			s, e := msToN(float64(*a.SoundStartMS)), msToN(float64(tr.FirstUtteranceEndMS.V))
			if e+msToN(300) > len(x) || s < 0 {
				t.Errorf("%s: utterance %d..%d ms outside the audio (%d ms)", tr.CallID, *a.SoundStartMS, tr.FirstUtteranceEndMS.V, nToMS(len(x)))
				continue
			}
			if d := activeRMS(x[s:e]) - rmsDB(x[e+msToN(30):e+msToN(300)]); d < 10 {
				t.Errorf("%s (%s): utterance only %.1f dB above what follows its end", tr.CallID, a.Voice, d)
			}
		}
	}
	t.Logf("%d human calls, %d with real speech (%d with a second utterance)", humans, real, second)
	if real*5 < humans || real*5 > humans*2 {
		t.Errorf("%d of %d human calls use real speech, want 20-40 %%", real, humans)
	}
}

// TestRealSpeechMissing: without the recordings every human is TTS.
func TestRealSpeechMissing(t *testing.T) {
	rs, errs := loadRealSpeech(t.TempDir())
	if rs != nil || len(errs) != len(realSpeechFiles) {
		t.Errorf("loadRealSpeech(empty dir) = %v, %d errors; want nil and %d", rs, len(errs), len(realSpeechFiles))
	}
}
