package gen

import (
	"fmt"
	"os/exec"
	"strings"
)

// toolVersions returns the first version line of each generation tool, in
// a fixed order ("name: missing" when absent).
func toolVersions() []string {
	var out []string
	for _, c := range [][]string{{"espeak-ng", "--version"}, {"flite", "--version"}, {"sox", "--version"}} {
		line := "missing"
		if _, err := exec.LookPath(c[0]); err == nil {
			b, _ := exec.Command(c[0], c[1:]...).CombinedOutput() // flite exits 1 after printing its version
			for _, l := range strings.Split(string(b), "\n") {
				if strings.Contains(strings.ToLower(l), "version") || strings.Contains(l, "SoX") || strings.Contains(l, "eSpeak") {
					l, _, _ = strings.Cut(l, "Data at:")
					line = strings.Join(strings.Fields(l), " ")
					break
				}
			}
		}
		out = append(out, c[0]+": "+line)
	}
	return out
}

// audioReadme is the text of pcaps/audio/README.md.
func audioReadme(specs []audioSpec) string {
	var sb strings.Builder
	sb.WriteString(`# pcaps/audio: labelled calls with audio

Written by ` + "`pcaps/gen`" + ` (` + "`gen.Audio`" + ` with ` + "`Calls: 0`" + `, DefaultConfig: seed 1); do not edit
by hand. Each call is SIP over UDP (INVITE offering PCMU/PCMA/telephone-event,
183 with SDP for early media or 180 without, 200 OK with SDP, ACK, BYE or a
final failure with a Reason header) and G.711 RTP from the callee to the
caller's SDP address; after answer the caller sends low noise or comfort noise.
Every call has its own address pair (caller 10.70.x.y, callee 10.80.x.y, SIP
5060, RTP 20000 + 2 × last octet). Speech is synthesised by espeak-ng and flite
(cached, resampled to 8 kHz by sox); tones, noise, mixing and G.711 are pure Go.
The recordings in ../shared/corpus are never used here; they appear only in
evaluation sets generated at test time.

Regenerate (needs espeak-ng, flite and sox; a different TTS version gives
different audio) with

    go test ./pcaps/gen -run TestAudioCorpusUpToDate -update-audio

and make a larger evaluation set (not committed) with ` + "`callsight gen --audio`" + `
or ` + "`go test ./pcaps/gen -run TestAudioEval -v`" + `.

## Truth

NAME.truth.jsonl has the fields of ../README.md plus, for every call:

- outcome: human, machine, switched_off, fax, silence for answered calls (what
  the audio says), or busy, no_answer, congestion, unallocated, switched_off
  from signaling. An announcement after a 200 OK is switched_off although
  signaling says answered.
- beep_start_ms, beep_end_ms: the voicemail beep(s), from the 200 OK's capture
  time (first beep start, last beep end); null when there is no beep.
- greeting_end_ms: machine: end of the greeting speech. first_utterance_end_ms:
  human: end of the first utterance. Null otherwise.
- audio: codec, ptime_ms, loss (drop probability), jitter_ms (capture time
  ±), reorder (swap probability), burst_loss (evaluation sets made with
  gen --network harsh: losses come in bursts), snr_db and gain_dbfs (speech level, RMS of
  active speech in dBFS, full-scale sine = -3 dBFS) and noise kind, tts
  (engine:voice), lang, text, early_media (ringback, busy, congestion,
  announcement; in evaluation sets also tune, a caller tune, and notice, a
  "please hold" message, before a person or a voicemail answers) and
  early_ms, announcement_early, sit, beeps, beep_hz, fax
  (cng or ced), second_utterance, ssrc_change, dtmf (the digit sent by the
  caller, RFC 4733), cn (PT 13 comfort noise used), media_start_ms and
  media_end_ms (the callee's audio after answer).

## Captures

`)
	for _, s := range specs {
		counts := map[string]int{}
		for _, e := range s.entries {
			counts[e.class]++
		}
		var parts []string
		for _, c := range []string{Human, Machine, SwitchedOff, Fax, Silence, Busy, NoAnswer, Congestion, Unallocated} {
			if counts[c] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", c, counts[c]))
			}
		}
		fmt.Fprintf(&sb, "### %s\n\n%s\n\nCalls: %s.\n\n", s.name, s.readme, strings.Join(parts, ", "))
	}
	sb.WriteString("## Tools\n\nGenerated with:\n\n")
	for _, v := range toolVersions() {
		fmt.Fprintf(&sb, "- %s\n", v)
	}
	return sb.String()
}
