package nomad_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	driverpb "ndp/tests/nomad/pb/drivers"
	structspb "ndp/tests/nomad/pb/structs"
)

// attrString renders an attribute as a node shows it (Nomad's structs.Attribute GoString).
func attrString(a *structspb.Attribute) string {
	var s string
	switch v := a.GetValue().(type) {
	case *structspb.Attribute_StringVal:
		s = v.StringVal
	case *structspb.Attribute_BoolVal:
		s = fmt.Sprintf("%t", v.BoolVal)
	case *structspb.Attribute_IntVal:
		s = fmt.Sprintf("%d", v.IntVal)
	case *structspb.Attribute_FloatVal:
		s = fmt.Sprintf("%v", v.FloatVal)
	default:
		return "<invalid>"
	}
	if a.GetUnit() != "" {
		s += " " + a.GetUnit()
	}
	return s
}

func TestFingerprint_NodeAttributes(t *testing.T) {
	stream, err := shared.Driver.Driver.Fingerprint(ctxT(t, time.Minute), &driverpb.FingerprintRequest{})
	if err != nil {
		t.Fatal(err)
	}
	fp, err := stream.Recv()
	if err != nil {
		t.Fatalf("first fingerprint: %v", err)
	}
	if fp.GetHealth() != driverpb.FingerprintResponse_HEALTHY || fp.GetErr() != "" {
		t.Fatalf("health %v %q err %q", fp.GetHealth(), fp.GetHealthDescription(), fp.GetErr())
	}
	node := map[string]string{}
	for k, v := range fp.GetAttributes() {
		node[k] = attrString(v)
	}
	for _, k := range []string{"driver.podman", "driver.podman.version", "driver.podman.rootless", "driver.podman.ociRuntime"} {
		if node[k] == "" || node[k] == "<invalid>" {
			t.Errorf("node attribute %s = %q (all: %v)", k, node[k], node)
		}
	}
	if node["driver.podman"] != "true" || node["driver.podman.rootless"] != "false" {
		t.Errorf("driver.podman=%q driver.podman.rootless=%q", node["driver.podman"], node["driver.podman.rootless"])
	}
	if !strings.HasPrefix(node["driver.podman.version"], "4.") && !strings.HasPrefix(node["driver.podman.version"], "5.") {
		t.Errorf("driver.podman.version %q", node["driver.podman.version"])
	}
	caps, err := shared.Driver.Driver.Capabilities(ctxT(t, time.Minute), &driverpb.CapabilitiesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	c := caps.GetCapabilities()
	if !c.GetSendSignals() || !c.GetExec() || c.GetFsIsolation() != driverpb.DriverCapabilities_IMAGE ||
		!slices.Contains(c.GetNetworkIsolationModes(), driverpb.NetworkIsolationSpec_GROUP) {
		t.Errorf("capabilities %v", c)
	}
}

// taskResourceUsage is Nomad's cstructs.TaskResourceUsage, decoded as the driver client does
// (drivers.TaskStatsFromProto): the Measured lists name the fields that are filled.
type memoryStats struct {
	RSS, Cache, Swap, Usage, MaxUsage, KernelUsage, KernelMaxUsage uint64
	Measured                                                       []string
}
type cpuStats struct {
	SystemMode, UserMode, TotalTicks float64
	ThrottledPeriods, ThrottledTime  uint64
	Percent                          float64
	Measured                         []string
}
type taskResourceUsage struct {
	Memory    memoryStats
	CPU       cpuStats
	Timestamp int64
}

var memFieldNames = map[driverpb.MemoryUsage_Fields]string{
	driverpb.MemoryUsage_RSS: "RSS", driverpb.MemoryUsage_CACHE: "Cache", driverpb.MemoryUsage_SWAP: "Swap",
	driverpb.MemoryUsage_USAGE: "Usage", driverpb.MemoryUsage_MAX_USAGE: "Max Usage",
	driverpb.MemoryUsage_KERNEL_USAGE: "Kernel Usage", driverpb.MemoryUsage_KERNEL_MAX_USAGE: "Kernel Max Usage",
}
var cpuFieldNames = map[driverpb.CPUUsage_Fields]string{
	driverpb.CPUUsage_SYSTEM_MODE: "System Mode", driverpb.CPUUsage_USER_MODE: "User Mode",
	driverpb.CPUUsage_TOTAL_TICKS: "Total Ticks", driverpb.CPUUsage_THROTTLED_PERIODS: "Throttled Periods",
	driverpb.CPUUsage_THROTTLED_TIME: "Throttled Time", driverpb.CPUUsage_PERCENT: "Percent",
}

func decodeUsage(s *driverpb.TaskStats) (taskResourceUsage, error) {
	var u taskResourceUsage
	agg := s.GetAggResourceUsage()
	if agg == nil || agg.GetCpu() == nil || agg.GetMemory() == nil {
		return u, errors.New("agg_resource_usage without cpu or memory")
	}
	m, c := agg.GetMemory(), agg.GetCpu()
	u.Memory = memoryStats{RSS: m.GetRss(), Cache: m.GetCache(), Swap: m.GetSwap(), Usage: m.GetUsage(),
		MaxUsage: m.GetMaxUsage(), KernelUsage: m.GetKernelUsage(), KernelMaxUsage: m.GetKernelMaxUsage()}
	for _, f := range m.GetMeasuredFields() {
		name, ok := memFieldNames[f]
		if !ok {
			return u, fmt.Errorf("unknown memory measured field %v", f)
		}
		u.Memory.Measured = append(u.Memory.Measured, name)
	}
	u.CPU = cpuStats{SystemMode: c.GetSystemMode(), UserMode: c.GetUserMode(), TotalTicks: c.GetTotalTicks(),
		ThrottledPeriods: c.GetThrottledPeriods(), ThrottledTime: c.GetThrottledTime(), Percent: c.GetPercent()}
	for _, f := range c.GetMeasuredFields() {
		name, ok := cpuFieldNames[f]
		if !ok {
			return u, fmt.Errorf("unknown cpu measured field %v", f)
		}
		u.CPU.Measured = append(u.CPU.Measured, name)
	}
	if s.GetTimestamp() == nil {
		return u, errors.New("no timestamp")
	}
	u.Timestamp = s.GetTimestamp().AsTime().UnixNano()
	return u, nil
}

func TestTaskStats_BusyTask(t *testing.T) {
	d := shared.Driver.Driver
	tk := newTask(t, map[string]interface{}{
		"command": "sh", "args": []string{"-c", `x=$(head -c 4000000 /dev/zero | tr '\0' a); while :; do :; done`},
	}, taskOpts{})
	startTask(t, d, tk)
	waitUntilStarted(t, d, tk.ID)
	stream, err := d.TaskStats(ctxT(t, 2*time.Minute), &driverpb.TaskStatsRequest{
		TaskId: tk.ID, CollectionInterval: durationpb.New(time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	var last taskResourceUsage
	var seen []taskResourceUsage
	for i := 0; i < 8; i++ {
		r, err := stream.Recv()
		if err != nil {
			t.Fatalf("TaskStats Recv %d: %v", i, err)
		}
		if r.GetStats().GetId() != tk.ID {
			t.Fatalf("stats for %q, want %q", r.GetStats().GetId(), tk.ID)
		}
		u, err := decodeUsage(r.GetStats())
		if err != nil {
			t.Fatalf("TaskStats %d: %v", i, err)
		}
		seen = append(seen, u)
		last = u
		if u.CPU.Percent > 0 && u.Memory.RSS > 0 && i >= 2 {
			break
		}
	}
	if last.Memory.RSS == 0 || !slices.Contains(last.Memory.Measured, "RSS") {
		t.Errorf("memory RSS %d measured %v", last.Memory.RSS, last.Memory.Measured)
	}
	if last.CPU.Percent <= 0 || !slices.Contains(last.CPU.Measured, "Percent") || !slices.Contains(last.CPU.Measured, "Total Ticks") {
		t.Errorf("cpu percent %v measured %v (all: %+v)", last.CPU.Percent, last.CPU.Measured, seen)
	}
	if last.CPU.TotalTicks <= 0 {
		t.Errorf("cpu total ticks %v", last.CPU.TotalTicks)
	}
	if len(seen) >= 2 && seen[len(seen)-1].Timestamp <= seen[0].Timestamp {
		t.Errorf("timestamps do not advance: %+v", seen)
	}
	t.Logf("TaskResourceUsage: memory %+v cpu %+v", last.Memory, last.CPU)
	stopTask(t, d, tk.ID, "SIGKILL", 5*time.Second)
	waitTask(t, d, tk.ID, time.Minute)
	// The stats stream ends (EOF or an error) once the task is gone.
	destroyTask(t, d, tk.ID, false)
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := stream.Recv(); err != nil {
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Logf("stats stream ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("stats stream still open 30 s after DestroyTask")
	}
}

func TestTaskEvents_ImageLoad(t *testing.T) {
	d := shared.Driver.Driver
	events, err := d.TaskEvents(ctxT(t, 2*time.Minute), &driverpb.TaskEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *driverpb.DriverTaskEvent, 64)
	go func() {
		for {
			e, err := events.Recv()
			if err != nil {
				close(got)
				return
			}
			got <- e
		}
	}()
	tk := newTask(t, map[string]interface{}{"image": "oci-archive:" + ociArchive, "command": "true"}, taskOpts{})
	startTask(t, d, tk)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case e, ok := <-got:
			if !ok {
				t.Fatal("TaskEvents stream ended")
			}
			if e.GetTaskId() != tk.ID {
				continue
			}
			if e.GetAllocId() != tk.Alloc.AllocID || e.GetTaskName() != tk.Name || e.GetTimestamp() == nil {
				t.Fatalf("event for the task without its alloc/name/timestamp: %v", e)
			}
			if strings.HasPrefix(e.GetMessage(), "Loading image") {
				waitTask(t, d, tk.ID, time.Minute)
				destroyTask(t, d, tk.ID, false)
				return
			}
		case <-deadline:
			t.Fatal("no 'Loading image' event for the task within 30 s")
		}
	}
}
