package main

import (
	"flag"
	"time"

	"github.com/callsight/callsight/amd"
	"github.com/callsight/callsight/internal/engine"
)

// audioTuning is the detector's settings that replay and serve share, as
// flags of the same names.
type audioTuning struct {
	machineSpeech, forwardedSpeech time.Duration
	humanSilence, humanSilenceLong time.Duration
	knownGreetings                 int
}

func (a *audioTuning) register(fs *flag.FlagSet) {
	fs.DurationVar(&a.machineSpeech, "machine-speech", amd.DefaultConfig().MachineSpeech, "speech without a person's pause that makes a machine: shorter decides machines sooner and takes more people's long hellos for greetings (README: Audio accuracy)")
	fs.DurationVar(&a.forwardedSpeech, "forwarded-speech", amd.DefaultConfig().ForwardedSpeech, "machine-speech for calls the network forwarded on busy, no reply or unreachability (how voicemail is reached); 0 keeps machine-speech")
	fs.DurationVar(&a.humanSilence, "human-silence", amd.DefaultConfig().HumanSilence, "the pause after a first utterance of up to 1 s that makes a person: shorter decides people sooner and takes more greetings that pause early for people")
	fs.DurationVar(&a.humanSilenceLong, "human-silence-long", amd.DefaultConfig().HumanSilenceLong, "the same after an utterance longer than 1 s (150 ms more after 1.5 s): shorter decides people with long hellos sooner and takes more greetings and answered announcements that pause between sentences for people (README: Audio accuracy)")
	fs.IntVar(&a.knownGreetings, "known-greetings", engine.DefaultConfig().KnownGreetings, "voicemail greetings to learn and recognise (a recording heard to its beep is a machine after 1.2 s of it the next time); 0 turns that off")
}

func (a *audioTuning) apply(cfg *engine.Config) {
	cfg.AMD.MachineSpeech = a.machineSpeech
	cfg.AMD.ForwardedSpeech = a.forwardedSpeech
	cfg.AMD.HumanSilence, cfg.AMD.HumanSilenceLong = a.humanSilence, a.humanSilenceLong
	cfg.KnownGreetings = a.knownGreetings
}
