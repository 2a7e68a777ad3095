package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/callsight/callsight/media/g711"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// pkt is one synthetic RTP packet arriving at t0+at.
type pkt struct {
	at      time.Duration
	seq     uint16
	ts      uint32
	ssrc    uint32
	pt      uint8
	marker  bool
	payload []byte
}

func (p pkt) bytes() []byte {
	b := make([]byte, 12, 12+len(p.payload))
	b[0] = 0x80
	b[1] = p.pt
	if p.marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], p.seq)
	binary.BigEndian.PutUint32(b[4:], p.ts)
	binary.BigEndian.PutUint32(b[8:], p.ssrc)
	return append(b, p.payload...)
}

// alaw returns n samples of the A-law code 0x80+k: a distinct non-zero
// level per packet k, so the timeline tells which packet landed where.
func alaw(k, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(0x80 + k%128)
	}
	return b
}

// stream builds n packets of ptime ms from seq/ts 0 (A-law, SSRC 1, ideal
// timing), payload k for packet k.
func stream(n, ptimeMS int) []pkt {
	ps := make([]pkt, n)
	for k := range ps {
		ps[k] = pkt{at: time.Duration(k*ptimeMS) * time.Millisecond, seq: uint16(k), ts: uint32(k * ptimeMS * 8), ssrc: 1, pt: 8, payload: alaw(k, ptimeMS*8)}
	}
	return ps
}

// result is what a run of packets produced.
type result struct {
	pcm     []int16 // indexed by sample
	written []bool
	stats   Stats
	errs    []error
}

func run(t *testing.T, cfg Config, ps []pkt) result {
	t.Helper()
	s := NewStream(cfg)
	var r result
	next := int64(0)
	out := func(pcm []int16, sample int64) {
		if sample < next {
			t.Fatalf("out(sample %d) overlaps or goes back: previous chunk ended at %d", sample, next)
		}
		next = sample + int64(len(pcm))
		for int64(len(r.pcm)) < next {
			r.pcm = append(r.pcm, 0)
			r.written = append(r.written, false)
		}
		copy(r.pcm[sample:], pcm)
		for i := range pcm {
			r.written[sample+int64(i)] = true
		}
	}
	for _, p := range ps {
		if err := s.Process(t0.Add(p.at), p.bytes(), out); err != nil {
			r.errs = append(r.errs, err)
		}
	}
	s.Flush(out)
	r.stats = s.Stats()
	if !s.Start().Equal(t0.Add(ps[0].at)) {
		t.Errorf("Start() = %v, want the first packet's time %v", s.Start(), t0.Add(ps[0].at))
	}
	if r.stats.Samples != int64(countTrue(r.written)) {
		t.Errorf("Stats.Samples = %d, but %d samples were emitted", r.stats.Samples, countTrue(r.written))
	}
	return r
}

func countTrue(b []bool) (n int) {
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}

