// Command goclient launches a Nomad task driver plugin through HashiCorp's
// real go-plugin client library, exactly as a Nomad agent does (handshake
// config, gRPC only), then:
//
//   - dispenses a stub plugin that captures the *grpc.ClientConn,
//   - calls BasePlugin/PluginInfo (dynamicpb, descriptors from the .binpb),
//   - pings it (go-plugin's grpc.health.v1 check),
//   - kills it (go-plugin Kill: GRPCController/Shutdown, 2 s grace, SIGKILL),
//   - checks every stderr line is hclog JSON that go-plugin can parse,
//
// and prints one JSON summary on stdout. Exit status 1 if anything is off.
//
// Build (module mode, go-plugin v1.8.0 as Nomad pins it; Go 1.26 from /usr/local/go):
//
//	GOTOOLCHAIN=local /usr/local/go/bin/go build -o goclient .
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Nomad's handshake (nomad/plugins/base.Handshake).
var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  2,
	MagicCookieKey:   "NOMAD_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "e4327c2e01eabfd75a8a67adb114fb34a757d57eee7728d857a8cec6e91a7255",
}

const pluginInfoPath = "/hashicorp.nomad.plugins.base.proto.BasePlugin/PluginInfo"

// stubPlugin only captures the gRPC connection go-plugin opened.
type stubPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (stubPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("client only")
}

func (stubPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (interface{}, error) {
	return conn, nil
}

// lineRecorder collects complete lines written to it (go-plugin writes the
// plugin's stderr line by line to ClientConfig.Stderr).
type lineRecorder struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines []string
}

func (r *lineRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf.Write(p)
	for {
		i := bytes.IndexByte(r.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		r.lines = append(r.lines, string(r.buf.Next(i + 1)[:i]))
	}
	return len(p), nil
}

func (r *lineRecorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]string(nil), r.lines...)
	if r.buf.Len() > 0 {
		out = append(out, r.buf.String())
	}
	return out
}

// hclog's JSON timestamp layout, as the agent parses it.
const hclogTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

var timestampRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$`)

// checkStderrLine reports why a plugin stderr line would not be logged
// properly by the agent ("" if fine).
func checkStderrLine(line string) string {
	if len(line) > 64*1024 {
		return "longer than 64 KiB"
	}
	var obj map[string]interface{}
	if err := json.Unmarshal([]byte(line), &obj); err != nil {
		return "not a JSON object: " + err.Error()
	}
	for _, key := range []string{"@level", "@message", "@timestamp"} {
		v, ok := obj[key]
		if !ok {
			return "missing " + key
		}
		if _, isStr := v.(string); !isStr {
			return key + " is not a string (the agent would panic)"
		}
	}
	switch strings.ToLower(obj["@level"].(string)) {
	case "trace", "debug", "info", "warn", "error":
	default:
		return fmt.Sprintf("@level %q is not an hclog level", obj["@level"])
	}
	ts := obj["@timestamp"].(string)
	if !timestampRe.MatchString(ts) {
		return fmt.Sprintf("@timestamp %q does not have exactly six fraction digits", ts)
	}
	if _, err := time.Parse(hclogTimeLayout, ts); err != nil {
		return fmt.Sprintf("@timestamp %q: %v", ts, err)
	}
	return ""
}

type pluginInfo struct {
	Type              int32    `json:"type"`
	Name              string   `json:"name"`
	PluginAPIVersions []string `json:"plugin_api_versions"`
	PluginVersion     string   `json:"plugin_version"`
}

type summary struct {
	OK                bool        `json:"ok"`
	Errors            []string    `json:"errors"`
	Protocol          string      `json:"protocol,omitempty"`
	NegotiatedVersion int         `json:"negotiated_version,omitempty"`
	PluginInfo        *pluginInfo `json:"plugin_info,omitempty"`
	Ping              bool        `json:"ping"`
	KillMillis        int64       `json:"kill_ms"`
	Exited            bool        `json:"exited"`
	ExitCode          int         `json:"exit_code"`
	Signal            string      `json:"signal,omitempty"`
	ForceKilled       bool        `json:"force_killed"`
	StderrLines       int         `json:"stderr_lines"`
	StderrInvalid     []string    `json:"stderr_invalid"`
	StdoutExtraLines  int         `json:"stdout_extra_lines"`
}

func loadPluginInfoTypes(binpb string) (protoreflect.MessageDescriptor, protoreflect.MessageDescriptor, error) {
	raw, err := ioutil.ReadFile(binpb)
	if err != nil {
		return nil, nil, err
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &set); err != nil {
		return nil, nil, fmt.Errorf("decode %s: %w", binpb, err)
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		return nil, nil, fmt.Errorf("descriptors in %s: %w", binpb, err)
	}
	find := func(name string) (protoreflect.MessageDescriptor, error) {
		d, err := files.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		md, ok := d.(protoreflect.MessageDescriptor)
		if !ok {
			return nil, fmt.Errorf("%s is not a message", name)
		}
		return md, nil
	}
	req, err := find("hashicorp.nomad.plugins.base.proto.PluginInfoRequest")
	if err != nil {
		return nil, nil, err
	}
	res, err := find("hashicorp.nomad.plugins.base.proto.PluginInfoResponse")
	if err != nil {
		return nil, nil, err
	}
	return req, res, nil
}

func callPluginInfo(conn *grpc.ClientConn, reqDesc, resDesc protoreflect.MessageDescriptor, timeout time.Duration) (*pluginInfo, error) {
	req := dynamicpb.NewMessage(reqDesc)
	res := dynamicpb.NewMessage(resDesc)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := conn.Invoke(ctx, pluginInfoPath, req, res); err != nil {
		return nil, fmt.Errorf("PluginInfo: %w", err)
	}
	f := resDesc.Fields()
	info := &pluginInfo{
		Type:          int32(res.Get(f.ByName("type")).Enum()),
		Name:          res.Get(f.ByName("name")).String(),
		PluginVersion: res.Get(f.ByName("plugin_version")).String(),
	}
	versions := res.Get(f.ByName("plugin_api_versions")).List()
	for i := 0; i < versions.Len(); i++ {
		info.PluginAPIVersions = append(info.PluginAPIVersions, versions.Get(i).String())
	}
	return info, nil
}

func main() {
	binpb := flag.String("descriptors", "", "path to nomad-plugin-api.binpb")
	wantName := flag.String("name", "podman", "expected PluginInfo.name")
	timeout := flag.Duration("timeout", 60*time.Second, "handshake timeout (Nomad uses 1m)")
	flag.Parse()
	if flag.NArg() < 1 || *binpb == "" {
		fmt.Fprintln(os.Stderr, "usage: goclient -descriptors nomad-plugin-api.binpb PLUGIN [ARGS...]")
		os.Exit(2)
	}

	sum := summary{Errors: []string{}, StderrInvalid: []string{}}
	fail := func(format string, args ...interface{}) {
		sum.Errors = append(sum.Errors, fmt.Sprintf(format, args...))
	}
	finish := func() {
		sum.OK = len(sum.Errors) == 0
		out, _ := json.Marshal(sum)
		fmt.Println(string(out))
		if !sum.OK {
			os.Exit(1)
		}
		os.Exit(0)
	}

	reqDesc, resDesc, err := loadPluginInfoTypes(*binpb)
	if err != nil {
		fail("descriptors: %v", err)
		finish()
	}

	// go-plugin's own log (goes to our stderr, and is scanned for its
	// "failed to exit gracefully" warning).
	var clientLog lineRecorder
	logger := hclog.New(&hclog.LoggerOptions{
		Name:   "goclient",
		Level:  hclog.Trace,
		Output: io.MultiWriter(os.Stderr, &clientLog),
	})
	var stderrRec, stdoutRec lineRecorder
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake,
		Plugins:          map[string]plugin.Plugin{"driver": stubPlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger,
		StartTimeout:     *timeout,
		Stderr:           &stderrRec,
		SyncStdout:       &stdoutRec,
		SyncStderr:       ioutil.Discard,
	})

	killAndCheck := func(connected bool) {
		start := time.Now()
		client.Kill()
		sum.KillMillis = time.Since(start).Milliseconds()
		sum.Exited = client.Exited()
		if !sum.Exited {
			fail("plugin process still running after Kill")
		}
		if st := cmd.ProcessState; st != nil {
			sum.ExitCode = st.ExitCode()
			if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				sum.Signal = ws.Signal().String()
				sum.ForceKilled = ws.Signal() == syscall.SIGKILL
			}
		}
		for _, l := range clientLog.all() {
			if strings.Contains(l, "plugin failed to exit gracefully") || strings.Contains(l, "error closing client during Kill") {
				sum.ForceKilled = true
			}
		}
		if !connected {
			sum.ForceKilled = false // no connection: go-plugin kills without trying Shutdown
		}
		if sum.ForceKilled {
			fail("plugin did not exit by itself after GRPCController/Shutdown (force-killed after %d ms)", sum.KillMillis)
		}
		lines := stderrRec.all()
		sum.StderrLines = len(lines)
		for _, l := range lines {
			if why := checkStderrLine(l); why != "" {
				if len(l) > 200 {
					l = l[:200] + "..."
				}
				sum.StderrInvalid = append(sum.StderrInvalid, why+": "+l)
			}
		}
		if len(sum.StderrInvalid) > 0 {
			fail("%d stderr line(s) the agent cannot parse as hclog JSON", len(sum.StderrInvalid))
		}
		sum.StdoutExtraLines = len(stdoutRec.all())
	}

	rpc, err := client.Client()
	if err != nil {
		fail("handshake/connect: %v", err)
		killAndCheck(false)
		finish()
	}
	sum.Protocol = string(client.Protocol())
	sum.NegotiatedVersion = client.NegotiatedVersion()
	if sum.Protocol != string(plugin.ProtocolGRPC) {
		fail("negotiated protocol %q, want grpc", sum.Protocol)
	}
	if sum.NegotiatedVersion != 2 {
		fail("negotiated app protocol version %d, want 2", sum.NegotiatedVersion)
	}

	raw, err := rpc.Dispense("driver")
	if err != nil {
		fail("dispense: %v", err)
	} else if conn, ok := raw.(*grpc.ClientConn); !ok {
		fail("dispense returned %T", raw)
	} else if info, err := callPluginInfo(conn, reqDesc, resDesc, 30*time.Second); err != nil {
		fail("%v", err)
	} else {
		sum.PluginInfo = info
		if info.Type != 2 {
			fail("PluginInfo.type = %d, want 2 (DRIVER)", info.Type)
		}
		if info.Name != *wantName {
			fail("PluginInfo.name = %q, want %q", info.Name, *wantName)
		}
	}

	if err := rpc.Ping(); err != nil {
		fail("ping (grpc.health.v1.Health/Check): %v", err)
	} else {
		sum.Ping = true
	}

	killAndCheck(true)
	finish()
}
