// Package nomadclient drives a Nomad task-driver plugin the way a Nomad client agent does, on top
// of HashiCorp's go-plugin (the version current Nomad pins), grpc-go and protobuf-go, with the
// plugin's wire types generated from the repository's protos (../pb).
//
// Nomad's own module (github.com/hashicorp/nomad) is not available to this project (its licence
// is not open source from v1.7.0 on and the module proxy refuses it), so the agent-side behaviour
// the loader, the driver client and logmon implement is reimplemented here, written from
// Nomad's documented behaviour (see tests/nomad/README.md), not copied.
package nomadclient

import (
	"context"
	"errors"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	basepb "ndp/tests/nomad/pb/base"
	driverpb "ndp/tests/nomad/pb/drivers"
)

// Handshake is Nomad's plugins/base.Handshake.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  2,
	MagicCookieKey:   "NOMAD_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "e4327c2e01eabfd75a8a67adb114fb34a757d57eee7728d857a8cec6e91a7255",
}

// PluginAPIVersion is the driver plugin API version Nomad negotiates (drivers.ApiVersion010).
const PluginAPIVersion = "v0.1.0"

// Driver is what Dispense("driver") returns: the base and driver gRPC clients over one
// connection, like Nomad's drivers.driverPluginClient.
type Driver struct {
	Conn   *grpc.ClientConn
	Base   basepb.BasePluginClient
	Driver driverpb.DriverClient
	// Done is cancelled when go-plugin sees the plugin process exit (doneCtx in Nomad).
	Done context.Context
}

// driverPlugin is the client half of Nomad's drivers.PluginDriver.
type driverPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (driverPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("nomadclient: client side only")
}

func (driverPlugin) GRPCClient(ctx context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return &Driver{
		Conn:   c,
		Base:   basepb.NewBasePluginClient(c),
		Driver: driverpb.NewDriverClient(c),
		Done:   ctx,
	}, nil
}

// PluginSet is the plugin map Nomad's loader hands go-plugin for a driver.
func PluginSet() map[string]plugin.Plugin {
	return map[string]plugin.Plugin{"driver": driverPlugin{}}
}

var driverInitRequest = driverpb.InitRequest{}