// timeline describes r as runs "label@start+len": pK for packet K's level,
// sil for zeros, skip for samples never emitted, noise for anything else.
func (r result) timeline() string {
	label := func(i int) string {
		if !r.written[i] {
			return "skip"
		}
		v := r.pcm[i]
		if v == 0 {
			return "sil"
		}
		for k := range 128 {
			if v == g711.ALawToLinear(byte(0x80+k)) {
				return fmt.Sprintf("p%d", k)
			}
		}
		return "noise"
	}
	type span struct {
		l          string
		start, len int
	}
	var runs []span
	for i := range r.pcm {
		l := label(i)
		if n := len(runs); n > 0 && runs[n-1].l == l {
			runs[n-1].len++
			continue
		}
		runs = append(runs, span{l, i, 1})
	}
	// Noise hits zero or a packet's level by chance: runs shorter than 8
	// samples (other than skips) are noise; merge neighbours.
	var parts []string
	var merged []span
	for _, s := range runs {
		if s.len < 8 && s.l != "skip" {
			s.l = "noise"
		}
		if n := len(merged); n > 0 && merged[n-1].l == s.l {
			merged[n-1].len += s.len
			continue
		}
		merged = append(merged, s)
	}
	for _, s := range merged {
		parts = append(parts, fmt.Sprintf("%s@%d+%d", s.l, s.start, s.len))
	}
	return strings.Join(parts, " ")
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestStreamPlacement(t *testing.T) {
	reorder := stream(5, 20)
	reorder[1], reorder[2] = reorder[2], reorder[1]
	reorder[1].at, reorder[2].at = ms(20), ms(45)

	late := stream(7, 20)
	lateP := late[2]
	lateP.at = ms(200)
	late = append(append(late[:2:2], late[3:]...), lateP)

	lost := stream(6, 20)
	lost = append(lost[:2:2], lost[4:]...)

	dup := stream(3, 20)
	dup = append(dup[:2:2], dup[1], dup[2])
	dup[2].at = ms(25)

	wrap := stream(6, 20)
	for i := range wrap {
		wrap[i].seq = uint16(65533 + i)
		wrap[i].ts = uint32(0xFFFFFF00 + i*160) // timestamp wraps too
	}

	// SSRC change: early media (SSRC 1, 5 packets) then the callee (SSRC 2)
	// from 300 ms with unrelated sequence and timestamp.
	ssrc := stream(5, 20)
	for k := range 3 {
		ssrc = append(ssrc, pkt{at: ms(300 + 20*k), seq: uint16(9000 + k), ts: uint32(123456 + 160*k), ssrc: 2, pt: 8, payload: alaw(10+k, 160)})
	}

	// DTX: timestamps and capture time jump by 1 s, sequence continuous.
	dtx := stream(4, 20)
	for i := 2; i < 4; i++ {
		dtx[i].at += time.Second
		dtx[i].ts += 8000
		dtx[i].marker = i == 2
	}
	// A 5 s silence: 2 s concealed (MaxGap), 3 s skipped.
	long := stream(3, 20)
	long[2].at += 5 * time.Second
	long[2].ts += 40000
	long[2].marker = true

	// Timestamp jump of an hour on the same SSRC and sequence: re-anchored
	// on capture time, no silence, no shift.
	tsJump := stream(4, 20)
	for i := 2; i < 4; i++ {
		tsJump[i].ts += 3600 * 8000
	}
	// A gateway switches from early media to the callee behind one SSRC:
	// after 140 ms without packets, the next one (marker bit) jumps the
	// timestamp 80 ms further than capture time says, or 60 ms less. The
	// audio lands where it was captured, not 80 ms later (every beep end
	// after the answer would be late by as much).
	switched := func(skew int) []pkt {
		ps := stream(8, 20)
		for i := 3; i < 8; i++ {
			ps[i].at += ms(140)
			ps[i].ts += uint32(140*8 + skew*8)
		}
		ps[3].marker = true
		return ps
	}
	// The same, with the marker packet overtaken by the one after it: that
	// one waits for it and lands on the new timeline, after it.
	overtaken := switched(80)
	overtaken[4].at = overtaken[3].at - ms(5)
	overtaken[3], overtaken[4] = overtaken[4], overtaken[3]

	// The same with the marker packet lost: the next one's timestamp runs
	// ahead of its sequence number, which says as much.
	markerLost := switched(80)
	markerLost = append(markerLost[:3:3], markerLost[4:]...)

	// A talkspurt's first packet 15 or 30 ms late (jitter): its timestamp
	// is right, and the audio stays where it says. The stream re-anchors at
	// the jump, at the median of the talkspurt's first packets, which the
	// on-time ones after it settle where the timestamps put them.
	lateSpurt := func(late int) []pkt {
		ps := stream(8, 20)
		for i := 3; i < 8; i++ {
			ps[i].at += ms(140)
			ps[i].ts += 140 * 8
		}
		ps[3].at += ms(late)
		ps[3].marker = true
		return ps
	}
	// The callee's first packet after an SSRC change arrives 25 ms late,
	// the next ones on time: the segment is placed by them, not by it.
	ssrcLate := append([]pkt(nil), ssrc...)
	ssrcLate[5].at += ms(25)

	// Sequence restart on the same SSRC, timestamps continuous.
	restart := stream(5, 20)
	for i := 2; i < 5; i++ {
		restart[i].seq += 30000
	}

	tests := []struct {
		name  string
		pkts  []pkt
		want  string
		check func(t *testing.T, st Stats)
	}{
		{"in order", stream(5, 20), "p0@0+160 p1@160+160 p2@320+160 p3@480+160 p4@640+160", func(t *testing.T, st Stats) {
			want(t, "Lost", st.Lost, 0)
			want(t, "Reordered", st.Reordered, 0)
		}},
		{"reordered within window", reorder, "p0@0+160 p1@160+160 p2@320+160 p3@480+160 p4@640+160", func(t *testing.T, st Stats) {
			want(t, "Reordered", st.Reordered, 1)
			want(t, "Lost", st.Lost, 0)
		}},
		{"late beyond window", late, "p0@0+160 p1@160+160 sil@320+160 p3@480+160 p4@640+160 p5@800+160 p6@960+160", func(t *testing.T, st Stats) {
			want(t, "LateDropped", st.LateDropped, 1)
			want(t, "ConcealedSamples", st.ConcealedSamples, 160)
			want(t, "Lost", st.Lost, 0) // it did arrive (RFC 3550 counts it)
		}},
		{"lost packets", lost, "p0@0+160 p1@160+160 sil@320+320 p4@640+160 p5@800+160", func(t *testing.T, st Stats) {
			want(t, "Lost", st.Lost, 2)
			want(t, "ConcealedSamples", st.ConcealedSamples, 320)
		}},
		{"duplicates", dup, "p0@0+160 p1@160+160 p2@320+160", func(t *testing.T, st Stats) {
			want(t, "Duplicates", st.Duplicates, 1)
			want(t, "Lost", st.Lost, 0)
		}},
		{"sequence and timestamp wrap", wrap, "p0@0+160 p1@160+160 p2@320+160 p3@480+160 p4@640+160 p5@800+160", func(t *testing.T, st Stats) {
			want(t, "Lost", st.Lost, 0)
			want(t, "Sources[0].Expected", st.Sources[0].Expected, 6)
		}},
		{"SSRC change mid-stream", ssrc, "p0@0+160 p1@160+160 p2@320+160 p3@480+160 p4@640+160 sil@800+1600 p10@2400+160 p11@2560+160 p12@2720+160", func(t *testing.T, st Stats) {
			want(t, "SSRCs", fmt.Sprint(st.SSRCs), "[1 2]")
			want(t, "Resyncs", st.Resyncs, 2)
			want(t, "Lost", st.Lost, 0)
		}},
		{"timestamp gap (DTX)", dtx, "p0@0+160 p1@160+160 sil@320+8000 p2@8320+160 p3@8480+160", func(t *testing.T, st Stats) {
			want(t, "Lost", st.Lost, 0)
			want(t, "Resyncs", st.Resyncs, 1)
			want(t, "Talkspurts", st.Talkspurts, 1)
		}},
		{"gap beyond MaxGap", long, "p0@0+160 p1@160+160 sil@320+16000 skip@16320+24000 p2@40320+160", func(t *testing.T, st Stats) {
			want(t, "SkippedSamples", st.SkippedSamples, 24000)
		}},
		{"timestamp jump re-anchored", tsJump, "p0@0+160 p1@160+160 p2@320+160 p3@480+160", func(t *testing.T, st Stats) {
			want(t, "Resyncs", st.Resyncs, 2)
		}},
		{"new source behind the SSRC, timestamp ahead", switched(80), "p0@0+160 p1@160+160 p2@320+160 sil@480+1120 p3@1600+160 p4@1760+160 p5@1920+160 p6@2080+160 p7@2240+160", func(t *testing.T, st Stats) {
			want(t, "Resyncs", st.Resyncs, 2)
		}},
		{"new source behind the SSRC, timestamp behind", switched(-60), "p0@0+160 p1@160+160 p2@320+160 sil@480+1120 p3@1600+160 p4@1760+160 p5@1920+160 p6@2080+160 p7@2240+160", func(t *testing.T, st Stats) {
			want(t, "Resyncs", st.Resyncs, 2)
		}},
		{"new source behind the SSRC, marker overtaken", overtaken, "p0@0+160 p1@160+160 p2@320+160 sil@480+1120 p3@1600+160 p4@1760+160 p5@1920+160 p6@2080+160 p7@2240+160", func(t *testing.T, st Stats) {
			want(t, "Resyncs", st.Resyncs, 2)
			want(t, "Reordered", st.Reordered, 1)
		}},
		{"new source behind the SSRC, marker lost", markerLost, "p0@0+160 p1@160+160 p2@320+160 sil@480+1280 p4@1760+160 p5@1920+160 p6@2080+160 p7@2240+160", func(t *testing.T, st Stats) {
			want(t, "Resyncs", st.Resyncs, 2)
			want(t, "Lost", st.Lost, 1)
		}},
		{"talkspurt arriving late", lateSpurt(15), "p0@0+160 p1@160+160 p2@320+160 sil@480+1120 p3@1600+160 p4@1760+160 p5@1920+160 p6@2080+160 p7@2240+160", func(t *testing.T, st Stats) {
			want(t, "Resyncs", st.Resyncs, 1)
			want(t, "Talkspurts", st.Talkspurts, 1)
		}},
		{"talkspurt arriving later", lateSpurt(30), "p0@0+160 p1@160+160 p2@320+160 sil@480+1120 p3@1600+160 p4@1760+160 p5@1920+160 p6@2080+160 p7@2240+160", func(t *testing.T, st Stats) {
			want(t, "Resyncs", st.Resyncs, 1)
		}},
		{"SSRC change, first packet late", ssrcLate, "p0@0+160 p1@160+160 p2@320+160 p3@480+160 p4@640+160 sil@800+1600 p10@2400+160 p11@2560+160 p12@2720+160", nil},
		{"sequence restart", restart, "p0@0+160 p1@160+160 p2@320+160 p3@480+160 p4@640+160", func(t *testing.T, st Stats) {
			want(t, "Discarded", st.Discarded, 0)
			want(t, "Resyncs", st.Resyncs, 2)
			want(t, "Lost", st.Lost, 0)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, DefaultConfig(), tc.pkts)
			if got := r.timeline(); got != tc.want {
				t.Errorf("timeline:\n got %s\nwant %s", got, tc.want)
			}
			for _, err := range r.errs {
				t.Errorf("Process: %v", err)
			}
			if tc.check != nil {
				tc.check(t, r.stats)
			}
		})
	}
}

