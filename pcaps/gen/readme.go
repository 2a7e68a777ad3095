package gen

import (
	"fmt"
	"strings"
)

// corpusReadme is the text of pcaps/README.md.
func corpusReadme() string {
	var sb strings.Builder
	sb.WriteString(`# pcaps: the labelled synthetic corpus

Every file here is written by ` + "`pcaps/gen`" + ` (DefaultConfig: seed 1, clock origin
2026-01-15T09:00:00Z); do not edit by hand. Regenerate with

    go test ./pcaps/gen -run TestCorpusUpToDate -update

and check that it is current with ` + "`go test ./pcaps/gen`" + `.

Each capture NAME.pcap / NAME.pcapng / NAME.pcap.gz has NAME.truth.jsonl: one JSON
line per call, sorted by start time then call_id:

    {"call_id":"...","outcome":"busy","q850":17,"sip_status":486,"calling":"...","called":"...","legs":["sip"],"file":"NAME.pcap"}

- call_id: the SIP Call-ID when the call has a SIP leg; an ISUP-only call is
  isup-OPC-DPC-CIC-NS with OPC/DPC as in the IAM and NS the IAM's capture timestamp
  in Unix nanoseconds.
- legs: "sip" (plain SIP), "sip-i" (SIP carrying application/isup bodies),
  "isup" (an ISUP circuit over M3UA), in that order.
- q850: the decisive cause (ISUP REL > REL in a SIP-I body > Reason Q.850 >
  RFC 3398 §8.2.6.1 map of the final status), or, for answered calls, the release
  cause if one was signalled; null when there is none (CANCEL without Reason gives
  a 487, which RFC 3398 does not map).
- calling/called: digits as signalled (SIP From user / Request-URI user without '+';
  ISUP calling/called party number digits without the ST filler).

## Captures

`)
	for _, fs := range corpusSpecs() {
		fmt.Fprintf(&sb, "### %s\n\n%s\n\n", fs.name, fs.readme)
	}
	sb.WriteString("## bad/\n\nMalformed input for robustness tests. None may panic or allocate without bound.\n\n")
	for _, fs := range badSpecs() {
		fmt.Fprintf(&sb, "- `%s` (truth: %s): %s\n", fs.name, truthName(fs.name), fs.readme)
	}
	sb.WriteString("- `bad/truncated.pcap`: the hostile-sip capture cut in the middle of its fourth record. Right behaviour: the first three records are read, then a truncation error (io.ErrUnexpectedEOF / ErrTruncated) ends the file; no panic.\n")
	sb.WriteString("- `bad/not-a-capture.txt`: text. Right behaviour: rejected at open with an unknown-format error.\n")
	sb.WriteString("- `bad/zero-length.pcap`: 0 bytes. Right behaviour: an error (EOF/unknown format) at open, no panic.\n")
	sb.WriteString("- `bad/giant-caplen.pcap`: a valid header, then a record header with caplen 0xFFFFFFF0. Right behaviour: ErrMalformed (caplen above the snap length / sane maximum) without allocating it.\n")
	sb.WriteString("- `bad/garbage-after-header.pcap`: a valid Ethernet pcap header followed by 2 KiB of random bytes. Right behaviour: an error on the first record (bogus caplen) or records that decode to nothing; no panic.\n")
	return sb.String()
}
