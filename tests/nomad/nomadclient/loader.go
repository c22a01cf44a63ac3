package nomadclient

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2/hcldec"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	basepb "ndp/tests/nomad/pb/base"
)

// LoadError says which plugin and which launch of the loader failed.
type LoadError struct {
	Plugin string
	Stage  string // "scan", "fingerprint", "validate", "dispense", "reattach"
	Err    error
}

func (e *LoadError) Error() string {
	return fmt.Sprintf("loader: plugin %q: %s: %v", e.Plugin, e.Stage, e.Err)
}
func (e *LoadError) Unwrap() error { return e.Err }

// PluginInfo is what the fingerprint launch learnt about one plugin.
type PluginInfo struct {
	Name        string
	Path        string
	Version     string
	APIVersion  string // the negotiated version, spelt as the plugin lists it (pv.Original() in Nomad)
	ConfigSpec  hcldec.Spec
	MsgpackConf []byte // the validated agent config, as the long-lived instance gets it
}

// Loader finds and launches external driver plugins like Nomad's helper/pluginutils/loader: every
// executable in PluginDir that has a plugin block in Configs is fingerprinted (launch 1), its
// config validated (launch 2), and later dispensed as a long-lived instance (launch 3).
type Loader struct {
	PluginDir   string
	Configs     map[string]map[string]interface{} // plugin "<name>" { config { ... } }, as HCL1 parses it
	NomadConfig *basepb.NomadConfig
	Logger      hclog.Logger

	plugins map[string]*PluginInfo
}

// Launches counts the processes the loader started (for the tests).
var Launches int

// Load runs the fingerprint and validation launches of every plugin (agent start-up). Any
// error is fatal, as it is to an agent.
func (l *Loader) Load() error {
	entries, err := os.ReadDir(l.PluginDir)
	if err != nil {
		return &LoadError{"*", "scan", err}
	}
	l.plugins = map[string]*PluginInfo{}
	for _, e := range entries {
		path := filepath.Join(l.PluginDir, e.Name())
		st, err := os.Stat(path) // follows symlinks, as exec does
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".exe")
		cfg, ok := l.Configs[name]
		if !ok {
			l.Logger.Warn("skipping external plugin without a plugin block", "plugin", name)
			continue
		}
		info, err := l.fingerprint(name, path)
		if err != nil {
			return err
		}
		if err := l.validate(info, cfg); err != nil {
			return err
		}
		l.plugins[name] = info
	}
	return nil
}

// Info is the fingerprinted plugin, or nil.
func (l *Loader) Info(name string) *PluginInfo { return l.plugins[name] }

func (l *Loader) newClient(info *PluginInfo, reattach *plugin.ReattachConfig) *plugin.Client {
	cfg := &plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          PluginSet(),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           l.Logger.Named(info.Name),
	}
	if reattach != nil {
		cfg.Reattach = reattach
	} else {
		cfg.Cmd = exec.Command(info.Path)
		Launches++
	}
	return plugin.NewClient(cfg)
}

func dispense(c *plugin.Client) (*Driver, error) {
	rpc, err := c.Client()
	if err != nil {
		return nil, err
	}
	raw, err := rpc.Dispense("driver")
	if err != nil {
		return nil, err
	}
	d, ok := raw.(*Driver)
	if !ok {
		return nil, fmt.Errorf("dispensed %T, want *Driver", raw)
	}
	return d, nil
}

func rpcContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 60*time.Second)
}

// fingerprint is launch 1: PluginInfo (semver version, an API version the client speaks,
// type driver) and ConfigSchema, then the process is killed.
func (l *Loader) fingerprint(name, path string) (*PluginInfo, error) {
	info := &PluginInfo{Name: name, Path: path}
	c := l.newClient(info, nil)
	defer c.Kill()
	d, err := dispense(c)
	if err != nil {
		return nil, &LoadError{name, "fingerprint", err}
	}
	ctx, cancel := rpcContext()
	defer cancel()
	pi, err := d.Base.PluginInfo(ctx, &basepb.PluginInfoRequest{})
	if err != nil {
		return nil, &LoadError{name, "fingerprint", err}
	}
	if pi.GetType() != basepb.PluginType_DRIVER {
		return nil, &LoadError{name, "fingerprint", fmt.Errorf("plugin type %v, want DRIVER", pi.GetType())}
	}
	if pi.GetName() != "podman" {
		return nil, &LoadError{name, "fingerprint", fmt.Errorf("plugin name %q", pi.GetName())}
	}
	if _, err := version.NewVersion(pi.GetPluginVersion()); err != nil {
		return nil, &LoadError{name, "fingerprint", fmt.Errorf("plugin version %q: %w", pi.GetPluginVersion(), err)}
	}
	want := version.Must(version.NewVersion(PluginAPIVersion))
	for _, v := range pi.GetPluginApiVersions() {
		pv, err := version.NewVersion(v)
		if err != nil {
			return nil, &LoadError{name, "fingerprint", fmt.Errorf("plugin API version %q: %w", v, err)}
		}
		if pv.Equal(want) {
			info.APIVersion = pv.Original()
		}
	}
	if info.APIVersion == "" {
		return nil, &LoadError{name, "fingerprint", fmt.Errorf("no common API version in %q", pi.GetPluginApiVersions())}
	}
	info.Version = pi.GetPluginVersion()
	schema, err := d.Base.ConfigSchema(ctx, &basepb.ConfigSchemaRequest{})
	if err != nil {
		return nil, &LoadError{name, "fingerprint", err}
	}
	if schema.GetSpec() != nil {
		spec, err := ConvertSpec(schema.GetSpec())
		if err != nil {
			return nil, &LoadError{name, "fingerprint", err}
		}
		info.ConfigSpec = spec
	}
	return info, nil
}