func want[T comparable](t *testing.T, name string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

func TestPtime(t *testing.T) {
	for _, p := range []int{10, 20, 30, 40, 60} {
		t.Run(fmt.Sprintf("%dms", p), func(t *testing.T) {
			ps := stream(6, p)
			ps = append(ps[:3:3], ps[4:]...) // lose one
			r := run(t, DefaultConfig(), ps)
			n := p * 8
			want := fmt.Sprintf("p0@0+%d p1@%d+%d p2@%d+%d sil@%d+%d p4@%d+%d p5@%d+%d", n, n, n, 2*n, n, 3*n, n, 4*n, n, 5*n, n)
			if got := r.timeline(); got != want {
				t.Errorf("timeline:\n got %s\nwant %s", got, want)
			}
			if r.stats.Lost != 1 {
				t.Errorf("Lost = %d, want 1", r.stats.Lost)
			}
		})
	}
}

func TestULawDecoded(t *testing.T) {
	ps := stream(2, 20)
	for i := range ps {
		ps[i].pt = 0
		ps[i].payload = g711.EncodeULaw(nil, []int16{1000, -1000, 0, 8000})
		ps[i].ts = uint32(4 * i)
		ps[i].at = time.Duration(i) * 500 * time.Microsecond // 4 samples apart, as the timestamps say
	}
	r := run(t, DefaultConfig(), ps)
	if len(r.pcm) != 8 || r.pcm[0] != g711.ULawToLinear(g711.LinearToULaw(1000)) || r.pcm[3] != g711.ULawToLinear(g711.LinearToULaw(8000)) {
		t.Errorf("pcm = %v", r.pcm)
	}
	want(t, "Codec", r.stats.Codec, PCMU)
	want(t, "Analysable", r.stats.Analysable, true)
}

func TestComfortNoise(t *testing.T) {
	ps := stream(2, 20)
	// CN at ts 320 (40 dBov below overload), next audio 200 ms later.
	ps = append(ps, pkt{at: ms(40), seq: 2, ts: 320, ssrc: 1, pt: 13, marker: false, payload: []byte{40}})
	ps = append(ps, pkt{at: ms(200), seq: 3, ts: 1600, ssrc: 1, pt: 8, marker: true, payload: alaw(3, 160)})
	r := run(t, DefaultConfig(), ps)
	if got, want := r.timeline(), "p0@0+160 p1@160+160 noise@320+1280 p3@1600+160"; got != want {
		t.Errorf("timeline:\n got %s\nwant %s", got, want)
	}
	var sum float64
	for _, v := range r.pcm[320:1600] {
		sum += float64(v) * float64(v)
	}
	rms := math.Sqrt(sum / 1280)
	db := 20 * math.Log10(rms/32767)
	if db < -41.5 || db > -38.5 {
		t.Errorf("comfort noise level = %.1f dBov, want -40±1.5", db)
	}
	want(t, "ComfortNoiseSamples", r.stats.ComfortNoiseSamples, 1280)
	// Deterministic: the same packets give the same noise.
	r2 := run(t, DefaultConfig(), ps)
	for i := range r.pcm {
		if r.pcm[i] != r2.pcm[i] {
			t.Fatalf("noise differs between two runs at sample %d", i)
		}
	}
}

func event(code byte, end bool, dur uint16) []byte {
	b := []byte{code, 10, byte(dur >> 8), byte(dur)}
	if end {
		b[1] |= 0x80
	}
	return b
}

func TestTelephoneEvent(t *testing.T) {
	ps := stream(2, 20)
	seq := uint16(2)
	add := func(at int, ts uint32, pt uint8, payload []byte) {
		ps = append(ps, pkt{at: ms(at), seq: seq, ts: ts, ssrc: 1, pt: pt, payload: payload})
		seq++
	}
	// Digit 5 from ts 320, 600 samples, three end packets (new sequence
	// numbers, RFC 4733 §2.5.1.4), one of them also duplicated.
	add(40, 320, 101, event(5, false, 160))
	add(60, 320, 101, event(5, false, 320))
	add(80, 320, 101, event(5, false, 480))
	add(95, 320, 101, event(5, true, 600))
	add(115, 320, 101, event(5, true, 600))
	ps = append(ps, ps[len(ps)-1])
	add(135, 320, 101, event(5, true, 600))
	// '#' later, audio in between.
	add(160, 1120, 8, alaw(9, 160))
	add(180, 1280, 101, event(11, false, 160))
	add(200, 1280, 101, event(11, true, 320))
	add(220, 1280, 101, event(11, true, 320))
	add(240, 1280, 101, event(11, true, 320))
	add(260, 1600, 8, alaw(10, 160))
	r := run(t, DefaultConfig(), ps)
	if got, want := r.timeline(), "p0@0+160 p1@160+160 sil@320+800 p9@1120+160 sil@1280+320 p10@1600+160"; got != want {
		t.Errorf("timeline:\n got %s\nwant %s", got, want)
	}
	wantEv := []DTMFEvent{{Digit: '5', Event: 5, Start: 320, End: 920}, {Digit: '#', Event: 11, Start: 1280, End: 1600}}
	if fmt.Sprint(r.stats.DTMF) != fmt.Sprint(wantEv) {
		t.Errorf("DTMF = %v, want %v", r.stats.DTMF, wantEv)
	}
	want(t, "Duplicates", r.stats.Duplicates, 1)
	want(t, "Lost", r.stats.Lost, 0)
	want(t, "Codec", r.stats.Codec, PCMA)
}

func TestNotAnalysable(t *testing.T) {
	for _, tc := range []struct {
		name string
		pt   uint8
		set  Codec
		want Codec
	}{
		{"G.729", 18, Unknown, G729},
		{"G.722", 9, Unknown, G722},
		{"opus", 96, Opus, Opus},
		{"AMR", 97, AMR, AMR},
		{"GSM", 3, Unknown, Other},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.set != Unknown {
				cfg.PayloadTypes[tc.pt] = tc.set
			}
			ps := stream(5, 20)
			for i := range ps {
				ps[i].pt = tc.pt
				ps[i].payload = ps[i].payload[:20]
			}
			r := run(t, cfg, ps)
			if len(r.pcm) != 0 {
				t.Errorf("%d samples emitted for %v, want none", len(r.pcm), tc.want)
			}
			want(t, "Codec", r.stats.Codec, tc.want)
			want(t, "Analysable", r.stats.Analysable, false)
			want(t, "Packets", r.stats.Packets, 5)
		})
	}
	// G.711 then a switch to G.722: the G.711 part is decoded, then the
	// stream is reported not analysable.
	ps := stream(6, 20)
	for i := 3; i < 6; i++ {
		ps[i].pt = 9
	}
	r := run(t, DefaultConfig(), ps)
	if got, want := r.timeline(), "p0@0+160 p1@160+160 p2@320+160"; got != want {
		t.Errorf("timeline:\n got %s\nwant %s", got, want)
	}
	want(t, "Codec", r.stats.Codec, G722)
	want(t, "Analysable", r.stats.Analysable, false)
}

