package amd

import (
	"math/rand/v2"
	"testing"
)

// TestMusicUnderGreeting: a greeting read over a music bed (single notes,
// pure or with harmonics, 4-12 dB under the voice) that stops just before
// the beep. The call is a machine whose beep ends where it does. A note at
// the answer in SIT's first band (B5, 988 Hz, is SIT's 985 Hz) followed by
// the greeting made it an announcement ("sit segment then speech") on 16
// of these 48 calls: a lone SIT segment is one only with room after it for
// the segments lost.
func TestMusicUnderGreeting(t *testing.T) {
	greets := []string{"freeswitch/vm-not_available.wav", "asterisk-2005-sounds/vm-intro.gsm", "asterisk-sounds-ru/vm-intro.wav", "freeswitch/vm-record_message.wav"}
	bad, n := 0, 0
	for _, under := range []float64{-4, -8, -12} {
		for _, harm := range []int{1, 3} {
			for seed := uint64(1); seed <= 8; seed++ {
				n++
				rng := rand.New(rand.NewPCG(seed, 3))
				var s signal = silence(ms(300))
				s = s.add(speechAt(recording(t, greets[seed%4]), -20))
				s = s.add(silence(ms(300)))
				start := len(s)
				s = s.add(tones(ms(450), -18, 1000))
				end := len(s)
				s = s.add(silence(ms(2500)))
				for i, v := range melody(rng, start-ms(150), -20+under, harm, 0, 0, false) {
					s[i] += v
				}
				r, ev := run(scenario{pcm: impair(s, rng, -55, false, "ulaw", 0), answer: 0}, 160)
				if v := r.final; v.Class != Machine || v.BeepEnd < 0 || abs64(v.BeepEnd-int64(end)) > int64(ms(50)) {
					bad++
					t.Logf("music %v dB under the voice, %d harmonics, seed %d: %v (%s), beep end %d, want %d; events %v",
						-under, harm, seed, v.Class, v.Reason, v.BeepEnd, end, brief(ev))
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d greetings over music not a machine with its beep", bad, n)
	}
}

// TestMusicBedIntoBeep: the music bed runs up to a beep that follows the
// greeting's last word at once (0-90 ms). Sound at a tone's level right
// before it makes it a note of music (soundBefore), so a bed as loud as
// the beep would hide it; 8 and 12 dB under the voice it does not. 4 dB
// under, 26 of 32 such beeps (seeds 1-8) are missed, none before
// soundBefore: a voicemail plays its beep after the greeting's recording,
// bed and all, has ended, as TestMusicUnderGreeting's do.
func TestMusicBedIntoBeep(t *testing.T) {
	greets := []string{"freeswitch/vm-not_available.wav", "asterisk-2005-sounds/vm-intro.gsm", "asterisk-sounds-ru/vm-intro.wav", "freeswitch/vm-record_message.wav"}
	for _, under := range []float64{-8, -12} {
		for _, gap := range []float64{0, 30, 60, 90} {
			for seed := uint64(1); seed <= 4; seed++ {
				rng := rand.New(rand.NewPCG(seed, 3))
				var s signal = silence(ms(300))
				s = s.add(speechAt(recording(t, greets[seed%4]), -20)).add(silence(ms(gap)))
				start := len(s)
				s = s.add(tones(ms(450), -20, 1000))
				end := len(s)
				s = s.add(silence(ms(2500)))
				for i, v := range melody(rng, start, -20+under, 1, 0, 0, false) {
					s[i] += v
				}
				r, ev := run(scenario{pcm: impair(s, rng, -55, false, "ulaw", 0), answer: 0}, 160)
				if v := r.final; v.Class != Machine || v.BeepEnd < 0 || abs64(v.BeepEnd-int64(end)) > int64(ms(50)) {
					t.Errorf("bed %v dB under the voice into a beep %v ms after the greeting, seed %d: %v (%s), beep end %d, want %d; events %v",
						-under, gap, seed, v.Class, v.Reason, v.BeepEnd, end, brief(ev))
				}
			}
		}
	}
}

// TestLoneSITSegment: the first SIT segment, then nothing where the other
// two belong (lost), then the announcement: still an announcement.
func TestLoneSITSegment(t *testing.T) {
	ann := speechAt(recording(t, "asterisk-2005-sounds/ss-noservice.gsm"), -22)
	for _, f := range []float64{913.8, 985.2} {
		for _, seg := range []int{274, 380} {
			var s signal = silence(ms(200))
			s = s.add(tones(ms(float64(seg)), -20, f))
			s = s.add(silence(ms(700)))
			s = s.add(ann)
			s = s.add(silence(ms(500)))
			pcm := impair(s, rand.New(rand.NewPCG(uint64(seg), 1)), -55, false, "alaw", 0)
			from := ms(200) + ms(float64(seg))
			clear(pcm[from : from+ms(650)]) // the rest of the SIT lost
			r, ev := run(scenario{pcm: pcm, answer: 0}, 160)
			if r.first.Class != Announcement {
				t.Errorf("%.1f Hz for %d ms, then the rest lost and an announcement: %v (%s); events %v", f, seg, r.first.Class, r.first.Reason, brief(ev))
			}
		}
	}
}
