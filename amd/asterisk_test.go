package amd

// A re-implementation, for comparison only, of the decision logic of
// Asterisk's AMD() application (apps/app_amd.c) with its documented defaults
// (amd.conf): 20 ms frames classified silent when the mean absolute sample is
// below silence_threshold; words counted as voice runs of minimum_word_length;
// MACHINE on initial silence, a long greeting, too many words or a long word;
// HUMAN on silence after a short greeting; NOTSURE when time runs out.
type asteriskAMD struct {
	InitialSilence, Greeting, AfterGreetingSilence, TotalAnalysisTime int // ms
	MinimumWordLength, BetweenWordsSilence, MaximumNumberOfWords      int
	MaximumWordLength, SilenceThreshold                               int
}

var asteriskDefaults = asteriskAMD{
	InitialSilence: 2500, Greeting: 1500, AfterGreetingSilence: 800, TotalAnalysisTime: 5000,
	MinimumWordLength: 100, BetweenWordsSilence: 50, MaximumNumberOfWords: 2,
	MaximumWordLength: 5000, SilenceThreshold: 256,
}

// classify returns Human, Machine or Unknown (NOTSURE) and the decision time
// in samples after answer, running on the audio from answer on.
func (a asteriskAMD) classify(x []int16) (Class, int) {
	const frame = 160 // 20 ms
	inInitialSilence, inGreeting, inWord := true, false, false
	silenceDur, voiceDur, consecVoice, words, total := 0, 0, 0, 0, 0
	for p := 0; p+frame <= len(x); p += frame {
		total += 20
		if total >= a.TotalAnalysisTime {
			return Unknown, p + frame
		}
		acc := 0
		for _, v := range x[p : p+frame] {
			acc += max(int(v), -int(v))
		}
		if acc/frame < a.SilenceThreshold {
			silenceDur += 20
			consecVoice = 0
			if silenceDur >= a.BetweenWordsSilence {
				inWord = false
			}
			if inInitialSilence && silenceDur >= a.InitialSilence {
				return Machine, p + frame
			}
			if silenceDur >= a.AfterGreetingSilence && inGreeting {
				return Human, p + frame
			}
			continue
		}
		consecVoice += 20
		voiceDur += 20
		if consecVoice >= a.MinimumWordLength && !inWord {
			words++
			inWord = true
			if words >= a.MaximumNumberOfWords {
				return Machine, p + frame
			}
		}
		if consecVoice >= a.MaximumWordLength {
			return Machine, p + frame
		}
		if inInitialSilence {
			inInitialSilence, inGreeting = false, true
		}
		if voiceDur >= a.Greeting {
			return Machine, p + frame
		}
		silenceDur = 0
	}
	return Unknown, len(x)
}