func TestErrors(t *testing.T) {
	good := stream(1, 20)[0].bytes()
	for _, tc := range []struct {
		name string
		pkt  []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"short header", good[:11], ErrTruncated},
		{"version 1", append([]byte{0x40}, good[1:]...), ErrMalformed},
		{"RTCP receiver report", []byte{0x81, 201, 0, 7, 1, 2, 3, 4, 0, 0, 0, 0}, ErrMalformed},
		{"CSRC overflow", append([]byte{0x8F}, good[1:20]...), ErrTruncated},
		{"padding zero", append(append([]byte{0xA0}, good[1:]...), 0), ErrMalformed},
		{"padding too long", append(append([]byte{0xA0}, good[1:12]...), 1, 2, 9), ErrTruncated},
	} {
		s := NewStream(DefaultConfig())
		err := s.Process(t0, tc.pkt, nil)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Process(%x) = %v, want %v", tc.name, tc.pkt, err, tc.want)
		}
		if st := s.Stats(); st.Errors != 1 || st.Packets != 0 {
			t.Errorf("%s: Errors = %d, Packets = %d, want 1, 0", tc.name, st.Errors, st.Packets)
		}
	}
	// Padding is stripped.
	p := append([]byte{0xA0}, good[1:]...)
	p = append(p, 0xEE, 0xEE, 3)
	s := NewStream(DefaultConfig())
	n := 0
	if err := s.Process(t0, p, nil); err != nil {
		t.Fatal(err)
	}
	s.Flush(func(pcm []int16, _ int64) { n += len(pcm) })
	if n != 160 {
		t.Errorf("padded packet gave %d samples, want 160", n)
	}
}

