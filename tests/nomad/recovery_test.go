package nomad_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"ndp/tests/nomad/nomadclient"
	driverpb "ndp/tests/nomad/pb/drivers"
)

var tickRe = regexp.MustCompile(`stdout F tick (\d+)\n`)

func lastTick(s string) int {
	m := tickRe.FindAllStringSubmatch(s, -1)
	if len(m) == 0 {
		return -1
	}
	n, _ := strconv.Atoi(m[len(m)-1][1])
	return n
}

func waitTickAfter(t *testing.T, tk *task, after int, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if n := lastTick(readLog(t, tk, "stdout")); n > after {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("no tick after %d in the log within %s: %q", after, timeout, readLog(t, tk, "stdout"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func processAlive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// An agent restart reattaches to the running plugin and recovers the task through it; a plugin
// crash (SIGKILL) makes the reattach fail, so the client launches a fresh plugin and recovers
// the task from the handle it stored; the logs keep flowing into logmon's files throughout.
func TestRecovery_ReattachThenPluginCrash(t *testing.T) {
	inst, err := loader.Dispense("nomad-driver-podman")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inst.Client.Kill)
	d := inst.Driver.Driver
	tk := newTask(t, map[string]interface{}{
		"command": "sh", "args": []string{"-c", "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.2; done"},
	}, taskOpts{})
	startTask(t, d, tk)
	// The client keeps the handle (and the reattach config) in its state DB.
	stored, err := proto.Marshal(tk.Handle)
	if err != nil {
		t.Fatal(err)
	}
	rc := inst.Client.ReattachConfig()
	if rc == nil || rc.Pid == 0 {
		t.Fatalf("reattach config %+v", rc)
	}
	n := waitTickAfter(t, tk, 1, 30*time.Second)

	// 1. Agent restart: the plugin lives on; reattach, PluginInfo, RecoverTask, InspectTask.
	re, err := loader.Reattach("nomad-driver-podman", rc)
	if err != nil {
		t.Fatalf("reattach to the live plugin: %v", err)
	}
	handle := &driverpb.TaskHandle{}
	if err := proto.Unmarshal(stored, handle); err != nil {
		t.Fatal(err)
	}
	if _, err := re.Driver.Driver.RecoverTask(ctxT(t, time.Minute), &driverpb.RecoverTaskRequest{TaskId: tk.ID, Handle: handle}); err != nil {
		t.Fatalf("RecoverTask after reattach: %v", err)
	}
	waitUntilStarted(t, re.Driver.Driver, tk.ID)

	// 2. Plugin crash: SIGKILL the process.
	launches := nomadclient.Launches
	if err := syscall.Kill(rc.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for processAlive(rc.Pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// A zombie still answers kill(0) until go-plugin reaps it; the reattached client sees the
	// connection drop.
	if _, err := loader.Reattach("nomad-driver-podman", rc); err == nil {
		t.Fatal("reattach to a killed plugin succeeded")
	}
	inst2, err := loader.Dispense("nomad-driver-podman")
	if err != nil {
		t.Fatalf("relaunch after the crash: %v", err)
	}
	t.Cleanup(inst2.Client.Kill)
	if nomadclient.Launches != launches+1 {
		t.Fatalf("launches %d → %d, want one fresh launch", launches, nomadclient.Launches)
	}
	d2 := inst2.Driver.Driver
	if _, err := d2.RecoverTask(ctxT(t, time.Minute), &driverpb.RecoverTaskRequest{TaskId: tk.ID, Handle: handle}); err != nil {
		t.Fatalf("RecoverTask after relaunch: %v", err)
	}
	t.Cleanup(func() {
		_, _ = d2.DestroyTask(ctxT(t, time.Minute), &driverpb.DestroyTaskRequest{TaskId: tk.ID, Force: true})
	})
	st := waitUntilStarted(t, d2, tk.ID)
	if st.GetId() != tk.ID {
		t.Fatalf("InspectTask after recovery: %v", st)
	}
	// The recovered plugin opened the fifo again: ticks after the crash reach logmon's file.
	n = waitTickAfter(t, tk, n+5, 30*time.Second)
	t.Logf("log ticks continued to %d after the plugin was killed and relaunched", n)

	exit := make(chan exitResult, 1)
	go func() { exit <- waitTask(t, d2, tk.ID, 2*time.Minute) }()
	stopTask(t, d2, tk.ID, "SIGKILL", 5*time.Second)
	select {
	case res := <-exit:
		if res != (exitResult{ExitCode: 137, Signal: 9}) {
			t.Fatalf("exit after recovery and SIGKILL %+v", res)
		}
	case <-time.After(time.Minute):
		t.Fatal("WaitTask after recovery did not return")
	}
	destroyTask(t, d2, tk.ID, false)
}

// RecoverTask refuses handles it cannot use (the task runner then fails the task).
func TestRecoverTask_BogusHandleRefused(t *testing.T) {
	d := shared.Driver.Driver
	tk := newTask(t, map[string]interface{}{"command": "true"}, taskOpts{noLogs: true})
	state, _ := json.Marshal(map[string]interface{}{"v": 1, "containerId": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "startedAtMs": 1})
	cases := map[string]*driverpb.RecoverTaskRequest{
		"no handle":               {TaskId: tk.ID},
		"garbage driver state":    {TaskId: tk.ID, Handle: &driverpb.TaskHandle{Version: 1, Config: tk.Config, State: driverpb.TaskState_RUNNING, DriverState: []byte("\x00not json")}},
		"no such container":       {TaskId: tk.ID, Handle: &driverpb.TaskHandle{Version: 1, Config: tk.Config, State: driverpb.TaskState_RUNNING, DriverState: state}},
		"handle without a config": {TaskId: tk.ID, Handle: &driverpb.TaskHandle{Version: 1, State: driverpb.TaskState_RUNNING, DriverState: state}},
	}
	for name, req := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := d.RecoverTask(ctxT(t, time.Minute), req)
			if err == nil {
				t.Fatal("RecoverTask accepted a bogus handle")
			}
			t.Logf("refused: %v", err)
			if _, err := d.InspectTask(ctxT(t, time.Minute), &driverpb.InspectTaskRequest{TaskId: tk.ID}); err == nil {
				t.Fatal("the refused task is known to the driver")
			}
		})
	}
}

// Agent start-up fails for a config the plugin (or its schema) rejects.
func TestLoader_RejectsBadConfig(t *testing.T) {
	cases := map[string]struct {
		cfg   map[string]interface{}
		stage string
		want  string
	}{
		"schema: unknown option":   {map[string]interface{}{"socket_path": "unix://" + podmanSocket, "no_such_option": true}, "validate", "no_such_option"},
		"schema: wrong type":       {map[string]interface{}{"gc": []map[string]interface{}{{"container": "maybe"}}}, "validate", "bool"},
		"plugin: bad socket_path":  {map[string]interface{}{"socket_path": "ftp://podman.example/sock"}, "validate", "socket_path"},
		"plugin: bad duration":     {map[string]interface{}{"socket_path": "unix://" + podmanSocket, "client_http_timeout": "soon"}, "validate", "client_http_timeout"},
		"plugin: socket + sockets": {map[string]interface{}{"socket_path": "unix://" + podmanSocket, "socket": []map[string]interface{}{{"name": "default", "socket_path": "unix://" + podmanSocket}}}, "validate", "socket"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			l := newLoader(pluginDir, c.cfg)
			err := l.Load()
			if err == nil {
				t.Fatalf("agent start-up accepted %v", c.cfg)
			}
			le, ok := err.(*nomadclient.LoadError)
			if !ok || le.Stage != c.stage || !regexp.MustCompile(regexp.QuoteMeta(c.want)).MatchString(err.Error()) {
				t.Fatalf("error %v (%T), want stage %s mentioning %q", err, err, c.stage, c.want)
			}
			t.Logf("rejected: %v", err)
		})
	}
	_ = fmt.Sprint
}
