package nomad_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	driverpb "ndp/tests/nomad/pb/drivers"
)

// Launch 1 (fingerprint), launch 2 (validation, SetConfig twice) and launch 3 (the instance).
func TestLoader_ThreeLaunches(t *testing.T) {
	if launchesAt != 3 {
		t.Fatalf("the loader launched the plugin %d times, want 3", launchesAt)
	}
	info := loader.Info("nomad-driver-podman")
	if info == nil || info.APIVersion != "0.1.0" || info.Version == "" || len(info.MsgpackConf) == 0 {
		t.Fatalf("plugin info %+v", info)
	}
	if shared.Client.Exited() {
		t.Fatal("the long-lived instance exited")
	}
}

func TestTask_ExitCodeAndLogs(t *testing.T) {
	d := shared.Driver.Driver
	tk := newTask(t, map[string]interface{}{
		"command": "sh",
		"args":    []string{"-c", "echo hello stdout; echo hello stderr >&2; exit 3"},
	}, taskOpts{})
	startTask(t, d, tk)
	res := waitTask(t, d, tk.ID, 2*time.Minute)
	if res != (exitResult{ExitCode: 3}) {
		t.Fatalf("exit %+v, want code 3, no signal, no error", res)
	}
	// logging "nomad" (the default) is the reference driver's: Podman's k8s-file log written into
	// the stdout fifo, both streams tagged per line.
	waitLog(t, tk, "stdout", " stderr F hello stderr\n", 10*time.Second)
	out := waitLog(t, tk, "stdout", " stdout F hello stdout\n", 10*time.Second)
	if got := readLog(t, tk, "stderr"); got != "" {
		t.Fatalf("stderr log %q, want empty (stdout log %q)", got, out)
	}
	resp, err := d.InspectTask(ctxT(t, 30*time.Second), &driverpb.InspectTaskRequest{TaskId: tk.ID})
	if err != nil {
		t.Fatal(err)
	}
	st := resp.GetTask()
	if st.GetState() != driverpb.TaskState_EXITED || st.GetResult().GetExitCode() != 3 ||
		st.GetCompletedAt().AsTime().Before(st.GetStartedAt().AsTime()) || st.GetStartedAt().AsTime().IsZero() {
		t.Fatalf("InspectTask after exit: %v", st)
	}
	destroyTask(t, d, tk.ID, false)
	if _, err := d.InspectTask(ctxT(t, 30*time.Second), &driverpb.InspectTaskRequest{TaskId: tk.ID}); status.Code(err) == codes.OK {
		t.Fatal("InspectTask of a destroyed task succeeded")
	}
}

// StopTask with a kill signal, as the task runner's kill with kill_signal = "SIGKILL".
func TestTask_StopWithKillSignal(t *testing.T) {
	d := shared.Driver.Driver
	tk := newTask(t, map[string]interface{}{"command": "sleep", "args": []string{"600"}}, taskOpts{})
	startTask(t, d, tk)
	st := waitUntilStarted(t, d, tk.ID)
	if st.GetId() != tk.ID || st.GetName() != tk.Name || st.GetStartedAt().AsTime().IsZero() {
		t.Fatalf("InspectTask while running: %v", st)
	}
	exit := make(chan exitResult, 1)
	go func() { exit <- waitTask(t, d, tk.ID, 2*time.Minute) }()
	stopTask(t, d, tk.ID, "SIGKILL", 5*time.Second)
	select {
	case res := <-exit:
		if res != (exitResult{ExitCode: 137, Signal: 9}) {
			t.Fatalf("exit after SIGKILL %+v, want code 137 signal 9", res)
		}
	case <-time.After(time.Minute):
		t.Fatal("WaitTask did not return within a minute of StopTask")
	}
	destroyTask(t, d, tk.ID, false)
}

