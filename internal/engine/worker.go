package engine

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/callsight/callsight/media"
)

// proc runs audio legs' media streams and detectors: the engine itself
// (inline, for replay: deterministic and with no hand-off) or one audio
// worker (live: the decoding and detection of each call stay on one
// goroutine, which owns them outright, while the engine goroutine goes on
// dispatching).
type proc struct {
	e   *Engine
	cur *audioLeg
	out func([]int16, int64)

	// Counters of a worker, read by Engine.Stats.
	rtp, errs atomic.Uint64
}

func newProc(e *Engine) *proc {
	pr := &proc{e: e}
	pr.out = pr.pcm
	return pr
}

// packet decodes one RTP packet of a and feeds its audio to a's detector.
func (pr *proc) packet(a *audioLeg, t time.Time, data []byte) error {
	pr.cur = a
	err := a.stream.Process(t, data, pr.out)
	pr.cur = nil
	if err != nil {
		return err
	}
	if !a.started {
		a.started = true
		if !a.ans.IsZero() && !a.answered {
			a.det.Answer(sampleAt(a.stream, a.ans))
			a.answered = true
		}
	}
	return nil
}

// answer tells a's detector when the call was answered.
func (pr *proc) answer(a *audioLeg, t time.Time) {
	if a.ans.IsZero() {
		a.ans = t
	}
	if a.started && !a.answered {
		a.det.Answer(sampleAt(a.stream, a.ans))
		a.answered = true
	}
}

// finish releases what the stream holds and closes the detector at end.
func (pr *proc) finish(a *audioLeg, end time.Time) {
	pr.cur = a
	a.stream.Flush(pr.out)
	pr.cur = nil
	if a.started {
		endSample := a.det.Samples()
		if !end.IsZero() {
			if s := sampleAt(a.stream, end); s > endSample {
				endSample = s
			}
		}
		a.det.End(endSample)
	}
}

// audioJob is one thing an audio worker does for a leg.
type audioJob struct {
	a     *audioLeg
	op    uint8
	t     time.Time
	data  *[]byte
	pt    uint8
	codec media.Codec
	done  chan struct{}
}

const (
	opPacket = iota
	opAnswer
	opPT
	opFinish
)

// audioWorker is a goroutine that owns the media streams and detectors of
// the legs assigned to it.
type audioWorker struct {
	jobs chan audioJob
	pr   *proc
	pool *sync.Pool
	shed *atomic.Uint64
}

// assignWorker gives a new leg to a worker, by its Call-ID, when the engine
// runs audio workers.
func (e *Engine) assignWorker(a *audioLeg) {
	if len(e.workers) == 0 {
		return
	}
	var h uint32 = 2166136261
	for i := 0; i < len(a.callID); i++ {
		h = (h ^ uint32(a.callID[i])) * 16777619
	}
	a.w = e.workers[h%uint32(len(e.workers))]
}

// packet queues a copy of one RTP packet; when the worker is behind, the
// packet is dropped and counted (concealed as loss by the stream), never
// blocking the engine.
func (w *audioWorker) packet(a *audioLeg, t time.Time, data []byte) {
	bp := w.pool.Get().(*[]byte)
	*bp = append((*bp)[:0], data...)
	select {
	case w.jobs <- audioJob{a: a, op: opPacket, t: t, data: bp}:
	default:
		w.pool.Put(bp)
		w.shed.Add(1)
	}
}

func (w *audioWorker) run(wg *sync.WaitGroup) {
	defer wg.Done()
	for j := range w.jobs {
		switch j.op {
		case opPacket:
			if err := w.pr.packet(j.a, j.t, *j.data); err != nil {
				w.pr.errs.Add(1)
			} else {
				w.pr.rtp.Add(1)
			}
			w.pool.Put(j.data)
		case opAnswer:
			w.pr.answer(j.a, j.t)
		case opPT:
			j.a.stream.SetPayloadType(j.pt, j.codec)
		case opFinish:
			w.pr.finish(j.a, j.t)
			close(j.done)
		}
	}
}

// startWorkers starts n audio workers.
func (e *Engine) startWorkers(n int) {
	pool := &sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}
	for i := 0; i < n; i++ {
		w := &audioWorker{jobs: make(chan audioJob, e.cfg.AudioQueue), pr: newProc(e), pool: pool, shed: &e.audioShedPkts}
		e.workers = append(e.workers, w)
		e.workersWG.Add(1)
		go w.run(&e.workersWG)
	}
}

// stopWorkers ends the workers once everything queued is done.
func (e *Engine) stopWorkers() {
	for _, w := range e.workers {
		close(w.jobs)
	}
	e.workersWG.Wait()
	for _, w := range e.workers {
		e.stats.RTPPackets += w.pr.rtp.Load()
		if n := w.pr.errs.Load(); n > 0 {
			e.stats.DecodeErrors["rtp: worker"] += n
		}
	}
	e.workers = nil
}
