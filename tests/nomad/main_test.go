package nomad_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2/hcldec"
	"google.golang.org/protobuf/types/known/durationpb"

	"ndp/tests/nomad/nomadclient"
	basepb "ndp/tests/nomad/pb/base"
	driverpb "ndp/tests/nomad/pb/drivers"
)

// The test environment (scripts/test_env.sh env).
var (
	podmanSocket = envOr("NDP_PODMAN_SOCKET", "/run/ndp-test/podman.sock")
	testImage    = envOr("NDP_TEST_IMAGE", "localhost/ndp/busybox:latest")
	ociArchive   = envOr("NDP_TEST_IMAGE_OCI_ARCHIVE", "/var/lib/ndp-test/images/busybox-oci.tar")
)

var (
	pluginDir  string
	allocBase  string
	loader     *nomadclient.Loader
	shared     *nomadclient.Instance // the agent's long-lived plugin instance
	taskSpec   hcldec.Spec
	launchesAt int // loader launches after Load + Dispense
)

func envOr(k, d string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return d
}

// pluginExecutable is $PLUGIN (e.g. a `deno compile` binary) or the repository's launcher.
func pluginExecutable() string {
	if p := os.Getenv("PLUGIN"); p != "" {
		abs, _ := filepath.Abs(p)
		return abs
	}
	abs, _ := filepath.Abs("../../scripts/nomad-driver-podman")
	return abs
}

// agentConfig is the plugin block of the agent config, as HCL1 hands it to the loader.
func agentConfig() map[string]interface{} {
	return map[string]interface{}{
		"socket_path": "unix://" + podmanSocket,
		"volumes":     []map[string]interface{}{{"enabled": true}},
		"gc":          []map[string]interface{}{{"container": true}},
		// Archives outside the task's alloc dir load only from here (and the profile grants it).
		"image_archive_roots": []string{filepath.Dir(ociArchive)},
	}
}

// nomadConfig is what the driver manager passes in SetConfig (ports and a 2×2000 MHz topology).
func nomadConfig() *basepb.NomadConfig {
	core := func(id uint32) *basepb.ClientTopologyCore {
		return &basepb.ClientTopologyCore{CoreId: id, BaseSpeed: 2000, MaxSpeed: 2000}
	}
	return &basepb.NomadConfig{Driver: &basepb.NomadDriverConfig{
		ClientMinPort: 14000, ClientMaxPort: 14512,
		Topology: &basepb.ClientTopology{NodeIds: []uint32{0}, Cores: []*basepb.ClientTopologyCore{core(0), core(1)}},
	}}
}

// clientLog keeps what go-plugin logged on the client side (and passes it to stderr).
type clientLog struct {
	mu    sync.Mutex
	lines []string
}

func (c *clientLog) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.lines = append(c.lines, string(p))
	c.mu.Unlock()
	return os.Stderr.Write(p)
}

