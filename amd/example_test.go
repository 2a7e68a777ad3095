package amd_test

import (
	"fmt"
	"math"

	"github.com/callsight/callsight/amd"
)

// A voicemail's beep after its greeting: the class is Machine and BeepEnd is
// the moment to start the message.
func ExampleDetector() {
	d := amd.New(amd.DefaultConfig())
	d.Answer(0)
	pcm := make([]int16, 4*amd.SampleRate)
	for i := 8000; i < 8000+3600; i++ { // a 700 Hz beep from 1 s to 1.45 s
		pcm[i] = int16(6000 * math.Sin(2*math.Pi*700*float64(i)/amd.SampleRate))
	}
	for p := 0; p < len(pcm); p += 160 { // 20 ms packets
		d.Write(pcm[p:p+160], int64(p))
	}
	d.End(int64(len(pcm)))
	v := d.Verdict()
	fmt.Println(v.Class, v.Reason, v.BeepStart, v.BeepEnd)
	// Output: machine beep 8000 11600
}