// A task that handles the stop signal exits with its own code and no signal.
func TestTask_StopGraceful(t *testing.T) {
	d := shared.Driver.Driver
	tk := newTask(t, map[string]interface{}{
		"command": "sh", "args": []string{"-c", `trap "echo got TERM; exit 7" TERM; while :; do sleep 0.1; done`},
	}, taskOpts{})
	startTask(t, d, tk)
	waitUntilStarted(t, d, tk.ID)
	time.Sleep(300 * time.Millisecond) // let sh install the trap
	stopTask(t, d, tk.ID, "SIGTERM", 20*time.Second)
	res := waitTask(t, d, tk.ID, time.Minute)
	if res != (exitResult{ExitCode: 7}) {
		t.Fatalf("exit after trapped SIGTERM %+v, want code 7 no signal", res)
	}
	waitLog(t, tk, "stdout", "got TERM", 10*time.Second)
	destroyTask(t, d, tk.ID, false)
}

func TestTask_SignalTask(t *testing.T) {
	d := shared.Driver.Driver
	tk := newTask(t, map[string]interface{}{
		"command": "sh", "args": []string{"-c", `trap "echo got USR1" USR1; echo ready; while :; do sleep 0.1; done`},
	}, taskOpts{})
	startTask(t, d, tk)
	waitLog(t, tk, "stdout", "ready", 30*time.Second)
	if _, err := d.SignalTask(ctxT(t, 30*time.Second), &driverpb.SignalTaskRequest{TaskId: tk.ID, Signal: "SIGUSR1"}); err != nil {
		t.Fatalf("SignalTask(SIGUSR1): %v", err)
	}
	waitLog(t, tk, "stdout", "got USR1", 10*time.Second)
	if _, err := d.SignalTask(ctxT(t, 30*time.Second), &driverpb.SignalTaskRequest{TaskId: tk.ID, Signal: "SIGFOO"}); err == nil ||
		!strings.Contains(err.Error(), "SIGFOO") {
		t.Fatalf("SignalTask(SIGFOO): %v, want an error naming SIGFOO", err)
	}
	if _, err := d.SignalTask(ctxT(t, 30*time.Second), &driverpb.SignalTaskRequest{TaskId: tk.ID, Signal: "SIGKILL"}); err != nil {
		t.Fatalf("SignalTask(SIGKILL): %v", err)
	}
	if res := waitTask(t, d, tk.ID, time.Minute); res != (exitResult{ExitCode: 137, Signal: 9}) {
		t.Fatalf("exit after SignalTask(SIGKILL) %+v", res)
	}
	if _, err := d.SignalTask(ctxT(t, 30*time.Second), &driverpb.SignalTaskRequest{TaskId: "no-such-task", Signal: "SIGUSR1"}); status.Code(err) == codes.OK {
		t.Fatal("SignalTask of an unknown task succeeded")
	}
	destroyTask(t, d, tk.ID, false)
}

// logging "journald": stdout and stderr reach their own logmon files, untagged.
func TestTask_JournaldLogsSeparateStreams(t *testing.T) {
	d := shared.Driver.Driver
	tk := newTask(t, map[string]interface{}{
		"command": "sh",
		"args":    []string{"-c", "echo out1; echo err1 >&2; echo out2; echo err2 >&2"},
		"logging": []map[string]interface{}{{"driver": "journald"}},
	}, taskOpts{})
	startTask(t, d, tk)
	if res := waitTask(t, d, tk.ID, 2*time.Minute); res != (exitResult{}) {
		t.Fatalf("exit %+v", res)
	}
	if got := waitLog(t, tk, "stdout", "out2\n", 20*time.Second); got != "out1\nout2\n" {
		t.Fatalf("stdout log %q", got)
	}
	if got := waitLog(t, tk, "stderr", "err2\n", 20*time.Second); got != "err1\nerr2\n" {
		t.Fatalf("stderr log %q", got)
	}
	destroyTask(t, d, tk.ID, false)
}

// The client interpolates the task's environment into its config before encoding it.
func TestTask_ConfigInterpolation(t *testing.T) {
	d := shared.Driver.Driver
	tk := newTask(t, map[string]interface{}{
		"command": "echo",
		"args":    []string{"name=${NOMAD_TASK_NAME}", "alloc=${NOMAD_ALLOC_ID}"},
	}, taskOpts{})
	startTask(t, d, tk)
	if res := waitTask(t, d, tk.ID, time.Minute); res != (exitResult{}) {
		t.Fatalf("exit %+v", res)
	}
	waitLog(t, tk, "stdout", "stdout F name=task alloc="+tk.Alloc.AllocID+"\n", 10*time.Second)
	destroyTask(t, d, tk.ID, false)
}