func (c *clientLog) contains(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

var agentLog = &clientLog{}

func newLoader(dir string, cfg map[string]interface{}) *nomadclient.Loader {
	return &nomadclient.Loader{
		PluginDir:   dir,
		Configs:     map[string]map[string]interface{}{"nomad-driver-podman": cfg},
		NomadConfig: nomadConfig(),
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: "client.driver_mgr", Level: hclog.LevelFromString(envOr("NDP_NOMAD_CLIENT_LOG", "warn")), Output: agentLog,
		}),
	}
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// The shared test service may be restarting (scripts/test_env.sh start): give it a moment.
	for i := 0; i < 60; i++ {
		if st, err := os.Stat(podmanSocket); err == nil && st.Mode()&os.ModeSocket != 0 {
			break
		}
		time.Sleep(time.Second)
	}
	if st, err := os.Stat(podmanSocket); err != nil || st.Mode()&os.ModeSocket == 0 {
		fmt.Fprintf(os.Stderr, "nomad suite: no Podman socket at %s (run scripts/test_env.sh start and eval its env)\n", podmanSocket)
		return 1
	}
	var err error
	if pluginDir, err = os.MkdirTemp("", "ndp-nomad-plugins-"); err != nil {
		panic(err)
	}
	defer os.RemoveAll(pluginDir)
	if err := os.Symlink(pluginExecutable(), filepath.Join(pluginDir, "nomad-driver-podman")); err != nil {
		panic(err)
	}
	// Alloc dirs live under the test profile's data_dir ($NDP_ALLOC_ROOT, scripts/test_nomad.sh),
	// like a dev agent's data_dir (the Podman service must reach them).
	if allocBase, err = os.MkdirTemp(os.Getenv("NDP_ALLOC_ROOT"), "ndp-nomad-allocs-"); err != nil {
		panic(err)
	}
	defer os.RemoveAll(allocBase)

	start := time.Now()
	loader = newLoader(pluginDir, agentConfig())
	if err := loader.Load(); err != nil {
		fmt.Fprintf(os.Stderr, "nomad suite: agent start-up failed: %v\n", err)
		return 1
	}
	if shared, err = loader.Dispense("nomad-driver-podman"); err != nil {
		fmt.Fprintf(os.Stderr, "nomad suite: dispense failed: %v\n", err)
		return 1
	}
	launchesAt = nomadclient.Launches
	fmt.Fprintf(os.Stderr, "nomad suite: plugin loaded (3 launches) in %s\n", time.Since(start).Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	schema, err := shared.Driver.Driver.TaskConfigSchema(ctx, &driverpb.TaskConfigSchemaRequest{})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "nomad suite: TaskConfigSchema: %v\n", err)
		return 1
	}
	if taskSpec, err = nomadclient.ConvertSpec(schema.GetSpec()); err != nil {
		fmt.Fprintf(os.Stderr, "nomad suite: task spec: %v\n", err)
		return 1
	}
	code := m.Run()
	// Agent shutdown: go-plugin's Kill (GRPCController.Shutdown, 2 s, then SIGKILL). The plugin
	// must exit on its own, with tasks and streams still open.
	start = time.Now()
	shared.Client.Kill()
	fmt.Fprintf(os.Stderr, "nomad suite: plugin shut down in %s\n", time.Since(start).Round(time.Millisecond))
	if agentLog.contains("plugin failed to exit gracefully") {
		fmt.Fprintln(os.Stderr, "--- FAIL: agent shutdown: the plugin did not exit within 2 s of GRPCController.Shutdown")
		return 1
	}
	return code
}

// task is one task of an allocation, set up as the client's task runner does.
type task struct {
	ID     string
	Name   string
	Alloc  *nomadclient.AllocDir
	Config *driverpb.TaskConfig
	Logmon *nomadclient.Logmon
	Handle *driverpb.TaskHandle
}

type taskOpts struct {
	cpu, memMB int64
	dns        *driverpb.DNSConfig
	noLogs     bool
}

