package analytics

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// ErrSpoolFull is returned when a batch does not fit in the spool's bound.
var ErrSpoolFull = errors.New("analytics: spool full")

// spool keeps batches that could not be inserted, one append-only file per
// batch ("seg-<seq>.jsonl"), each line one row: {"c":{...}} for a call,
// {"e":{...}} for an event. A segment is written to a temporary name,
// fsync'd, renamed, and the directory fsync'd, so after a crash a segment
// is either whole or absent; a torn line is skipped and counted anyway.
type spool struct {
	dir   string
	limit int64
	lock  *os.File // SPOOLDIR/.lock, flock'd while this writer has it

	mu    sync.Mutex
	seq   uint64
	bytes int64
	sizes map[string]int64
}

type spoolRecord struct {
	C *CallRow `json:"c,omitempty"`
	E *Event   `json:"e,omitempty"`
}

func openSpool(dir string, limit int64) (*spool, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("analytics: spool: %w", err)
	}
	lock, err := lockSpool(dir)
	if err != nil {
		return nil, err
	}
	s := &spool{dir: dir, limit: limit, lock: lock, sizes: map[string]int64{}}
	ents, err := os.ReadDir(dir)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("analytics: spool: %w", err)
	}
	for _, e := range ents {
		n := e.Name()
		if strings.HasSuffix(n, ".tmp") {
			os.Remove(filepath.Join(dir, n)) // a crash mid-write: never acknowledged
			continue
		}
		var seq uint64
		if _, err := fmt.Sscanf(n, "seg-%020d.jsonl", &seq); err != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		s.sizes[n] = info.Size()
		s.bytes += info.Size()
		s.seq = max(s.seq, seq)
	}
	return s, nil
}

func (s *spool) write(cb []CallRow, eb []Event) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for i := range cb {
		if err := enc.Encode(spoolRecord{C: &cb[i]}); err != nil {
			return err
		}
	}
	for i := range eb {
		if err := enc.Encode(spoolRecord{E: &eb[i]}); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bytes+int64(b.Len()) > s.limit {
		return fmt.Errorf("%w: %d + %d bytes > %d", ErrSpoolFull, s.bytes, b.Len(), s.limit)
	}
	s.seq++
	name := fmt.Sprintf("seg-%020d.jsonl", s.seq)
	tmp := filepath.Join(s.dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("analytics: spool: %w", err)
	}
	_, err = f.Write(b.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, name))
	}
	if err == nil {
		err = syncDir(s.dir)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("analytics: spool: %w", err)
	}
	s.sizes[name] = int64(b.Len())
	s.bytes += int64(b.Len())
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// segments lists the segment names, oldest first.
func (s *spool) segments() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.sizes))
	for n := range s.sizes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// read decodes one segment; bad counts lines that did not decode.
func (s *spool) read(name string) (cb []CallRow, eb []Event, bad int, err error) {
	f, err := os.Open(filepath.Join(s.dir, name))
	if err != nil {
		return nil, nil, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for sc.Scan() {
		var r spoolRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			bad++
			continue
		}
		switch {
		case r.C != nil:
			cb = append(cb, *r.C)
		case r.E != nil:
			eb = append(eb, *r.E)
		default:
			bad++
		}
	}
	return cb, eb, bad, sc.Err()
}

func (s *spool) remove(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	s.bytes -= s.sizes[name]
	delete(s.sizes, name)
	return syncDir(s.dir)
}

func (s *spool) size() (bytes, segments int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes, int64(len(s.sizes))
}

// lockSpool takes SPOOLDIR/.lock for this writer. Two writers sharing a
// spool would replay each other's batches and write-ahead log while the
// other still holds them: the second is refused, with the first one's
// process ID. The kernel drops the lock when its process dies, however it
// dies, so a killed writer's spool is free for the next one to replay.
func lockSpool(dir string) (*os.File, error) {
	name := filepath.Join(dir, ".lock")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("analytics: spool: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is used by another writer (process %s); give each its own (--spool-dir)",
				ErrSpoolBusy, dir, strings.TrimSpace(string(b[:n])))
		}
		return nil, fmt.Errorf("analytics: spool: locking %s: %w", name, err)
	}
	// The holder's process ID, for the message above; best effort.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// ErrSpoolBusy is returned by Open when another writer has the spool
// directory.
var ErrSpoolBusy = errors.New("analytics: spool directory in use")

// close lets the directory go to the next writer.
func (s *spool) close() {
	if s.lock != nil {
		s.lock.Close() // closing the descriptor drops the flock
		s.lock = nil
	}
}
