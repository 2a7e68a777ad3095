package amd

import (
	"errors"
	"fmt"
	"time"
)

// SampleRate is the only sample rate the detector accepts.
const SampleRate = 8000

const frameLen = 80 // 10 ms frames (energy.FrameSize)

// Class is what answered the call.
type Class uint8

// The classes a Detector decides.
const (
	Unknown      Class = iota // not decided (yet)
	Human                     // a person answered
	Machine                   // an answering machine or voicemail
	Announcement              // a network announcement (switched off, unreachable, not in service), often after SIT
	Fax                       // a fax machine (CED, CNG or V.21 flags)
	Silence                   // dead air after answer
	Busy                      // a busy or congestion tone
	Ringback                  // ringback still playing after answer
)

var classNames = [...]string{"unknown", "human", "machine", "announcement", "fax", "silence", "busy", "ringback"}

// String returns the lower-case name of the class.
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// EventKind says what an Event is.
type EventKind uint8

// The kinds of Event.
const (
	EventSpeech       EventKind = iota // an utterance (voice activity that is not a tone)
	EventTone                          // a steady single tone that is nothing more specific (e.g. a 1000 Hz test tone)
	EventBeep                          // a beep: a single tone of MinBeep..MaxBeep (the voicemail record tone)
	EventSIT                           // special information tones (three ascending segments)
	EventDTMF                          // a DTMF key press; Freq and Freq2 are its tones
	EventFaxCNG                        // fax calling tone, 1100 Hz
	EventFaxCED                        // fax answer tone, 2100 Hz
	EventV21                           // V.21 channel 2 HDLC flags (1650/1850 Hz FSK) of a fax
	EventBusy                          // busy or congestion cadence
	EventRingback                      // ringback cadence
	EventSilence                       // dead air decided
	EventAnnouncement                  // speech in early media taken for an operator announcement
)

var eventNames = [...]string{"speech", "tone", "beep", "sit", "dtmf", "fax-cng", "fax-ced", "v21", "busy", "ringback", "silence", "announcement"}

// String returns the lower-case name of the kind.
func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event is one piece of evidence, on the stream's sample clock.
type Event struct {
	Kind       EventKind
	Start, End int64   // sample indices: first sample, first sample after
	Freq       float64 // Hz, for tones (the first SIT segment's for SIT, the low tone for DTMF)
	Freq2      float64 // Hz, the second frequency of a dual tone (DTMF high tone), else 0
	Level      float64 // dBFS
}

// String formats the event as "beep 12000-15520 700Hz -18.2dBFS".
func (e Event) String() string {
	s := fmt.Sprintf("%s %d-%d", e.Kind, e.Start, e.End)
	if e.Freq > 0 {
		s += fmt.Sprintf(" %.0fHz", e.Freq)
	}
	if e.Freq2 > 0 {
		s += fmt.Sprintf("+%.0fHz", e.Freq2)
	}
	return s + fmt.Sprintf(" %.1fdBFS", e.Level)
}

// Verdict is the detector's current answer.
type Verdict struct {
	Class       Class
	Confidence  float64 // 0..1, reflects the margin of the deciding feature
	Decided     bool
	DecidedAt   int64  // sample index at which the class was decided (-1 undecided)
	BeepStart   int64  // first sample of the (last) beep, -1 none
	BeepEnd     int64  // first sample after the (last) beep, -1 none: the moment to start speaking
	GreetingEnd int64  // end of a machine's greeting when no beep came, -1 unknown
	Reason      string // short: what decided it
	// Provisional is set on an Announcement decided from speech in early
	// media: the answer reopens it (a person after a music ringback), so
	// a later verdict may follow.
	Provisional bool
}

// Config tunes a Detector. Durations are converted to 10 ms frames.
type Config struct {
	// SpeechOnDB and SpeechOffDB: a frame is voice-active when it is this far
	// above the noise floor (on to start, off to continue).
	SpeechOnDB, SpeechOffDB float64
	// SpeechMinDBFS is the lowest level counted as speech.
	SpeechMinDBFS float64
	// ToneMinDBFS is the lowest level of a tone frame.
	ToneMinDBFS float64
	// TonePurity is the share of a frame's power a single tone must hold.
	TonePurity float64
	// MinBeep and MaxBeep bound a beep's length; a longer single tone is a
	// plain tone (test tone, fax CED, a long hold tone), never the beep.
	MinBeep, MaxBeep time.Duration
	// BeepMinHz and BeepMaxHz bound a beep's frequency.
	BeepMinHz, BeepMaxHz float64
	// HumanSilence is the silence after a short first utterance that decides
	// Human; HumanSilenceLong applies after an utterance longer than
	// LongUtterance (a person's "Hello, this is John speaking"), growing to
	// HumanSilenceLong+150 ms for utterances of 1.5 LongUtterance and more.
	HumanSilence, HumanSilenceLong, LongUtterance time.Duration
	// MachineSpeech is the length of speech without a HumanSilence pause that
	// decides Machine.
	MachineSpeech time.Duration
	// ForwardedSpeech replaces MachineSpeech on a call the network
	// forwarded on busy, no reply or unreachability before the answer
	// (Detector.Forwarded): that is how mobile networks reach voicemail,
	// so a greeting is likely and less of it is needed. Zero keeps
	// MachineSpeech.
	ForwardedSpeech time.Duration
	// SilenceTimeout after answer with no speech decides Silence.
	SilenceTimeout time.Duration
	// GreetingSilence after a machine's speech marks the greeting's end.
	GreetingSilence time.Duration
	// EarlyMediaSpeech of speech before answer decides Announcement.
	EarlyMediaSpeech time.Duration
	// CEDMin of a 2100 Hz tone decides Fax.
	CEDMin time.Duration
}