func TestLooksLikeRTP(t *testing.T) {
	good := stream(1, 20)[0].bytes()
	for _, tc := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"PCMA", good, true},
		{"dynamic 101 with marker", append([]byte{0x80, 0x80 | 101}, good[2:]...), true},
		{"RTCP SR", append([]byte{0x80, 200}, good[2:]...), false},
		{"RTCP BYE", append([]byte{0x81, 203}, good[2:]...), false},
		{"PT 72", append([]byte{0x80, 72}, good[2:]...), false},
		{"version 0 (STUN)", append([]byte{0x00, 0x01}, good[2:]...), false},
		{"CSRC overflow", append([]byte{0x8F}, good[1:40]...), false},
		{"header only", good[:12], false},
		{"extension overflow", append([]byte{0x90}, good[1:]...), false},
	} {
		if got := LooksLikeRTP(tc.b); got != tc.want {
			t.Errorf("%s: LooksLikeRTP(%x) = %v, want %v", tc.name, tc.b[:min(16, len(tc.b))], got, tc.want)
		}
	}
}

func TestConfig(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	for _, mod := range []func(*Config){
		func(c *Config) { c.ReorderWindow = -1 },
		func(c *Config) { c.ReorderPackets = 0 },
		func(c *Config) { c.ReorderPackets = 65 },
		func(c *Config) { c.MaxGap = 0 },
		func(c *Config) { c.ClockRate = 16000 },
		func(c *Config) { c.TelephoneEventPT = 128 },
	} {
		c := DefaultConfig()
		mod(&c)
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("Validate(%+v) = %v, want ErrConfig", c, err)
		}
		NewStream(c) // must not panic
	}
	for name, want := range map[string]Codec{"PCMU": PCMU, "pcma": PCMA, "CN": CN, "TELEPHONE-EVENT": TelephoneEvent,
		"G722": G722, "G729": G729, "G729A": G729, "opus": Opus, "AMR": AMR, "AMR-WB": AMR, "iLBC": Other, "": Other} {
		if got := CodecFromName(name); got != want {
			t.Errorf("CodecFromName(%q) = %v, want %v", name, got, want)
		}
	}
}

