// Package amd tells, from the callee's audio alone, who or what answered a
// call: a person (Human), an answering machine or voicemail (Machine, with
// the end of its beep: the moment to start the message), a network
// announcement (Announcement: switched off, unreachable, not in service,
// usually after SIT and often as early media), a fax, dead air (Silence), a
// busy tone or ringback that goes on after answer.
//
// A Detector takes 8 kHz 16-bit PCM on a sample clock (no wall clock, no
// goroutines, no allocation per frame) and is fed with Write; Answer marks
// the answer (audio before it is early media), End the hang-up. Verdict is
// the current answer, Events the evidence (speech, tones, beeps, SIT, DTMF,
// fax tones, cadences). The package imports only its sub-packages and the
// standard library:
//
//	energy  frame level in dBFS, exact-zero runs (concealed packet loss),
//	        noise floor by minimum statistics or by a sliding percentile,
//	        voice activity
//	tone    three-lag (Pisarenko) tone estimate, Goertzel filters, DTMF,
//	        SIT bands, a tone tracker with start and end
//
// # Frames and features
//
// Audio is cut into 10 ms frames (80 samples). Every frame costs one pass for
// its energy and four symmetric autocorrelation lags (R0..R3: four
// multiply-adds per sample, exact integer sums), and a look at every 16th
// sample for a zero run of concealed loss. From the lags a one-sinusoid fit
// gives a frequency and the share of power in the tone: exact for a pure tone
// at any phase, unbiased in white noise. Frames where that share is 0.7 or
// more are candidates; when they fail, the same fit on the differenced lags
// (a first difference, free from the lags), which resists low-frequency
// coloured noise, gets a second chance. Only candidates pay for Goertzel
// filters, at the estimated frequency (or, while a tone is tracked, the
// tone's) and 20 Hz below, 20 and 40 Hz above: purity is confirmed when at
// least 75% of the frame's power sits at one of them (a tone 5 dB over white
// noise still passes; a DTMF pair, a chord or a vowel's harmonic comb does
// not). Four filters run side by side in one pass, which costs about as much
// as one; when both fits are candidates (voiced speech, often) their eight
// filters share one pass. A beep rich in harmonics (a square wave through
// the line, its third harmonic at -9.5 dB) pulls the fit up and off its
// fundamental: when the first fit holds 85% of the power but fails purity,
// the fit on the summed lags (x[n]+x[n-1], which damps the harmonics) gets
// a third chance, with filters from 60 Hz below it, for fundamentals of
// 500 Hz and more (lower, low voices' steady vowels would pass). DTMF filters run only on steady frames whose lags
// put their power where a key's two tones are (normalised lag-1 correlation
// 0.35-0.82: voiced speech, mostly below 1 kHz, sits higher). Result: about
// 22,700 seconds of audio per CPU second on synthetic voice-like combs (the
// worst case for the tone gates) and about 27,700 on a recorded greeting,
// with no allocation (BenchmarkDetector, BenchmarkDetectorRecorded; AMD EPYC,
// one core).
//
// A run of 16 or more exact zero samples marks a concealed packet loss: such
// frames do not feed the noise floor, are never speech and are bridged inside
// tones (up to 40 ms).
//
// # Voice activity
//
// The background is estimated in two bands: the full band and the first
// difference of the signal (a high-pass, free from the lags), which lifts a
// voice out of rumble, brown noise and low-pitched babble. In each band:
//
//   - the noise level is the 10th percentile of the frame levels over 3 s
//     (energy.Noise: a 0.5 dB histogram with an incrementally maintained
//     percentile): unlike a minimum it is not dragged down by the odd deep
//     dip of a swinging background, and it needs no warm-up, so noise
//     that starts with the first frame is background at once;
//   - the typical background is the median of the frames that were not
//     voice-active over 3 s;
//   - both are learnt afresh at the answer (the callee's line is another
//     source than the early media before it).
//
// A frame is voice-active 6 to 9 dB (SpeechOnDB) above the noise level in
// either band, the threshold following how much the background swings
// (median minus 10th percentile, plus 5 dB): a steady hiss lets a quiet
// voice through, babble does not; hysteresis keeps it on two thirds of
// that. A frame must also reach -52 dBFS (SpeechMinDBFS) in the full band
// or -55 dBFS in the differenced one (comfort noise at -60 dBFS after
// digital silence is a 20 dB step but no voice). Frames inside a tracked tone (single tone from its third frame and
// the onset frame before it, cadence tone from its fifteenth, DTMF, V.21)
// are not speech: the speech logic runs 120 ms behind the analysis so that
// a tone's first frames are known to be tone before they are counted. A
// single tone that ends short of a beep (80 ms) below 380 Hz gives its
// frames back, still in that lag, as voiced speech: a high voice's
// fundamental standing alone for a few frames ("Hi!") is its loudest vowel.
// A tone cut by lost packets keeps them: it is a piece of a longer one.
// 200 ms or more of nothing is no loss but a sender that stopped (silence
// suppression): two beeps with nothing between them stay two.
//
// A voice is modulated (syllables and the dips between them): a run of
// active frames whose levels stay within 4 dB for 300 ms is a steady
// background the noise floor has not caught up with yet (noise that rises
// after the answer, or after a person's first words), and stops being
// active.
//
// Bursts of 50 ms and more are candidates; a burst becomes an utterance
// only if it is loud enough to be a voice and not the background's own
// swings: a burst that starts a chain must peak 14 dB above the noise
// level and 11 dB above the typical background (a voice at 10 dB SNR
// peaks 13 dB and more above the background's mean; babble and rumble
// swing by 5-8 dB), and, while the background has been heard for less than
// 0.5 s, its level must swing by 4 dB (a flat rise is the background
// changing, as when comfort noise starts after the answer). A burst that
// continues a chain need only reach 6 dB above the typical background and
// peak within 12 dB of the chain's loudest frame, in dBFS: the quiet
// syllables of a voice already heard (a speech-level tracker), not the
// background after it. The levels are compared as heard, not above the
// background, since the background estimate moves in a pause (babble
// learnt there) while the voice does not. That leniency holds for 400 ms after the chain's last speech, after
// which a burst must also pass the tests of a chain's first burst (a swing
// of babble after a long hello does not stretch it into a greeting).
//
// A burst that stands less than 20 dB above the typical background must
// also have a vowel: two voiced frames in a row. Voicing (voicing.go) is
// the best normalised correlation, over pitch lags of 2-12.5 ms (80-500
// Hz), of the last 20 ms with the 20 ms before each lag, on the signal
// differenced (which whitens brown noise and rumble), low-passed and halved
// to 4 kHz; a frame is voiced at 0.4. Vowels of real and synthetic voices
// reach 0.6-0.99 frame after frame; pink and brown noise and the
// generator's babble rarely reach 0.4 on one frame (about 1 in 100) and
// almost never on two in a row, so a swing of the line's noise neither
// starts a chain (dead air over rumble stays dead air). Over a white
// background (the lag-1 correlation of the background frames since the
// answer under 0.3: line hiss, comfort noise) the signal is low-passed
// without the difference, which would tilt it towards the noise at 2-3
// kHz: a quick "Да?" 13-18 dB over white noise measured 0.3-0.6 and was
// dead air; low-passed it measures 0.6-0.9, and white noise alone is
// voiced in 0.4% of frames instead of 4%. A frame far from white itself
// (lag-1 correlation 0.8 and more: brown noise or babble rising over the
// hiss, which low-passed only would look voiced) is still differenced.
//
// A louder burst is a voice by its level alone: a person speaking close
// to a quiet line whose words barely show a pitch (as in one of the shared
// corpus's recordings) still counts.
//
// Within a burst, only voice-like frames make the speech last longer: a
// voiced frame, a loud one (20 dB above the typical background), or an
// unvoiced one within 150 ms after a voiced frame (the consonants of the
// word). Babble or rumble going on after "Yes?" keeps the burst active by
// level but not the speech, so the person's silence counts from the end of
// the word, and the lag extension of a long greeting counts only
// voice-like frames too.
//
// Cost: voicing is measured only on voice-active frames; it tries the lags
// around the last pitch first (a seventh of the work) and the whole range
// when they fail; and within a run that has shown two voiced frames in a
// row it is measured again only as the 150 ms allowance runs out, the
// frames between counting as voiced.
//
// Utterances separated by less than the human-silence pause form a chain.
//
// Where a chain's voice starts: while the background is young (the first
// 0.5 s after answer), babble or noise that starts with the answer passes
// for speech. A chain therefore records where each of its first eight
// bursts turns loud, and its voice starts at the first burst within 8 dB of
// the chain's loudest (quieter ones before it, a television going on
// before the hello, are skipped); a young burst whose first 150 ms or
// more sit 25 dB below its later frames starts where it turns loud. The
// machine rule measures speech from there, and so do the silence rules:
// the pause that makes a person grows with the utterance, and the
// background's bursts before the voice are not the person's utterance.
//
// Where it ends: the machine rule counts speech up to the last frame of a
// burst whose peak is within 8 dB of the chain's loudest; quieter bursts
// after it (the voices behind a person who stopped) count once the voice
// comes back. Within a burst, too: once 100 ms of speech has gone by
// without a frame within 8 dB of the chain's loudest, the machine rule
// counts only to the last such frame, and after 200 ms without one the
// burst's speech counts as quieter bursts' would. A television's voices
// that run on from the end of a hello, with no gap, are in the hello's
// burst. After 300 ms of only quieter speech, the pause of the silence
// rules runs from the voice's last loud frame, and the chain's length is
// taken to there.
//
// The first sound after an answer that sent nothing (200 ms or more of
// digital silence since the answer, nothing else heard: a phone that
// suppresses silence without comfort noise) has no background to stand
// over but itself, and fails the tests above. If it holds a vowel, it is
// judged again in the 250 ms after it, against the background heard then
// (the suppressor's hangover): peakSNR over it, it is a voice, the first
// burst of a chain. If nothing but digital silence came in those 250 ms
// (no hangover, or one that held only the sound's own end), the
// background is near-silence. A loud word can teach the background its own
// level from its first frames, and then stand too little over it to be a
// burst at all: while the background is young and no chain is on, each
// talkspurt (the frames between two runs of digital silence) is judged
// whole as well, its voicing measured in every frame. If it holds a vowel
// (three voiced frames in a row) and its loudest frame stands peakSNR
// over its last three frames (the hangover, or the word dying away; 2 dB
// less with a vowel of five frames), it is a voice, ending with its last
// frame 6 dB over those. On such a line what is sent is mostly voice, the
// line's noise only in each hangover: its background is the 5th
// percentile of what was heard rather than the 10th, and a background
// median that stands 15 dB over it (the first word, learnt before any
// hangover) is learnt afresh; 9 dB once a talkspurt held 80 ms of
// voicing in a row, which a dead line's rustles never do. Until then the
// words of a greeting that runs on from the first may not stand over that
// median; but the line sent them, which its voice detector does for
// speech, so on such a line a voiced frame sent within 6 dB of the
// chain's loudest keeps the chain going: no pause runs through it, and it
// counts towards a long greeting.
//
// # Human, machine, silence
//
// People answer with a short phrase and wait; machines keep talking. After
// answer:
//
//   - A chain of speech that reaches 2.1 s (MachineSpeech) is a Machine. The
//     threshold sits above the longest "Hello, this is John speaking" our
//     synthetic voices produce (1.6-2.0 s) because hanging up on a person is
//     the worst error; lowering it to 2.0 s makes machines faster by 0.1 s
//     and costs about 1% of long hellos. Speech still inside the 120 ms lag
//     that continues the chain counts (when the chain's last speech was
//     loud), so the lag does not delay this.
//   - A known greeting (UseGreetings, greetings.go) is a Machine after 1.2 s
//     of it: a recording heard before to its beep, recognised by its
//     waveform under other noise, gain and codec.
//   - On a call the network forwarded on busy, no reply or unreachability
//     (Forwarded: the caller learnt it from the signaling), 1.6 s
//     (ForwardedSpeech) is enough: that is how mobile networks reach
//     voicemail, so a greeting is the likely answer, and only a person
//     reached by such forwarding who says a long hello pays for it.
//   - A chain followed by silence is a Human: after 650 ms of silence when the
//     chain is up to 1 s long, 900 ms up to 1.5 s, 1050 ms beyond (a long
//     utterance with a pause is how greetings go on; a person who said a long
//     hello waits longer still). A tone in progress (maybe the beep that ends a
//     short greeting) postpones it, unless it is too quiet to be a beep
//     (beepUnderDB) or other notes were heard in the 2.5 s before it: music
//     behind the person goes on, and would hold the verdict back for as
//     long as it plays. The silence counts up to the newest frame
//     analysed when nothing voice-like is in the 120 ms the speech logic lags
//     behind (so the lag does not delay a person's verdict); otherwise up to
//     the lagged frame.
//   - No speech for 3 s after answer is Silence (dead air), unless a tone was
//     heard; a voice after that reopens the decision, a click or a swing of
//     the noise does not (a chain of less than 250 ms of speech that never
//     rises 14 dB above the typical background).
//   - At hang-up an undecided call is a Machine if it spoke 1.7 s or more
//     and was still speaking HumanSilence before the end (unless that was
//     a hello, then quieter voices: a Human), a Human if it
//     spoke otherwise (briefly, or a long hello whose pause the hang-up cut
//     short: Reason ReasonLongHelloHangUp, which fusion turns into
//     switched_off when the network released right after it, as it does
//     an answered announcement), Silence if it said nothing for a second or
//     more.
//
// Asterisk's AMD() counts words and greeting length in 20 ms frames against
// a fixed amplitude threshold: "Hello, this is John" is two or more words, so
// a person becomes a machine, and a noisy line makes words out of noise. Here
// the decision rests on what does separate the two (people stop and wait),
// the activity threshold follows the noise, and tones never count as words.
// The accuracy test re-implements AMD()'s defaults and runs it on the same
// calls for comparison.
//
// # Beeps
//
// A beep is one steady tone of 80 ms to 2 s between 300 and 2500 Hz (3%
// wider, for the tracker's error at the edges) whose
// frames are at least 80% tonal, at a stable frequency (3%, or 25 Hz) and
// level (4 dB; a bell's decay of 40 dB/s still holds frame to frame). Below
// 380 Hz, where a low voice's held vowel or its harmonic sits, a beep must
// also last 150 ms and start 120 ms or more after the last speech, unless it
// is the second of a pair. Its end is the end of the last tonal frame plus the share of
// the next frame still holding the tone (the Goertzel share of a partly
// filled frame is the filled fraction), so the end is found to a few ms. A
// candidate is confirmed when the 100 ms after it are not voice (a voicemail
// records after its beep; a vowel's harmonic is followed by more voice;
// only voiced or loud frames count, so babble or rumble on the line after
// the beep does not undo it; each of those frames, and of the 300 ms
// after a low beep, is measured for voicing,
// where elsewhere a voiced run skips measuring for up to 130 ms, since the
// beep's own tail in the first frame after it would start such a run):
// BeepEnd is therefore known about 100-150 ms after the tone stops (300
// ms amid music: where tones at two other pitches ended in the 2.5 s
// before a candidate, the 300 ms after it must be quiet, since the tracker
// follows a melody's notes in pieces, broken by gaps and voices, and a
// note followed by a short gap passes 100 ms; and 300 ms after a tone more
// than 9 dB under the voice heard, which after a greeting may still be its
// beep but is more often a note of the music under it, sounding in a pause
// before the next words). Nor may half of those frames stay within 5 dB of
// the tone's level: the sound went on (the next note of music, or the
// music a note stood out of by a few dB), where a beep is followed by the
// line's noise. Nor may half of the 200 ms before it (ending 50 ms before
// its start, which may be its onset the tracker followed late on a noisy
// line, and before any tone at its pitch or level that ended in it: a
// piece of this one, a note it repeats, a record tone's first note):
// sound that went on into the
// tone at its level is the music the note belongs to, where a beep
// follows the greeting's pause; a greeting's words that ended less than
// 150 ms before it do not count (a beep glued to "...after the tone.").
// A music bed within about 4 dB of the beep that runs right into it
// hides the beep (TestMusicBedIntoBeep). Pieces of one tone split by
// noise, loss or a fading frame (at the same pitch, 60 ms or less apart)
// are joined, a short last piece too, so the beep ends where its last
// piece does and keeps its own level; what
// follows a tone held for a SIT segment, a busy burst or a beep-only
// voicemail is counted the same way, since its check comes later. A
// candidate the end of the audio cuts off within 50 ms of its end is no
// beep (nothing says it ended with quiet: a note of music cut off by the
// hang-up). A tone that follows a candidate within its check, at the same
// pitch too (a note repeated, a "bee-beep"), is judged with it: the pair
// by what follows the second. The check is held 30 ms past its 100 ms
// (the quiet is still judged on the 100 ms) for a note that follows a
// plucked note's gap of about 100 ms, and one at another pitch that
// sounds two frames in it makes the candidate a note even if it ends
// before the check does. Digital silence right after a candidate is
// taken for lost packets (its check starts after them) only for less
// than 200 ms: a longer run is a sender that stopped (silence
// suppression after the beep), and counts as the quiet.
// Beeps less than 500 ms apart ("bee-beep") are one: BeepStart is the first's
// start, BeepEnd the last's end. A beep after answer decides Machine (even
// over an earlier Human verdict: people do not beep), and the detector keeps
// tracking after the class is decided, so BeepEnd arrives whenever the beep
// does; without a beep, GreetingEnd marks the last speech once 1.2 s of
// silence followed a machine's greeting.
//
// What is not a beep, and why:
//   - a tone shorter than 200 ms that starts within 60 ms of the end of a
//     word: the word's last vowel held steady (diphone voices do this on a
//     question's rising end); voicemail beeps follow a pause;
//   - a single tone longer than MaxBeep (2 s): test tones (the 1000 Hz
//     milliwatt, 4.6 s), fax CED, dial and hold tones. Voicemail beeps are
//     0.1-1.5 s;
//   - 2100 Hz (fax CED, pieces split by phase reversals add up), 1100 Hz
//     after a CNG, 1650/1850 Hz within V.21 flags (a run with three or
//     more frames mixing the two: a beep's first or last frame may mix
//     them once);
//   - 300-480 Hz without a greeting before it or amid busy/ringback cadences
//     (425 Hz network tones); after a greeting such a tone waits 800 ms to
//     see whether it repeats like a busy tone;
//   - a tone in a SIT band of SIT length waits 150 ms for the next segment;
//   - a tone right after answer with no speech before it waits 1 s: voice
//     after it means an announcement (a lone first SIT segment then speech is
//     an Announcement, unless sound goes on at its level after it: a note),
//     silence means a beep-only voicemail, and a tone at another pitch
//     within that second makes it a note of music;
//   - two close tones (ringback 440+480, 400+450) fit as one tone at their
//     mean frequency but beat: their level swings by up to 9 dB from frame to
//     frame and half their frames fail purity;
//   - DTMF, chords and speech harmonics fail purity;
//   - a note of a melody (a caller tune or music on the line played by a
//     flute, a whistle or a synthesiser: each note as pure and steady as a
//     beep). A beep ends with quiet; a candidate followed within the 100 ms
//     check by a tone at another pitch is judged with it as one candidate
//     (a "bee-boop" record tone, or three rising notes in 0.3 s, is still
//     one beep, its end the last note's), and a run of tones whose pitch
//     changes twice and lasts over 1 s is a melody: none of it, nor a tone
//     starting within 400 ms of its last note, is a beep. SIT segments,
//     which rise band by band, are left to the SIT logic, and a run does
//     not go on across the answer (a beep-only voicemail may beep right
//     after a caller tune: TestBeepRightAfterTune). Pure-note
//     melodies gave a false beep on 120 of 120 calls of TestMelodyNoBeep;
//     now none of its 120 calls does. Before the check of the 200 ms
//     before a tone, 1 of 80 with pure notes did, and 6 of 20 with
//     harmonics (17 before the sound-goes-on check: the tracker breaks
//     such notes into pieces, and the line's background learns the
//     music's level, so the next note was not voice).
//
// # Network tones and fax
//
// SIT: consecutive tones in the bands 913.8/985.2, 1370.6/1428.5 and
// 1776.7 Hz (ITU-T Q.35, ANSI T1.401), each 180-450 ms, less than 60 ms
// apart and in ascending order; three, or two and then nothing, make an
// EventSIT and decide Announcement, before or after answer. Speech for 1 s
// in early media (before Answer), at least half of it voiced (not the odd
// burst from a noisy ringback), is also an Announcement, but a provisional
// one (Verdict.Provisional): a caller tune (music instead of ringing) or a
// "please hold" notice sounds the same, and a person or a voicemail may
// answer after it. The answer reopens it, and the answered audio decides as
// if nothing came before, with one exception: speech running across the
// answer (heard within 60 ms before it and again within 150 ms after it)
// that goes on for 500 ms with no pause of 200 ms is the announcement
// continuing (a network that answers to play it), and stays Announcement;
// a shorter tail (early packets trailing the 200 OK) is forgotten. SIT is
// never reopened.
//
// Cadence tones (300-700 Hz: 425 Hz, 440+480, 400+450, 480+620, 350+440)
// are followed by a second tracker that tolerates the jitter of close pairs.
// Three regular bursts of 150-700 ms with regular gaps are an EventBusy; a
// fourth decides Busy. Bursts of 0.7-2.6 s (or the UK's 0.4+0.4 pair) are
// EventRingback; two within 5.5 s after answer (and a second or more
// apart: a burst less than a second after the last is a piece of it, or
// the second of a pair of long low beeps) decide Ringback. Before answer,
// ringback never decides anything, and its rings do not count towards
// the cadence after it.
//
// Fax: 2100 Hz for 700 ms (CED, with or without phase reversals), V.21
// channel 2 HDLC flags (1650/1850 Hz, 300 ms of frames with both) or two CNG
// bursts (1100 Hz, 0.25-0.8 s, while less than 300 ms of speech has been
// heard: a click at the answer does not make them beeps) decide Fax, over
// an earlier Human verdict too. After such a burst, human and machine
// decisions wait 3.5 s for the next one. Two 1100 Hz bursts of CNG length
// 2.5-4.5 s apart (the calling tone's 0.5 s on, 3 s off) decide Fax over
// anything but an announcement, whatever the noise between them sounded
// like; a beep at 1100 Hz heard before is then forgotten (it was the first
// burst), and no beep is taken once a call is a fax. On a noisy line (CNG 6
// dB above loud noise) the tone tracker's purity fails; a second, narrow
// check follows runs of frames holding 45% of their power at 1100 Hz (a
// Goertzel filter over each half frame), and two such runs of 0.3-0.9 s,
// 2.5-4.5 s apart, decide Fax too. It runs after the answer, until the
// callee has said 0.9 s (a fax speaks no words).
//
// # Confidence
//
// Confidence reflects the margin of the deciding feature: 0.95-0.98 for
// tones (beep, SIT, fax, busy), 0.7-0.95 for a long greeting (by how much of
// the chain was voiced), 0.6-0.95 for Human (by how far the chain stayed
// below MachineSpeech), 0.6-0.7 for decisions made at hang-up.
//
// # Known weaknesses
//
// An announcement after answer without SIT is a Machine (no speech
// recognition here). A greeting that pauses for more than 0.65-1 s within
// its first two seconds ("Hi! ... You have reached ...") is first decided
// Human; its beep later turns it to Machine. A beep 5 dB or less above the
// noise is missed. A person who talks for more than 2.1 s without a pause
// is a Machine, so a machine is decided about 2.1 s after its greeting
// starts (2.8-2.9 s after answer when greetings start 0.4-1 s in). Babble
// made of real voices as loud as the callee cannot be told from the callee
// by level or voicing; only the generator's synthetic babble (filtered
// noise with syllable-rate envelopes, unvoiced) was tested. Music on hold
// is not classified.
package amd