// DefaultConfig returns the tuned defaults (see doc.go for why).
func DefaultConfig() Config {
	return Config{
		SpeechOnDB:       9,
		SpeechOffDB:      6,
		SpeechMinDBFS:    -52,
		ToneMinDBFS:      -50,
		TonePurity:       0.75,
		MinBeep:          80 * time.Millisecond,
		MaxBeep:          2 * time.Second,
		BeepMinHz:        300,
		BeepMaxHz:        2500,
		HumanSilence:     650 * time.Millisecond,
		HumanSilenceLong: 900 * time.Millisecond,
		LongUtterance:    time.Second,
		MachineSpeech:    2100 * time.Millisecond,
		ForwardedSpeech:  1600 * time.Millisecond,
		SilenceTimeout:   3 * time.Second,
		GreetingSilence:  1200 * time.Millisecond,
		EarlyMediaSpeech: time.Second,
		CEDMin:           700 * time.Millisecond,
	}
}

// Validate reports a configuration the detector cannot work with.
func (c Config) Validate() error {
	var errs []error
	pos := func(name string, d time.Duration) {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("amd: %s must be positive, got %v", name, d))
		}
	}
	pos("MinBeep", c.MinBeep)
	pos("MaxBeep", c.MaxBeep)
	pos("HumanSilence", c.HumanSilence)
	pos("HumanSilenceLong", c.HumanSilenceLong)
	pos("MachineSpeech", c.MachineSpeech)
	if c.ForwardedSpeech < 0 {
		errs = append(errs, fmt.Errorf("amd: ForwardedSpeech must not be negative, got %v", c.ForwardedSpeech))
	}
	pos("SilenceTimeout", c.SilenceTimeout)
	pos("GreetingSilence", c.GreetingSilence)
	pos("EarlyMediaSpeech", c.EarlyMediaSpeech)
	pos("CEDMin", c.CEDMin)
	if c.MaxBeep < c.MinBeep {
		errs = append(errs, fmt.Errorf("amd: MaxBeep %v below MinBeep %v", c.MaxBeep, c.MinBeep))
	}
	if c.SpeechOnDB <= 0 || c.SpeechOffDB <= 0 || c.SpeechOffDB > c.SpeechOnDB {
		errs = append(errs, fmt.Errorf("amd: need 0 < SpeechOffDB <= SpeechOnDB, got %v and %v", c.SpeechOffDB, c.SpeechOnDB))
	}
	if c.TonePurity <= 0.3 || c.TonePurity > 1 {
		errs = append(errs, fmt.Errorf("amd: TonePurity %v outside (0.3, 1]", c.TonePurity))
	}
	if c.BeepMinHz < 100 || c.BeepMaxHz > 3800 || c.BeepMaxHz <= c.BeepMinHz {
		errs = append(errs, fmt.Errorf("amd: beep band %v..%v Hz outside 100..3800", c.BeepMinHz, c.BeepMaxHz))
	}
	return errors.Join(errs...)
}

func samples(d time.Duration) int64 { return int64(d) * SampleRate / int64(time.Second) }

// ReasonLongHelloHangUp is the Reason of a Human decided at hang-up after
// 1.7 s or more of speech that had stopped HumanSilence before the end: a
// long hello, or an announcement the network cut off. Who released the
// call tells them apart, which the detector does not know.
const ReasonLongHelloHangUp = "long speech, then a pause, then hang-up"

// ReasonForwardedGreeting is the Reason of a Machine decided after
// Config.ForwardedSpeech of speech on a call the network forwarded
// (Detector.Forwarded).
const ReasonForwardedGreeting = "greeting after forwarding"

// ReasonKnownGreeting is the Reason of a Machine whose first 1.2 s of
// speech was a greeting heard before to its beep (Detector.UseGreetings).
const ReasonKnownGreeting = "known greeting"

// ReasonHelloOverVoices is the Reason of a Human whose hello was followed,
// without a pause, by quieter voices (a television, people in the room).
const ReasonHelloOverVoices = "hello, then quieter voices"

// ReasonKnownAnnouncement is the Reason of an Announcement whose first 1.2
// s after the answer was a network announcement heard before (its call
// released by the network right after it; Detector.Taught).
const ReasonKnownAnnouncement = "known announcement"