// feeder replays an endless 20 ms A-law stream into s: packet i has
// sequence i and timestamp 160·i; when mangle is set, every 10th pair
// arrives swapped and every 50th packet is lost.
type feeder struct {
	s      *Stream
	buf    []byte
	i      int
	mangle bool
	out    func([]int16, int64)
}

func newFeeder(s *Stream, mangle bool) *feeder {
	return &feeder{s: s, buf: stream(1, 20)[0].bytes(), mangle: mangle, out: func([]int16, int64) {}}
}

func (f *feeder) step() error {
	k := f.i
	f.i++
	if f.mangle {
		switch {
		case k%50 == 49:
			return nil // lost
		case k%10 == 3:
			k++
		case k%10 == 4:
			k--
		}
	}
	binary.BigEndian.PutUint16(f.buf[2:], uint16(k))
	binary.BigEndian.PutUint32(f.buf[4:], uint32(k*160))
	return f.s.Process(t0.Add(time.Duration(f.i)*20*time.Millisecond), f.buf, f.out)
}

func TestAllocs(t *testing.T) {
	for _, mangle := range []bool{false, true} {
		f := newFeeder(NewStream(DefaultConfig()), mangle)
		for range 200 {
			if err := f.step(); err != nil {
				t.Fatal(err)
			}
		}
		if n := testing.AllocsPerRun(2000, func() { _ = f.step() }); n != 0 {
			t.Errorf("Process (reorder and loss: %v) allocates %.3f times per packet, want 0", mangle, n)
		}
		st := f.s.Stats()
		if mangle && (st.Reordered == 0 || st.Lost == 0 || st.ConcealedSamples == 0) {
			t.Errorf("mangled stream: Reordered %d, Lost %d, Concealed %d: want all > 0", st.Reordered, st.Lost, st.ConcealedSamples)
		}
	}
}

