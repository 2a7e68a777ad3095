package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/callsight/callsight/internal/engine"
	"github.com/callsight/callsight/internal/explain"
	"github.com/callsight/callsight/outcome"
)

// cmdExplain replays captures and draws one call's timeline as a PNG.
func cmdExplain(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	callID := fs.String("call", "", "the call to draw: its call_id as replay prints it")
	out := fs.String("out", "", "PNG file to write (default CALL.png, with unsafe characters replaced)")
	fs.String("config", "", "JSON file of flag settings")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: callsight explain --call ID [--out FILE.png] FILE...")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *callID == "" || fs.NArg() == 0 {
		return usageError{errors.New("want --call ID and at least one capture file")}
	}
	if *out == "" {
		*out = safeName(*callID) + ".png"
	}
	cfg := engine.DefaultConfig()
	cfg.ExplainCall = *callID
	var events bytes.Buffer
	var call *outcome.Call
	eng, err := engine.New(cfg, nil, &events, func(c *outcome.Call) {
		if c.CallID == *callID {
			call = c
		}
	})
	if err != nil {
		return err
	}
	for _, path := range fs.Args() {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = eng.ReplayFile(path, f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "callsight explain: %s: %v\n", path, err)
		}
	}
	eng.Finish()
	if call == nil {
		return fmt.Errorf("call %q not found in %s", *callID, strings.Join(fs.Args(), ", "))
	}
	tl := timeline(call, eng.AudioTrace(*callID), &events)
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := explain.Render(f, tl); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, *out)
	return nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

// timeline gathers what the picture shows: the call's signaling messages
// (SIP by Call-ID, ISUP by the circuits of its legs), its audio energy and
// detector events, and the verdict.
func timeline(c *outcome.Call, tr *engine.AudioTrace, events *bytes.Buffer) *explain.Timeline {
	tl := &explain.Timeline{
		Title:   fmt.Sprintf("call %s  %s -> %s  outcome %s", c.CallID, c.Calling, c.Called, c.Outcome),
		Start:   c.Start.Time.Add(-500 * time.Millisecond),
		Verdict: string(c.Outcome),
	}
	end := c.Start.Time.Add(10 * time.Second)
	if c.End != nil {
		end = c.End.Time
	}
	if c.Answer != nil {
		tl.Answer = c.Answer.Time
	}
	if c.DecidedMS != nil {
		ref := tl.Answer
		if ref.IsZero() && tr != nil {
			ref = tr.Start
		}
		tl.Decided = ref.Add(time.Duration(*c.DecidedMS) * time.Millisecond)
	}
	if c.BeepEndMS != nil && !tl.Answer.IsZero() {
		tl.BeepEnd = tl.Answer.Add(time.Duration(*c.BeepEndMS) * time.Millisecond)
	}
	if c.Audio != nil {
		tl.Verdict += fmt.Sprintf(" (audio %s, %s, confidence %.2f)", c.Audio.Class, c.Audio.Reason, c.Audio.Confidence)
	}
	circuits := map[string]bool{}
	ids := map[string]bool{}
	for _, l := range c.Legs {
		if l.CallID != "" {
			ids[l.CallID] = true
		}
		if l.CIC != nil {
			circuits[fmt.Sprintf("%d-%d-%d", *l.OPC, *l.DPC, *l.CIC)] = true
			circuits[fmt.Sprintf("%d-%d-%d", *l.DPC, *l.OPC, *l.CIC)] = true
		}
	}
	sc := bufio.NewScanner(events)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct {
			TS      outcome.Time `json:"ts"`
			Proto   string       `json:"proto"`
			Type    string       `json:"type"`
			Method  string       `json:"method"`
			Status  int          `json:"status"`
			CallID  string       `json:"call_id"`
			CIC     *int         `json:"cic"`
			OPC     *int         `json:"opc"`
			DPC     *int         `json:"dpc"`
			Cause   *int         `json:"cause"`
			Carrier string       `json:"carrier"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		t := ev.TS.Time
		if t.Before(tl.Start) || t.After(end.Add(2*time.Second)) {
			continue
		}
		var label string
		switch {
		case ev.Proto == "sip" && ids[ev.CallID]:
			label = ev.Method
			if label == "" {
				label = fmt.Sprint(ev.Status)
			}
		case ev.Proto == "isup" && ev.CIC != nil && ev.OPC != nil && circuits[fmt.Sprintf("%d-%d-%d", *ev.OPC, *ev.DPC, *ev.CIC)]:
			label = ev.Type
		default:
			continue
		}
		if ev.Cause != nil {
			label += fmt.Sprintf(" cause %d", *ev.Cause)
		}
		tl.Signaling = append(tl.Signaling, explain.Mark{At: t, Label: label})
	}
	if tr != nil {
		tl.AudioStart, tl.FrameDur, tl.Energy = tr.Start, tr.FrameDur, tr.Energy
		if audioEnd := tr.Start.Add(time.Duration(len(tr.Energy)) * tr.FrameDur); audioEnd.After(end) {
			end = audioEnd
		}
		for _, s := range tr.Spans {
			sp := explain.Span{Start: s.Start, End: s.End, Label: s.Kind}
			if s.Freq > 0 {
				sp.Label += fmt.Sprintf(" %.0fHz", s.Freq)
			}
			if s.Kind == "speech" {
				tl.Speech = append(tl.Speech, sp)
			} else {
				tl.Tones = append(tl.Tones, sp)
			}
		}
	}
	tl.End = end.Add(500 * time.Millisecond)
	return tl
}
