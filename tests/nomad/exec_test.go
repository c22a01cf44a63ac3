package nomad_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	driverpb "ndp/tests/nomad/pb/drivers"
)

// execResult is what one ExecTaskStreaming call produced.
type execResult struct {
	stdout, stderr string
	exitCode       int
	exited         bool
}

// execStep is something the client sends during an exec session (stdin, a resize, a close).
type execStep struct {
	after  time.Duration
	stdin  string
	close  bool
	width  int32
	height int32
}

// execStreaming runs one ExecTaskStreaming session as the client's exec endpoint does: Setup
// first, then the steps, then reads frames until `exited`.
func execStreaming(t *testing.T, taskID string, tty bool, cmd []string, steps ...execStep) execResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s, err := shared.Driver.Driver.ExecTaskStreaming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(&driverpb.ExecTaskStreamingRequest{Setup: &driverpb.ExecTaskStreamingRequest_Setup{
		TaskId: taskID, Command: cmd, Tty: tty,
	}}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for _, st := range steps {
			time.Sleep(st.after)
			req := &driverpb.ExecTaskStreamingRequest{}
			switch {
			case st.width > 0:
				req.TtySize = &driverpb.ExecTaskStreamingRequest_TerminalSize{Width: st.width, Height: st.height}
			case st.close:
				req.Stdin = &driverpb.ExecTaskStreamingIOOperation{Close: true}
			default:
				req.Stdin = &driverpb.ExecTaskStreamingIOOperation{Data: []byte(st.stdin)}
			}
			if err := s.Send(req); err != nil {
				return
			}
		}
	}()
	var out, errb bytes.Buffer
	var res execResult
	for {
		r, err := s.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("exec %q: %v (stdout so far %q)", cmd, err, out.String())
		}
		out.Write(r.GetStdout().GetData())
		errb.Write(r.GetStderr().GetData())
		if r.GetExited() {
			res.exited = true
			res.exitCode = int(r.GetResult().GetExitCode())
			break
		}
	}
	res.stdout, res.stderr = out.String(), errb.String()
	return res
}

// runningTask starts a long-running task for exec tests.
func runningTask(t *testing.T, o taskOpts) *task {
	t.Helper()
	tk := newTask(t, map[string]interface{}{"command": "sleep", "args": []string{"1000"}}, o)
	startTask(t, shared.Driver.Driver, tk)
	waitUntilStarted(t, shared.Driver.Driver, tk.ID)
	return tk
}