func newTask(t *testing.T, config map[string]interface{}, o taskOpts) *task {
	t.Helper()
	if o.cpu == 0 {
		o.cpu = 500
	}
	if o.memMB == 0 {
		o.memMB = 256
	}
	if _, ok := config["image"]; !ok {
		config["image"] = testImage
	}
	alloc, err := nomadclient.NewAllocDir(allocBase)
	if err != nil {
		t.Fatal(err)
	}
	name := "task"
	if err := alloc.TaskDirs(name); err != nil {
		t.Fatal(err)
	}
	env := alloc.TaskEnv(name, o.cpu, o.memMB)
	msgpack, _, err := nomadclient.EncodeConfig("task config", config, taskSpec, env)
	if err != nil {
		t.Fatal(err)
	}
	tk := &task{Name: name, Alloc: alloc, ID: alloc.AllocID + "/" + name + "/" + nomadclient.NewUUID()[:8]}
	if !o.noLogs {
		if tk.Logmon, err = nomadclient.StartLogmon(alloc, name); err != nil {
			t.Fatal(err)
		}
	}
	tk.Config = &driverpb.TaskConfig{
		Id: tk.ID, Name: name, MsgpackDriverConfig: msgpack, Env: env,
		Resources: &driverpb.Resources{
			AllocatedResources: &driverpb.AllocatedTaskResources{
				Cpu:    &driverpb.AllocatedCpuResources{CpuShares: o.cpu},
				Memory: &driverpb.AllocatedMemoryResources{MemoryMb: o.memMB},
			},
			LinuxResources: &driverpb.LinuxResources{
				CpuShares: o.cpu, MemoryLimitBytes: o.memMB * 1024 * 1024, PercentTicks: float64(o.cpu) / 4000,
			},
		},
		AllocDir:      alloc.Dir,
		StdoutPath:    alloc.FifoPath(name, "stdout"),
		StderrPath:    alloc.FifoPath(name, "stderr"),
		TaskGroupName: "group", JobName: "job", JobId: "job", AllocId: alloc.AllocID,
		Namespace: "default", NodeName: "node1", NodeId: "5b0c9d2e-0000-4000-8000-000000000001",
		Dns: o.dns,
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		// The task runner's final DestroyTask(force) (a no-op error if already destroyed).
		_, _ = shared.Driver.Driver.DestroyTask(ctx, &driverpb.DestroyTaskRequest{TaskId: tk.ID, Force: true})
		if tk.Logmon != nil {
			if err := tk.Logmon.Stop(); err != nil {
				t.Errorf("logmon: %v", err)
			}
		}
	})
	return tk
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func startTask(t *testing.T, d driverpb.DriverClient, tk *task) {
	t.Helper()
	resp, err := d.StartTask(ctxT(t, 3*time.Minute), &driverpb.StartTaskRequest{Task: tk.Config})
	if err != nil {
		t.Fatalf("StartTask: %v", err)
	}
	if resp.GetResult() != driverpb.StartTaskResponse_SUCCESS {
		t.Fatalf("StartTask: result %v: %s", resp.GetResult(), resp.GetDriverErrorMsg())
	}
	if resp.GetHandle() == nil || resp.GetHandle().GetConfig().GetId() != tk.ID {
		t.Fatalf("StartTask: handle %v does not carry the task config", resp.GetHandle())
	}
	if resp.GetHandle().GetState() != driverpb.TaskState_RUNNING {
		t.Fatalf("StartTask: handle state %v, want RUNNING", resp.GetHandle().GetState())
	}
	tk.Handle = resp.GetHandle()
}

// exitResult is Nomad's drivers.ExitResult, decoded from the proto as the driver client does.
type exitResult struct {
	ExitCode  int
	Signal    int
	OOMKilled bool
	Err       string
}

func waitTask(t *testing.T, d driverpb.DriverClient, id string, timeout time.Duration) exitResult {
	t.Helper()
	resp, err := d.WaitTask(ctxT(t, timeout), &driverpb.WaitTaskRequest{TaskId: id})
	if err != nil {
		t.Fatalf("WaitTask: %v", err)
	}
	r := resp.GetResult()
	return exitResult{int(r.GetExitCode()), int(r.GetSignal()), r.GetOomKilled(), resp.GetErr()}
}

func stopTask(t *testing.T, d driverpb.DriverClient, id, signal string, timeout time.Duration) {
	t.Helper()
	_, err := d.StopTask(ctxT(t, timeout+time.Minute), &driverpb.StopTaskRequest{
		TaskId: id, Timeout: durationpb.New(timeout), Signal: signal,
	})
	if err != nil {
		t.Fatalf("StopTask(%s): %v", signal, err)
	}
}

func destroyTask(t *testing.T, d driverpb.DriverClient, id string, force bool) {
	t.Helper()
	if _, err := d.DestroyTask(ctxT(t, time.Minute), &driverpb.DestroyTaskRequest{TaskId: id, Force: force}); err != nil {
		t.Fatalf("DestroyTask: %v", err)
	}
}

// waitUntilStarted polls InspectTask like testutils' WaitUntilStarted.
func waitUntilStarted(t *testing.T, d driverpb.DriverClient, id string) *driverpb.TaskStatus {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := d.InspectTask(ctxT(t, 30*time.Second), &driverpb.InspectTaskRequest{TaskId: id})
		if err == nil && resp.GetTask().GetState() == driverpb.TaskState_RUNNING {
			return resp.GetTask()
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s not running after 30 s (last: %v, %v)", id, resp, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readLog is what logmon wrote for a stream so far.
func readLog(t *testing.T, tk *task, stream string) string {
	t.Helper()
	f, err := os.Open(tk.Alloc.LogFile(tk.Name, stream))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return string(b)
}

// waitLog waits until logmon's file of the stream contains want.
func waitLog(t *testing.T, tk *task, stream, want string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := readLog(t, tk, stream)
		if strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("alloc/logs/%s.%s.0: %q not seen within %s; got %q", tk.Name, stream, want, timeout, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
