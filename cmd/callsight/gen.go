package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/callsight/callsight/pcaps/gen"
)

func cmdGen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "pcaps", "directory for the corpus, or the capture file with --bench")
	bench := fs.Int("bench", 0, "write one large mixed-traffic capture of about this many packets to --out (truth beside it)")
	seed := fs.Int64("seed", 1, "random seed: the same seed writes byte-identical files")
	audio := fs.Int("audio", -1, "write calls with audio into --out: 0 for the committed set (pcaps/audio), N for an evaluation set of N calls")
	shared := fs.String("shared", "", "the shared corpus directory (../shared/corpus): real prompts mixed into evaluation sets")
	cache := fs.String("tts-cache", "", "directory caching TTS output (default: the user cache directory)")
	network := fs.String("network", "", `with --audio N: "harsh" puts every call on a bad network (losses in bursts of 2-8%, jitter ±20-40 ms, 5% reordered)`)
	background := fs.String("background", "", `with --audio N: "music" plays a melody behind every person and under every voicemail greeting, "voices" a newsreader behind every person (10-20 dB under the voice)`)
	vad := fs.Bool("silence-suppression", false, "with --audio N: every callee that answers suppresses its silence without comfort noise (quiet packets not sent after a hangover of 20-200 ms, drawn per call)")
	fs.String("config", "", "JSON file of flag settings")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: callsight gen [--out DIR] [--seed N] | gen --audio N --out DIR | gen --bench PACKETS --out FILE.pcap")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{errors.New("gen takes no arguments")}
	}
	if *network != "" && (*network != gen.NetworkHarsh || *audio <= 0) {
		return usageError{fmt.Errorf("--network %q: want %q, with --audio N for an evaluation set", *network, gen.NetworkHarsh)}
	}
	if *background != "" && (*background != gen.BackgroundMusic && *background != gen.BackgroundVoices || *audio <= 0) {
		return usageError{fmt.Errorf("--background %q: want %q or %q, with --audio N for an evaluation set", *background, gen.BackgroundMusic, gen.BackgroundVoices)}
	}
	if *vad && *audio <= 0 {
		return usageError{errors.New("--silence-suppression: with --audio N for an evaluation set")}
	}
	cfg := gen.DefaultConfig()
	cfg.Seed = *seed
	if *bench > 0 {
		return genBench(*out, *bench, cfg, stdout)
	}
	if *audio >= 0 {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		files, err := gen.Audio(*out, cfg, gen.AudioOptions{Calls: *audio, Shared: *shared, CacheDir: *cache, Log: stderr, Network: *network, Background: *background, SilenceSuppression: *vad})
		if err != nil {
			return err
		}
		for _, f := range files {
			fmt.Fprintln(stdout, f)
		}
		return nil
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	files, err := gen.Corpus(*out, cfg)
	if err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintln(stdout, f)
	}
	return nil
}

func genBench(path string, packets int, cfg gen.Config, stdout io.Writer) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	tpath := path + ".truth.jsonl"
	t, err := os.Create(tpath)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := t.Close(); err == nil {
			err = cerr
		}
	}()
	bw, tw := bufio.NewWriterSize(f, 1<<20), bufio.NewWriter(t)
	if err := gen.Bench(bw, tw, packets, cfg); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, path)
	fmt.Fprintln(stdout, tpath)
	return nil
}
