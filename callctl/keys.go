package callctl

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"
)

// LoadKeyFile reads a keys file in the form ParseKeys reads.
func LoadKeyFile(path string) ([]Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("callctl: api keys: %w", err)
	}
	defer f.Close()
	keys, err := ParseKeys(f)
	if err != nil {
		return nil, fmt.Errorf("callctl: api keys %s: %w", path, err)
	}
	return keys, nil
}

// KeyReloader keeps a Server's API keys in step with a keys file: the
// file's keys plus fixed keys (those given on the command line or in the
// settings), swapped in whole by Server.SetKeys. A file that does not
// load or validate leaves the keys in use as they are; the error is logged
// and passed to Hooks.KeysReloaded.
type KeyReloader struct {
	s     *Server
	path  string
	fixed []Key

	mu    sync.Mutex // one reload at a time (a signal and the poller)
	tried stamp      // the file version last loaded or tried
}

// stamp identifies a version of a file without reading it.
type stamp struct {
	fi      os.FileInfo // for os.SameFile: a file renamed into place is new
	mod     time.Time
	size    int64
	missing bool
}

func (a stamp) same(b stamp) bool {
	if a.missing || b.missing {
		return a.missing == b.missing
	}
	if a.fi == nil || b.fi == nil {
		return a.fi == nil && b.fi == nil
	}
	return os.SameFile(a.fi, b.fi) && a.mod.Equal(b.mod) && a.size == b.size
}

func stampOf(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{missing: true}
	}
	return stamp{fi: fi, mod: fi.ModTime(), size: fi.Size()}
}

// NewKeyReloader returns a reloader of s's keys from the keys file at path
// (may be empty: only the fixed keys) and fixed. It does not load
// anything: s keeps the keys it was made with until Reload or Run.
func NewKeyReloader(s *Server, path string, fixed []Key) *KeyReloader {
	r := &KeyReloader{s: s, path: path, fixed: slices.Clone(fixed)}
	if path != "" {
		r.tried = stampOf(path) // the version New's keys were read from, or close enough
	}
	return r
}

// Reload reads the keys file now and swaps the keys in, or keeps the keys
// in use and returns why not.
func (r *KeyReloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.path != "" {
		r.tried = stampOf(r.path) // before reading: a later write is seen by the next poll
	}
	return r.reloadLocked()
}

func (r *KeyReloader) reloadLocked() error {
	keys := slices.Clone(r.fixed)
	var err error
	if r.path != "" {
		var fk []Key
		fk, err = LoadKeyFile(r.path)
		keys = append(fk, keys...)
	}
	if err == nil {
		err = r.s.SetKeys(keys)
	}
	n := len(*r.s.keys.Load())
	if err != nil {
		r.s.log.Error("api keys: reload failed: keeping the keys in use", "keys", n, "err", err)
	} else {
		r.s.log.Info("api keys reloaded", "keys", n, "file", r.path)
	}
	if f := r.s.cfg.Hooks.KeysReloaded; f != nil {
		f(n, err)
	}
	return err
}

// Run checks the keys file every interval and reloads it once it has
// changed (another file renamed into place, or a new modification time or
// size) and then stayed the same for one more interval, so that a file
// being written is not read half-way. Each version of the file is loaded
// once: a broken one is reported once, and the next change is tried
// again. Run returns when ctx is done; without a keys file it only waits.
func (r *KeyReloader) Run(ctx context.Context, interval time.Duration) {
	if r.path == "" || interval <= 0 {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var prev stamp
	havePrev := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := stampOf(r.path)
		r.mu.Lock()
		if !cur.same(r.tried) && havePrev && cur.same(prev) {
			r.tried = cur
			_ = r.reloadLocked() // logged and reported there
		}
		r.mu.Unlock()
		prev, havePrev = cur, true
	}
}
