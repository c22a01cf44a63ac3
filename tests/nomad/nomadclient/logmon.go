package nomadclient

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// Logmon reads a task's stdout and stderr fifos into alloc/logs/<task>.<stream>.0, like Nomad's
// logmon: it creates the fifos, opens their read ends (blocking until the driver opens the write
// end) and reopens after EOF, since a restarted plugin opens the fifos again.
type Logmon struct {
	stop    chan struct{}
	wg      sync.WaitGroup
	fifos   []string
	mu      sync.Mutex
	errs    []error
	stopped bool
}

// StartLogmon creates both fifos of the task and starts copying them.
func StartLogmon(a *AllocDir, task string) (*Logmon, error) {
	m := &Logmon{stop: make(chan struct{})}
	for _, stream := range []string{"stdout", "stderr"} {
		fifo := a.FifoPath(task, stream)
		if err := syscall.Mkfifo(fifo, 0o600); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, &os.PathError{Op: "mkfifo", Path: fifo, Err: err}
		}
		out, err := os.OpenFile(a.LogFile(task, stream), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o666)
		if err != nil {
			return nil, err
		}
		m.fifos = append(m.fifos, fifo)
		m.wg.Add(1)
		go m.copy(fifo, out)
	}
	return m, nil
}

func (m *Logmon) copy(fifo string, out *os.File) {
	defer m.wg.Done()
	defer out.Close()
	for {
		select {
		case <-m.stop:
			return
		default:
		}
		in, err := os.OpenFile(fifo, os.O_RDONLY, 0)
		if err != nil {
			m.fail(err)
			return
		}
		_, err = io.Copy(out, in)
		in.Close()
		if err != nil {
			m.fail(err)
		}
	}
}

func (m *Logmon) fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.errs = append(m.errs, err)
}

// Stop ends the readers (unblocking a pending open) and returns the read errors seen.
func (m *Logmon) Stop() error {
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return nil
	}
	m.stopped = true
	m.mu.Unlock()
	close(m.stop)
	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	deadline := time.After(10 * time.Second)
	for {
		for _, f := range m.fifos {
			// A reader blocked in open() (no writer yet, or waiting for the next one) is released
			// by a writer that opens and closes at once.
			if w, err := os.OpenFile(f, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		}
		select {
		case <-done:
			return errors.Join(m.errs...)
		case <-deadline:
			return errors.Join(append(m.errs, errors.New("logmon: a fifo still has a writer 10 s after Stop (the driver did not close it)"))...)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