// validate is launch 2: the agent's config decoded against the schema (defaults applied) and
// msgpack-encoded, SetConfig with the agent config, SetConfig again with none, then killed.
func (l *Loader) validate(info *PluginInfo, cfg map[string]interface{}) error {
	if info.ConfigSpec != nil {
		b, _, err := EncodeConfig(info.Name+" config", cfg, info.ConfigSpec, nil)
		if err != nil {
			return &LoadError{info.Name, "validate", err}
		}
		info.MsgpackConf = b
	} else if len(cfg) > 0 {
		return &LoadError{info.Name, "validate", errors.New("plugin has no config schema but a config was given")}
	}
	c := l.newClient(info, nil)
	defer c.Kill()
	d, err := dispense(c)
	if err != nil {
		return &LoadError{info.Name, "validate", err}
	}
	ctx, cancel := rpcContext()
	defer cancel()
	for _, nc := range []*basepb.NomadConfig{l.NomadConfig, nil} {
		_, err := d.Base.SetConfig(ctx, &basepb.SetConfigRequest{
			MsgpackConfig: info.MsgpackConf, NomadConfig: nc, PluginApiVersion: info.APIVersion,
		})
		if err != nil {
			return &LoadError{info.Name, "validate", err}
		}
	}
	return nil
}

// Instance is a long-lived plugin process (launch 3, or a reattach).
type Instance struct {
	Client *plugin.Client
	Driver *Driver
}

// Dispense is launch 3: a new process, SetConfig with the real agent config, then Init
// (Unimplemented is a no-op, as in Nomad's driver client).
func (l *Loader) Dispense(name string) (*Instance, error) {
	info := l.plugins[name]
	if info == nil {
		return nil, &LoadError{name, "dispense", errors.New("not loaded")}
	}
	return l.start(info, nil)
}

// Reattach connects to a running plugin from its saved reattach config (agent restart) and
// picks the API version with PluginInfo, as the instance manager does before it falls back to a
// fresh launch.
func (l *Loader) Reattach(name string, rc *plugin.ReattachConfig) (*Instance, error) {
	info := l.plugins[name]
	if info == nil {
		return nil, &LoadError{name, "reattach", errors.New("not loaded")}
	}
	c := l.newClient(info, rc)
	d, err := dispense(c)
	if err != nil {
		c.Kill()
		return nil, &LoadError{name, "reattach", err}
	}
	ctx, cancel := rpcContext()
	defer cancel()
	if _, err := d.Base.PluginInfo(ctx, &basepb.PluginInfoRequest{}); err != nil {
		c.Kill()
		return nil, &LoadError{name, "reattach", err}
	}
	return &Instance{Client: c, Driver: d}, nil
}

func (l *Loader) start(info *PluginInfo, rc *plugin.ReattachConfig) (*Instance, error) {
	c := l.newClient(info, rc)
	d, err := dispense(c)
	if err != nil {
		c.Kill()
		return nil, &LoadError{info.Name, "dispense", err}
	}
	ctx, cancel := rpcContext()
	defer cancel()
	if _, err := d.Base.SetConfig(ctx, &basepb.SetConfigRequest{
		MsgpackConfig: info.MsgpackConf, NomadConfig: l.NomadConfig, PluginApiVersion: info.APIVersion,
	}); err != nil {
		c.Kill()
		return nil, &LoadError{info.Name, "dispense", err}
	}
	if _, err := d.Driver.Init(ctx, &driverInitRequest); err != nil && status.Code(err) != codes.Unimplemented {
		c.Kill()
		return nil, &LoadError{info.Name, "dispense", fmt.Errorf("Init: %w", err)}
	}
	return &Instance{Client: c, Driver: d}, nil
}
