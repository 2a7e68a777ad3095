package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callsight/callsight/media"
	"github.com/callsight/callsight/outcome"
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
	a.silentCallee = false // it sent something after all
	if !a.started && !a.ans.IsZero() && a.ans.Before(t) {
		// Answered before its first packet: the audio's clock starts at
		// the answer, and the time before that packet is silence (a phone
		// that suppresses it sends nothing until the person speaks).
		a.stream.StartAt(a.ans)
	}
	pr.cur = a
	err := a.stream.Process(t, data, pr.out)
	pr.cur = nil
	if err != nil {
		return err
	}
	if n, at := a.stream.Takeovers(); n != a.takeovers {
		a.takeovers = n
		a.det.NewSource(at)
	}
	if !a.started {
		a.started = true
		pr.tellAnswer(a)
	}
	return nil
}

// answer tells a's detector when the call was answered, and whether the
// network had forwarded it to a likely voicemail (fwd).
func (pr *proc) answer(a *audioLeg, t time.Time, fwd bool) {
	if a.ans.IsZero() {
		a.ans, a.fwdAns = t, fwd
	}
	if a.started {
		pr.tellAnswer(a)
	}
}

// tellAnswer tells a's detector, once, of the answer and of a forwarding
// before it: on the first packet when the answer came first, else at the
// answer.
func (pr *proc) tellAnswer(a *audioLeg) {
	if a.ans.IsZero() || a.answered {
		return
	}
	if a.fwdAns {
		a.det.Forwarded()
	}
	a.det.Answer(sampleAt(a.stream, a.ans))
	a.answered = true
}

