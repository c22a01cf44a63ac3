package nomadclient

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	ctymsgpack "github.com/zclconf/go-cty/cty/msgpack"

	hclspecpb "ndp/tests/nomad/pb/hclspec"
)

// SpecError names the part of a plugin's hclspec that could not be converted.
type SpecError struct {
	Path string
	Err  error
}

func (e *SpecError) Error() string { return fmt.Sprintf("hclspec %s: %v", e.Path, e.Err) }
func (e *SpecError) Unwrap() error { return e.Err }

// ConvertSpec turns a plugin's hclspec message into an hcldec.Spec, as the client does before it
// decodes an agent or task config against it.
func ConvertSpec(s *hclspecpb.Spec) (hcldec.Spec, error) { return convert(s, "<root>") }

func convert(s *hclspecpb.Spec, path string) (hcldec.Spec, error) {
	if s == nil {
		return nil, &SpecError{path, fmt.Errorf("nil spec")}
	}
	switch b := s.Block.(type) {
	case *hclspecpb.Spec_Object:
		out := hcldec.ObjectSpec{}
		for name, sub := range b.Object.GetAttributes() {
			c, err := convert(sub, path+"."+name)
			if err != nil {
				return nil, err
			}
			out[name] = c
		}
		return out, nil
	case *hclspecpb.Spec_Array:
		out := hcldec.TupleSpec{}
		for i, sub := range b.Array.GetValues() {
			c, err := convert(sub, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	case *hclspecpb.Spec_Attr:
		ty, err := parseType(b.Attr.GetType())
		if err != nil {
			return nil, &SpecError{path + "." + b.Attr.GetName(), err}
		}
		return &hcldec.AttrSpec{Name: b.Attr.GetName(), Type: ty, Required: b.Attr.GetRequired()}, nil
	case *hclspecpb.Spec_BlockValue:
		nested, err := convertNested(b.BlockValue.GetNested(), path+"."+b.BlockValue.GetName())
		if err != nil {
			return nil, err
		}
		return &hcldec.BlockSpec{TypeName: b.BlockValue.GetName(), Required: b.BlockValue.GetRequired(), Nested: nested}, nil
	case *hclspecpb.Spec_BlockAttrs:
		ty, err := parseType(b.BlockAttrs.GetType())
		if err != nil {
			return nil, &SpecError{path + "." + b.BlockAttrs.GetName(), err}
		}
		return &hcldec.BlockAttrsSpec{TypeName: b.BlockAttrs.GetName(), ElementType: ty, Required: b.BlockAttrs.GetRequired()}, nil
	case *hclspecpb.Spec_BlockList:
		nested, err := convertNested(b.BlockList.GetNested(), path+"."+b.BlockList.GetName())
		if err != nil {
			return nil, err
		}
		return &hcldec.BlockListSpec{TypeName: b.BlockList.GetName(), MinItems: int(b.BlockList.GetMinItems()), MaxItems: int(b.BlockList.GetMaxItems()), Nested: nested}, nil
	case *hclspecpb.Spec_BlockSet:
		nested, err := convertNested(b.BlockSet.GetNested(), path+"."+b.BlockSet.GetName())
		if err != nil {
			return nil, err
		}
		return &hcldec.BlockSetSpec{TypeName: b.BlockSet.GetName(), MinItems: int(b.BlockSet.GetMinItems()), MaxItems: int(b.BlockSet.GetMaxItems()), Nested: nested}, nil
	case *hclspecpb.Spec_BlockMap:
		nested, err := convertNested(b.BlockMap.GetNested(), path+"."+b.BlockMap.GetName())
		if err != nil {
			return nil, err
		}
		return &hcldec.BlockMapSpec{TypeName: b.BlockMap.GetName(), LabelNames: b.BlockMap.GetLabels(), Nested: nested}, nil
	case *hclspecpb.Spec_Default:
		p, err := convert(b.Default.GetPrimary(), path+"(primary)")
		if err != nil {
			return nil, err
		}
		d, err := convert(b.Default.GetDefault(), path+"(default)")
		if err != nil {
			return nil, err
		}
		return &hcldec.DefaultSpec{Primary: p, Default: d}, nil
	case *hclspecpb.Spec_Literal:
		expr, diags := hclsyntax.ParseExpression([]byte(b.Literal.GetValue()), "literal", hcl.InitialPos)
		if diags.HasErrors() {
			return nil, &SpecError{path, diags}
		}
		v, diags := expr.Value(functionContext(nil))
		if diags.HasErrors() {
			return nil, &SpecError{path, diags}
		}
		return &hcldec.LiteralSpec{Value: v}, nil
	default:
		return nil, &SpecError{path, fmt.Errorf("unknown spec kind %T", s.Block)}
	}
}

// A block's nested spec may be an object, or a single attr/block spec (hcldec allows both).
func convertNested(s *hclspecpb.Spec, path string) (hcldec.Spec, error) {
	if s == nil {
		return hcldec.ObjectSpec{}, nil
	}
	return convert(s, path)
}

func parseType(src string) (cty.Type, error) {
	expr, diags := hclsyntax.ParseExpression([]byte(src), "type", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilType, diags
	}
	ty, diags := typeexpr.TypeConstraint(expr)
	if diags.HasErrors() {
		return cty.NilType, diags
	}
	return ty, nil
}

// functionContext is the evaluation context the client gives configs: variables (a task's env)
// and a few HCL functions.
func functionContext(vars map[string]string) *hcl.EvalContext {
	ctx := &hcl.EvalContext{
		Functions: map[string]function.Function{
			"convert": typeexpr.ConvertFunc,
			"abs":     stdlib.AbsoluteFunc,
			"length":  stdlib.LengthFunc,
			"upper":   stdlib.UpperFunc,
		},
	}
	if len(vars) > 0 {
		vals := map[string]cty.Value{}
		keys := make([]string, 0, len(vars))
		for k := range vars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			vals[k] = cty.StringVal(vars[k])
		}
		ctx.Variables = vals
	}
	return ctx
}

// ConfigError is a config the spec rejected (before any plugin saw it).
type ConfigError struct {
	What  string
	Diags hcl.Diagnostics
}

func (e *ConfigError) Error() string { return fmt.Sprintf("%s: %s", e.What, e.Diags.Error()) }

// EncodeConfig decodes a config given as the client holds it (a map from HCL1 or the job API,
// blocks as lists of maps) against the spec and msgpack-encodes the result with the spec's
// type (val.Type(), not the implied type of the spec), as the loader and
// drivers.TaskConfig.EncodeDriverConfig do after hclutils.ParseHclInterface.
func EncodeConfig(what string, config map[string]interface{}, spec hcldec.Spec, vars map[string]string) ([]byte, cty.Value, error) {
	raw, err := json.Marshal(config)
	if err != nil {
		return nil, cty.NilVal, fmt.Errorf("%s: %w", what, err)
	}
	file, diags := hcljson.Parse(raw, what)
	if diags.HasErrors() {
		return nil, cty.NilVal, &ConfigError{what, diags}
	}
	val, diags := hcldec.Decode(file.Body, spec, functionContext(vars))
	if diags.HasErrors() {
		return nil, cty.NilVal, &ConfigError{what, diags}
	}
	b, err := ctymsgpack.Marshal(val, val.Type())
	if err != nil {
		return nil, cty.NilVal, fmt.Errorf("%s: msgpack: %w", what, err)
	}
	return b, val, nil
}
