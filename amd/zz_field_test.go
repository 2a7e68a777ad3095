package amd

// Temporary development harness (not to be committed): runs the detector on
// PCM dumped from generated captures and scores it against the truth.

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type fieldMeta struct {
	CallID string `json:"call_id"`
	Answer int64  `json:"answer"`
	End    int64  `json:"end"`
}

type fieldTruth struct {
	CallID  string          `json:"call_id"`
	Outcome string          `json:"outcome"`
	BeepEnd *int64          `json:"beep_end_ms"`
	FUE     *int64          `json:"first_utterance_end_ms"`
	Audio   json.RawMessage `json:"audio"`
}

func TestField(t *testing.T) {
	dir := os.Getenv("AMD_FIELD")
	if dir == "" {
		t.Skip("AMD_FIELD not set")
	}
	truth := map[string]fieldTruth{}
	tf, err := os.Open(os.Getenv("AMD_FIELD_TRUTH"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(tf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var tr fieldTruth
		json.Unmarshal(sc.Bytes(), &tr)
		truth[tr.CallID] = tr
	}
	mf, _ := os.Open(filepath.Join(dir, "meta.jsonl"))
	sc = bufio.NewScanner(mf)
	conf := map[string]map[string]int{}
	var beepErr []float64
	var humanAfter, machineDec []float64
	beepMiss, falseBeep, nobeep := 0, 0, 0
	only := os.Getenv("AMD_FIELD_CALL")
	for sc.Scan() {
		var m fieldMeta
		json.Unmarshal(sc.Bytes(), &m)
		tr, ok := truth[m.CallID]
		if !ok || only != "" && !strings.HasPrefix(m.CallID, only) {
			continue
		}
		want := map[string]string{"human": "human", "machine": "machine", "switched_off": "announcement", "fax": "fax", "silence": "silence"}[tr.Outcome]
		if want == "" || m.Answer < 0 {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(dir, m.CallID+".pcm"))
		pcm := make([]int16, len(b)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
		}
		d := New(DefaultConfig())
		if m.Answer <= 0 {
			d.Answer(0)
		}
		for i := 0; i < len(pcm); i += 160 {
			if m.Answer > 0 && int64(i+160) > m.Answer {
				d.Answer(m.Answer)
			}
			d.Write(pcm[i:min(i+160, len(pcm))], int64(i))
		}
		d.End(max(m.End, int64(len(pcm))))
		v := d.Verdict()
		got := v.Class.String()
		if conf[want] == nil {
			conf[want] = map[string]int{}
		}
		conf[want][got]++
		ms := func(s int64) int64 { return (s - m.Answer) / 8 }
		if tr.BeepEnd != nil {
			if v.BeepEnd < 0 {
				beepMiss++
				if os.Getenv("AMD_FIELD_V") != "" {
					fmt.Printf("BEEPMISS %s got=%s %s %s\n", m.CallID, got, v.Reason, tr.Audio)
				}
			} else {
				e := float64(ms(v.BeepEnd) - *tr.BeepEnd)
				if e < 0 {
					e = -e
				}
				beepErr = append(beepErr, e)
				if e > 100 && os.Getenv("AMD_FIELD_V") != "" {
					fmt.Printf("BEEPERR %.0f %s %s\n", e, m.CallID, tr.Audio)
				}
			}
		} else {
			nobeep++
			if v.BeepEnd >= 0 {
				falseBeep++
				if os.Getenv("AMD_FIELD_V") != "" {
					fmt.Printf("FALSEBEEP %s %s %s\n", m.CallID, tr.Outcome, tr.Audio)
				}
			}
		}
		if got == want && v.Decided {
			if want == "human" && tr.FUE != nil {
				humanAfter = append(humanAfter, float64(ms(v.DecidedAt)-*tr.FUE))
			}
			if want == "machine" {
				machineDec = append(machineDec, float64(ms(v.DecidedAt)))
			}
		}
		if got != want && os.Getenv("AMD_FIELD_V") != "" {
			fue := int64(-1)
			if tr.FUE != nil {
				fue = *tr.FUE
			}
			fmt.Printf("MISS %s->%s (%s) dec=%d fue=%d %s %s\n", want, got, v.Reason, ms(v.DecidedAt), fue, m.CallID, tr.Audio)
		}
		if only != "" {
			var evs []Event
			for _, e := range d.Events(evs) {
				fmt.Printf("  ev %s %.2f-%.2f (ans-rel ms %d-%d)\n", e.Kind, float64(e.Start)/8000, float64(e.End)/8000, ms(e.Start), ms(e.End))
			}
			fmt.Printf("  verdict %+v answer=%d\n", v, m.Answer)
		}
	}
	pct := func(v []float64, p float64) float64 {
		if len(v) == 0 {
			return 0
		}
		slices.Sort(v)
		i := int(p/100*float64(len(v))+0.999) - 1
		return v[max(0, min(i, len(v)-1))]
	}
	for _, w := range []string{"human", "machine", "announcement", "fax", "silence"} {
		fmt.Printf("%-13s %v\n", w, conf[w])
	}
	slices.Sort(beepErr); if os.Getenv("AMD_FIELD_V") != "" { fmt.Println(beepErr) }
	fmt.Printf("beep err p50 %.0f p95 %.0f n %d missed %d; false %d/%d\n", pct(beepErr, 50), pct(beepErr, 95), len(beepErr), beepMiss, falseBeep, nobeep)
	fmt.Printf("human after fue p50 %.0f p90 %.0f; machine dec p50 %.0f p90 %.0f\n", pct(humanAfter, 50), pct(humanAfter, 90), pct(machineDec, 50), pct(machineDec, 90))
}