// The cases of Nomad's ExecTaskStreamingConformanceTests (plugins/drivers/testutils), written
// here from their documented behaviour: a running task whose image has /bin/sh, stty, head,
// mktemp.
func TestExecTaskStreaming_Conformance(t *testing.T) {
	tk := runningTask(t, taskOpts{})
	type tc struct {
		name    string
		tty     bool
		cmd     []string
		steps   []execStep
		stdout  string
		stderr  string
		code    int
		match   func(execResult) bool // instead of exact stdout
		maxTime time.Duration
	}
	cases := []tc{
		{name: "notty: stdout and stderr separate, exit code", cmd: []string{"/bin/sh", "-c", "echo hello stdout; echo hello stderr >&2; exit 43"},
			stdout: "hello stdout\n", stderr: "hello stderr\n", code: 43},
		{name: "notty: streaming output", cmd: []string{"/bin/sh", "-c", "for n in 1 2 3; do echo $n; sleep 0.2; done"},
			stdout: "1\n2\n3\n"},
		{name: "notty: stty fails without a tty", cmd: []string{"/bin/sh", "-c", "stty size"},
			match: func(r execResult) bool { return r.exitCode != 0 && r.stdout == "" && r.stderr != "" }},
		{name: "notty: stdin passes through", cmd: []string{"/bin/sh", "-c", "head -n1"},
			steps: []execStep{{stdin: "hello from stdin\n"}, {close: true}}, stdout: "hello from stdin\n"},
		{name: "notty: stdin close is EOF", cmd: []string{"/bin/cat"},
			steps: []execStep{{stdin: "a\nb\n"}, {after: 100 * time.Millisecond, close: true}}, stdout: "a\nb\n"},
		{name: "tty: output with CRLF, stderr merged", tty: true, cmd: []string{"/bin/sh", "-c", "echo hello stdout; echo hello stderr >&2"},
			stdout: "hello stdout\r\nhello stderr\r\n"},
		{name: "tty: the latest of two resizes wins", tty: true, cmd: []string{"/bin/sh", "-c", "sleep 1; stty size"},
			steps: []execStep{{width: 10, height: 20}, {after: 100 * time.Millisecond, width: 100, height: 100}}, stdout: "100 100\r\n"},
		{name: "tty: stdin is echoed", tty: true, cmd: []string{"/bin/sh", "-c", "head -n1"},
			steps: []execStep{{after: 300 * time.Millisecond, stdin: "hello from stdin\n"}},
			match: func(r execResult) bool { return strings.Count(r.stdout, "hello from stdin\r\n") == 2 }},
		{name: "tty: only the lead process is waited for", tty: true, cmd: []string{"/bin/sh", "-c", "sleep 300 >/dev/null 2>&1 & echo started"},
			stdout: "started\r\n", maxTime: 60 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r := execStreaming(t, tk.ID, c.tty, c.cmd, c.steps...)
			if !r.exited {
				t.Fatalf("no exited frame: %+v", r)
			}
			if c.match != nil {
				if !c.match(r) {
					t.Fatalf("unexpected result %+v", r)
				}
			} else if r.stdout != c.stdout || r.stderr != c.stderr || r.exitCode != c.code {
				t.Fatalf("got stdout %q stderr %q code %d; want %q %q %d", r.stdout, r.stderr, r.exitCode, c.stdout, c.stderr, c.code)
			}
			if c.maxTime > 0 && time.Since(start) > c.maxTime {
				t.Fatalf("took %s", time.Since(start))
			}
		})
	}
	// TestExecFSIsolation: a file made in the task is not on the host (FSIsolation image).
	t.Run("fs isolation", func(t *testing.T) {
		r := execStreaming(t, tk.ID, false, []string{"/bin/sh", "-c", "mktemp /tmp/ndp-iso.XXXXXX"})
		path := strings.TrimSpace(r.stdout)
		if r.exitCode != 0 || !strings.HasPrefix(path, "/tmp/ndp-iso.") {
			t.Fatalf("mktemp: %+v", r)
		}
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("%s made inside the task exists on the host", path)
		}
		if r := execStreaming(t, tk.ID, false, []string{"/bin/sh", "-c", "test -f " + path}); r.exitCode != 0 {
			t.Fatalf("the file is gone inside the task: %+v", r)
		}
	})
	t.Run("unknown command", func(t *testing.T) {
		r := execStreaming(t, tk.ID, false, []string{"/no/such/binary"})
		if r.exitCode == 0 {
			t.Fatalf("exit 0 for a missing binary: %+v", r)
		}
	})
}

// Nomad's TestTaskDNSConfig: /etc/resolv.conf in the task follows the group's DNS config.
func TestTaskDNSConfig(t *testing.T) {
	dns := &driverpb.DNSConfig{Servers: []string{"192.0.2.53", "192.0.2.54"}, Searches: []string{"ndp.test", "example.internal"}, Options: []string{"ndots:2", "attempts:3"}}
	tk := runningTask(t, taskOpts{dns: dns})
	r := execStreaming(t, tk.ID, false, []string{"/bin/cat", "/etc/resolv.conf"})
	if r.exitCode != 0 {
		t.Fatalf("cat /etc/resolv.conf: %+v", r)
	}
	var servers, searches, options []string
	for _, line := range strings.Split(r.stdout, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			servers = append(servers, f[1])
		case "search":
			searches = append(searches, f[1:]...)
		case "options":
			options = append(options, f[1:]...)
		}
	}
	if strings.Join(servers, ",") != strings.Join(dns.Servers, ",") ||
		strings.Join(searches, ",") != strings.Join(dns.Searches, ",") ||
		strings.Join(options, ",") != strings.Join(dns.Options, ",") {
		t.Fatalf("resolv.conf %q: servers %v searches %v options %v; want %v", r.stdout, servers, searches, options, dns)
	}
}
