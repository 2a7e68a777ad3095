// Command callsight tells how telephone calls ended from their signaling
// (and, later, their audio).
//
// Usage:
//
//	callsight replay [flags] FILE...     decode captures, print one outcome per call
//	callsight gen [flags]                write the labelled corpus or a benchmark capture
//	callsight eval --truth T OUT         score replay output against truth
//	callsight explain --call ID FILE...  draw one call's timeline as a PNG
//	callsight version
//
// Every subcommand takes --config FILE: a JSON object whose keys are flag
// names; flags given on the command line override it.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
)

const version = "0.1.0"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	var err error
	switch args[0] {
	case "replay":
		err = cmdReplay(args[1:], stdout, stderr)
	case "gen":
		err = cmdGen(args[1:], stdout, stderr)
	case "eval":
		err = cmdEval(args[1:], stdout, stderr)
	case "explain":
		err = cmdExplain(args[1:], stdout, stderr)
	case "report":
		err = cmdReport(args[1:], stdout, stderr)
	case "serve":
		err = cmdServe(args[1:], stdout, stderr)
	case "schema":
		err = cmdSchema(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "callsight", version)
	case "help", "-h", "--help":
		usage(stdout)
	default:
		fmt.Fprintf(stderr, "callsight: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "callsight %s: %v\n", args[0], err)
			return 2
		}
		fmt.Fprintf(stderr, "callsight %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprint(w, `callsight: telephone-call analytics and voicemail detection

Commands:
  replay [flags] FILE...   decode pcap/pcapng(.gz) captures and print one outcome per call
  gen [flags]              write the labelled corpus (pcaps/) or a large benchmark capture
  eval --truth T OUT       confusion matrix and per-class precision/recall of replay output
  explain --call ID FILE   draw one call's timeline (audio energy, speech, tones, signaling, verdict) as a PNG
  report NAME|all          analysts' reports from the store (asr, acd, ner, pdd, causes, ...)
  serve [flags]            the live service: sources -> engine -> call controller API (HTTP, SSE, webhooks)
  schema [--cluster NAME]  print the ClickHouse DDL
  version                  print the version

Run 'callsight COMMAND -h' for a command's flags.
`)
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ error }

// parseFlags parses args into fs, applying a --config JSON file first so
// that the command line overrides it.
func parseFlags(fs *flag.FlagSet, args []string) error {
	cfgPath := ""
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			cfgPath = v
		} else if v, ok := strings.CutPrefix(a, "-config="); ok {
			cfgPath = v
		} else if (a == "--config" || a == "-config") && i+1 < len(args) {
			cfgPath = args[i+1]
		}
	}
	if cfgPath != "" {
		if err := applyConfig(fs, cfgPath); err != nil {
			return usageError{err}
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}

// applyConfig sets flags from a JSON object of flag name -> value.
func applyConfig(fs *flag.FlagSet, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "config" {
			continue
		}
		if fs.Lookup(k) == nil {
			return fmt.Errorf("config %s: unknown setting %q", path, k)
		}
		var s string
		switch v := m[k].(type) {
		case string:
			s = v
		case bool:
			s = fmt.Sprint(v)
		case float64:
			s = fmt.Sprint(v)
		default:
			return fmt.Errorf("config %s: setting %q: want a string, number or boolean", path, k)
		}
		if err := fs.Set(k, s); err != nil {
			return fmt.Errorf("config %s: setting %q: %w", path, k, err)
		}
	}
	return nil
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{fmt.Errorf("log level %q: %w", level, err)}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Errorf("log format %q: want text or json", format)}
}