func BenchmarkProcess(b *testing.B) {
	for _, mangle := range []bool{false, true} {
		name := "PCMA20ms"
		if mangle {
			name += "-reorder-loss"
		}
		b.Run(name, func(b *testing.B) {
			f := newFeeder(NewStream(DefaultConfig()), mangle)
			b.ReportAllocs()
			b.SetBytes(int64(len(f.buf)))
			for b.Loop() {
				_ = f.step()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
		})
	}
}

func TestSupersededStraggler(t *testing.T) {
	ps := stream(3, 20)
	ps = append(ps, pkt{at: ms(60), seq: 500, ts: 9000, ssrc: 2, pt: 8, payload: alaw(10, 160)})
	ps = append(ps, pkt{at: ms(65), seq: 3, ts: 480, ssrc: 1, pt: 8, payload: alaw(3, 160)}) // straggler of SSRC 1
	ps = append(ps, pkt{at: ms(80), seq: 501, ts: 9160, ssrc: 2, pt: 8, payload: alaw(11, 160)})
	r := run(t, DefaultConfig(), ps)
	if got, want := r.timeline(), "p0@0+160 p1@160+160 p2@320+160 p10@480+160 p11@640+160"; got != want {
		t.Errorf("timeline:\n got %s\nwant %s", got, want)
	}
	want(t, "Discarded", r.stats.Discarded, 1)
	want(t, "Resyncs", r.stats.Resyncs, 2)
}

func TestAdvance(t *testing.T) {
	s := NewStream(DefaultConfig())
	var got int
	out := func(pcm []int16, _ int64) { got += len(pcm) }
	for _, p := range stream(2, 20) {
		if err := s.Process(t0.Add(p.at), p.bytes(), out); err != nil {
			t.Fatal(err)
		}
	}
	if got != 0 {
		t.Fatalf("%d samples before the reorder window passed, want 0 (first packet held)", got)
	}
	s.Advance(t0.Add(ms(59)), out)
	if got != 0 {
		t.Fatalf("Advance(59ms) released %d samples, want 0", got)
	}
	s.Advance(t0.Add(ms(60)), out)
	if got != 320 {
		t.Fatalf("Advance(60ms) released %d samples, want 320", got)
	}
}

// TestTakeovers: a new SSRC taking over is counted with where it began on
// the sample clock; a straggler of the old one, and a restart of the same
// SSRC's sequence, are not takeovers.
func TestTakeovers(t *testing.T) {
	s := NewStream(DefaultConfig())
	out := func([]int16, int64) {}
	feed := func(ps []pkt) {
		for _, p := range ps {
			if err := s.Process(t0.Add(p.at), p.bytes(), out); err != nil {
				t.Fatal(err)
			}
		}
	}
	feed(stream(3, 20))
	if n, _ := s.Takeovers(); n != 0 {
		t.Fatalf("first source: %d takeovers, want 0", n)
	}
	feed([]pkt{{at: ms(60), seq: 500, ts: 9000, ssrc: 2, pt: 8, payload: alaw(10, 160)},
		{at: ms(65), seq: 3, ts: 480, ssrc: 1, pt: 8, payload: alaw(3, 160)}, // straggler of SSRC 1
		{at: ms(80), seq: 501, ts: 9160, ssrc: 2, pt: 8, payload: alaw(11, 160)}})
	if n, at := s.Takeovers(); n != 1 || at != 480 {
		t.Errorf("after SSRC 2: %d takeovers at sample %d, want 1 at 480 (60 ms)", n, at)
	}
}

// TestTalkspurtNotHeld: after silence suppression on a steady line, a
// talkspurt's first packet (timestamp jump, capture time within 10 ms of
// it) continues the timeline and is emitted as it arrives. A new timeline
// would hold it for the reorder window, 60 ms more before every talkspurt
// reaches the detector.
func TestTalkspurtNotHeld(t *testing.T) {
	for _, late := range []int{0, 5, 9} {
		ps := stream(4, 20)
		for i := 2; i < 4; i++ {
			ps[i].at += time.Second + ms(late)
			ps[i].ts += 8000
		}
		ps[2].marker = true
		s := NewStream(DefaultConfig())
		var end int64
		out := func(pcm []int16, sample int64) { end = sample + int64(len(pcm)) }
		for i, p := range ps {
			if err := s.Process(t0.Add(p.at), p.bytes(), out); err != nil {
				t.Fatal(err)
			}
			if i == 2 && end != 320+8000+160 {
				t.Errorf("%d ms late: after the talkspurt's first packet, audio out to sample %d, want %d (emitted at once)", late, end, 320+8000+160)
			}
		}
	}
}

// TestStreamIdle: a talkspurt of four packets, then nothing (a phone that
// suppresses silence without comfort noise), then a second talkspurt 1 s
// later. Idle fills the quiet with silence as it comes, up to the idle
// time less the lag, once nothing is held; the next talkspurt lands where
// it was captured, after that silence, not trimmed. A stream started with
// StartAt and no packet yet is silence from its start.
func TestStreamIdle(t *testing.T) {
	ps := stream(8, 20)
	for i := 4; i < 8; i++ {
		ps[i].at += time.Second
		ps[i].ts += 8000
	}
	ps[4].marker = true
	s := NewStream(DefaultConfig())
	var end int64
	var zeros int
	out := func(pcm []int16, sample int64) {
		if sample != end {
			t.Errorf("audio at sample %d, want it to go on from %d", sample, end)
		}
		for _, v := range pcm {
			if v == 0 {
				zeros++
			}
		}
		end = sample + int64(len(pcm))
	}
	for _, p := range ps[:4] {
		if err := s.Process(t0.Add(p.at), p.bytes(), out); err != nil {
			t.Fatal(err)
		}
	}
	s.Idle(t0.Add(ms(700)), ms(300), out)
	if want := int64(400 * 8); end != want {
		t.Errorf("after Idle at 700 ms less 300: audio out to sample %d, want %d", end, want)
	}
	for _, p := range ps[4:] {
		if err := s.Process(t0.Add(p.at), p.bytes(), out); err != nil {
			t.Fatal(err)
		}
	}
	s.Flush(out)
	if want := int64(8000 + 8*160); end != want {
		t.Errorf("after the second talkspurt: audio out to sample %d, want %d", end, want)
	}
	if st := s.Stats(); st.TrimmedSamples != 0 {
		t.Errorf("%d samples trimmed, want none", st.TrimmedSamples)
	}

	s = NewStream(DefaultConfig())
	end, zeros = 0, 0
	s.StartAt(t0)
	s.Idle(t0.Add(ms(3300)), ms(300), out)
	if end != 3*8000 || zeros != 3*8000 {
		t.Errorf("a stream started at t0 with no packet, idle at 3.3 s: %d samples out, %d zero, want 24000 of silence", end, zeros)
	}
	s.Idle(t0.Add(ms(3200)), ms(300), out) // time does not go back
	if end != 3*8000 {
		t.Errorf("an earlier Idle moved the audio to %d", end)
	}
	// Its first packet, 3.5 s in, lands on that clock after the silence,
	// not at sample 0 (where the silence was: it would be trimmed).
	first := stream(3, 20)
	for _, p := range first {
		if err := s.Process(t0.Add(ms(3500)+p.at), p.bytes(), out); err != nil {
			t.Fatal(err)
		}
	}
	s.Flush(out)
	if want := int64(3500*8 + 3*160); end != want {
		t.Errorf("the first packet 3.5 s after StartAt: audio out to sample %d, want %d", end, want)
	}
	if st := s.Stats(); st.TrimmedSamples != 0 {
		t.Errorf("%d samples trimmed after StartAt, want none", st.TrimmedSamples)
	}
}