// finish releases what the stream holds and closes the detector at end.
func (pr *proc) finish(a *audioLeg, end time.Time) {
	pr.cur = a
	a.stream.Flush(pr.out)
	pr.cur = nil
	if !a.started && a.callerAudio && !a.ans.IsZero() && end.Sub(a.ans) >= time.Second {
		// The caller's audio reached the capture and the callee's never
		// did, and the call ended before sweepIdle said so: see idle.
		pr.idle(a, end.Add(idleLag), true)
	}
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

// idle tells a's stream that its callee sent nothing up to now less
// idleLag (Stream.Idle: its detector hears the silence as it comes). With
// start, the callee has sent nothing since the answer while the caller's
// audio reached the capture: the callee sends nothing at all (silence
// suppression without comfort noise, a muted or dead line), which the
// caller hears as dead air; the stream's clock starts at the answer.
func (pr *proc) idle(a *audioLeg, now time.Time, start bool) {
	if start && !a.started && !a.ans.IsZero() {
		a.stream.StartAt(a.ans)
		a.started, a.silentCallee = true, true
		pr.tellAnswer(a)
	}
	if !a.started || a.settled {
		return
	}
	pr.cur = a
	a.stream.Idle(now, idleLag, pr.out)
	pr.cur = nil
}

// audioJob is one thing an audio worker does for a leg, or a batch of
// RTP packets of its legs.
type audioJob struct {
	a     *audioLeg
	op    uint8
	t     time.Time
	batch *pktBatch
	pt    uint8
	codec media.Codec
	done  chan struct{}
	call  *outcome.Call // opFinish: the call to fuse and emit once the leg is finished
	fwd   bool          // opAnswer: forwarded to a likely voicemail (Engine.sipForward)
}

const (
	opBatch = iota
	opAnswer
	opPT
	opFinish
	opIdle // the callee sent nothing lately (sweepIdle); fwd: nothing since the answer
)

// pktBatch is RTP packets handed to a worker together: one channel send
// and one pooled buffer for up to batchPackets packets.
type pktBatch struct {
	pkts []batchPkt
	buf  []byte
}

type batchPkt struct {
	a      *audioLeg
	t      time.Time
	off, n int32
}

// batchPackets is the most packets a batch holds before it is sent.
const batchPackets = 128

// audioWorker is a goroutine that owns the media streams and detectors of
// the legs assigned to it.
type audioWorker struct {
	jobs chan audioJob
	pr   *proc
	pool *sync.Pool // of *pktBatch
	shed *atomic.Uint64

	queued atomic.Int64 // packets sent and not processed yet
	limit  int64        // Config.AudioQueue
	pend   *pktBatch    // being filled, owned by the engine goroutine
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

// packet adds a copy of one RTP packet to the worker's pending batch,
// sent when full or at the next FlushAudio (or job of the worker).
func (w *audioWorker) packet(a *audioLeg, t time.Time, data []byte) {
	b := w.pend
	if b == nil {
		b = w.pool.Get().(*pktBatch)
		w.pend = b
	}
	b.pkts = append(b.pkts, batchPkt{a: a, t: t, off: int32(len(b.buf)), n: int32(len(data))})
	b.buf = append(b.buf, data...)
	if len(b.pkts) >= batchPackets {
		w.flush()
	}
}

// flush sends the pending batch. When the worker is behind (more than
// Config.AudioQueue packets queued), the batch is dropped and its packets
// counted (concealed as loss by the streams), never blocking the engine.
func (w *audioWorker) flush() {
	b := w.pend
	if b == nil || len(b.pkts) == 0 {
		return
	}
	n := int64(len(b.pkts))
	if w.queued.Load()+n <= w.limit {
		w.queued.Add(n)
		select {
		case w.jobs <- audioJob{op: opBatch, batch: b}:
			w.pend = nil
			return
		default:
			w.queued.Add(-n)
		}
	}
	w.shed.Add(uint64(n))
	clear(b.pkts)
	b.pkts, b.buf = b.pkts[:0], b.buf[:0]
}

// send queues a job for one of the worker's legs after the packets
// pending for the worker, so that the leg sees them in order. It waits
// for room: such jobs are rare and must not be lost.
func (w *audioWorker) send(j audioJob) {
	w.flush()
	w.jobs <- j
}

// FlushAudio hands the RTP packets batched for the audio workers over to
// them. With AudioWorkers, call it after each burst of payloads (serve
// does after each batch its sources deliver): until then, up to a batch of
// packets per worker waits. Without workers it does nothing.
func (e *Engine) FlushAudio() {
	for _, w := range e.workers {
		w.flush()
	}
	e.drainFinished()
}

// finishedCall is a call whose audio leg a worker has finished, waiting to
// be fused and emitted on the engine goroutine.
type finishedCall struct {
	c *outcome.Call
	a *audioLeg
}

// finished queues a call whose leg a worker has just finished. Called on
// the worker's goroutine; after it, only the engine goroutine touches a.
func (e *Engine) finished(c *outcome.Call, a *audioLeg) {
	e.doneMu.Lock()
	e.done = append(e.done, finishedCall{c, a})
	e.doneMu.Unlock()
	e.doneN.Add(1)
}

// drainFinished fuses and emits the calls the workers have finished. It
// runs on the engine goroutine: from Payload, Tick, FlushAudio and Finish.
func (e *Engine) drainFinished() {
	if e.doneN.Load() == 0 {
		return
	}
	e.doneMu.Lock()
	list := e.done
	e.done = e.doneSpare[:0]
	e.doneN.Store(0)
	e.doneMu.Unlock()
	for i, f := range list {
		e.fuseLeg(f.c, f.a)
		e.emitted(f.c)
		list[i] = finishedCall{}
	}
	e.doneSpare = list[:0]
}

func (w *audioWorker) run(wg *sync.WaitGroup) {
	defer wg.Done()
	for j := range w.jobs {
		switch j.op {
		case opBatch:
			b := j.batch
			for i := range b.pkts {
				p := &b.pkts[i]
				if err := w.pr.packet(p.a, p.t, b.buf[p.off:p.off+p.n:p.off+p.n]); err != nil {
					w.pr.errs.Add(1)
				} else {
					w.pr.rtp.Add(1)
				}
			}
			w.queued.Add(-int64(len(b.pkts)))
			clear(b.pkts)
			b.pkts, b.buf = b.pkts[:0], b.buf[:0]
			w.pool.Put(b)
			if len(w.jobs) > 0 {
				// A worker with a backlog would keep its P until the
				// scheduler preempts it (10 ms); yielding after each batch
				// (a few hundred µs) lets API handlers in between.
				runtime.Gosched()
			}
		case opAnswer:
			w.pr.answer(j.a, j.t, j.fwd)
		case opPT:
			j.a.stream.SetPayloadType(j.pt, j.codec)
		case opIdle:
			w.pr.idle(j.a, j.t, j.fwd)
		case opFinish:
			w.pr.finish(j.a, j.t)
			if j.call != nil {
				w.pr.e.finished(j.call, j.a)
			}
			if j.done != nil {
				close(j.done)
			}
		}
	}
}

// startWorkers starts n audio workers.
func (e *Engine) startWorkers(n int) {
	pool := &sync.Pool{New: func() any {
		return &pktBatch{pkts: make([]batchPkt, 0, batchPackets), buf: make([]byte, 0, batchPackets*200)}
	}}
	for i := 0; i < n; i++ {
		w := &audioWorker{jobs: make(chan audioJob, e.cfg.AudioQueue), pr: newProc(e), pool: pool, shed: &e.audioShedPkts,
			limit: int64(e.cfg.AudioQueue)}
		e.workers = append(e.workers, w)
		e.workersWG.Add(1)
		go w.run(&e.workersWG)
	}
}

// stopWorkers ends the workers once everything queued is done.
func (e *Engine) stopWorkers() {
	e.FlushAudio()
	for _, w := range e.workers {
		close(w.jobs)
	}
	e.workersWG.Wait()
	e.drainFinished()
	for _, w := range e.workers {
		e.stats.RTPPackets += w.pr.rtp.Load()
		if n := w.pr.errs.Load(); n > 0 {
			e.stats.DecodeErrors["rtp: worker"] += n
		}
	}
	e.workers = nil
}
