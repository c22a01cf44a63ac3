/**
 * The plugin's protobuf schema at run time, and the glue between protobufjs
 * types and `@grpc/grpc-js` service/client definitions.
 *
 * The `.proto` texts are embedded (`src/grpc/_gen/protos.ts`, generated from
 * `proto/` by `deno task gen:proto`), so nothing is read from disk.
 *
 * Message conversion (see {@link TO_OBJECT_OPTIONS}) yields plain objects with
 * proto field names (`keepCase`: `task_id`, `plugin_api_versions`, `Attr`):
 *
 * | proto | TypeScript value |
 * | --- | --- |
 * | int64, uint64, sint64, fixed64, sfixed64 | `number` (precision lost above 2^53) |
 * | enum | `number` (on encode, the value name as a string is accepted too) |
 * | bytes | `Uint8Array` (a Node `Buffer`, which is one) |
 * | `map<K, V>` | plain object keyed by the key as a string |
 * | repeated | array (always present, possibly empty) |
 * | scalar fields | always present: absent on the wire means the proto3 zero value (`0`, `""`, `false`) |
 * | message fields | the message, or `null` when absent |
 * | oneof members | only the member that is set is present (the others are `undefined`); no virtual oneof-name property |
 * | `google.protobuf.Timestamp` / `Duration` | plain `{ seconds: number, nanos: number }` |
 *
 * When encoding, any subset of fields may be given: missing/`null`/`undefined`
 * fields are not written.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { PROTO_FILES } from "./_gen/protos.ts";

/** A decoded message, or a message to encode: field name (proto spelling) → value. */
export type ProtoMessage = Record<string, unknown>;

/** A gRPC method definition whose request and response are plain {@link ProtoMessage}s. */
export type ProtoMethodDefinition = grpc.MethodDefinition<ProtoMessage, ProtoMessage>;

/** A gRPC service definition (method name → definition) built from a protobufjs service. */
export type ProtoServiceDefinition = Record<string, ProtoMethodDefinition>;

/** Options passed to protobufjs `Type.toObject` for every decoded message (documented in the module header). */
export const TO_OBJECT_OPTIONS: Readonly<protobuf.IConversionOptions> = Object.freeze({
  longs: Number,
  enums: Number,
  // `bytes` unset: keep the decoded Uint8Array/Buffer as is.
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
  json: false,
});

/** Raised when the embedded schema cannot be parsed/resolved, or a name does not resolve. */
export class ProtoSchemaError extends Error {
  /** The file or fully-qualified name concerned. */
  readonly subject: string;

  constructor(subject: string, message: string, options?: ErrorOptions) {
    super(`proto schema: ${subject}: ${message}`, options);
    this.name = "ProtoSchemaError";
    this.subject = subject;
  }
}

/** Raised by {@link encodeMessage}/{@link decodeMessage} (and hence by gRPC (de)serialisation). */
export class ProtoCodecError extends Error {
  /** Fully-qualified message type name, e.g. `hashicorp.nomad.plugins.base.proto.PluginInfoResponse`. */
  readonly typeName: string;

  constructor(typeName: string, message: string, options?: ErrorOptions) {
    super(`cannot ${message} message ${typeName}`, options);
    this.name = "ProtoCodecError";
    this.typeName = typeName;
  }
}

let cachedRoot: protobuf.Root | undefined;

/**
 * Parses a set of `.proto` texts (import path → text) into one resolved root.
 * Every import must name a file of the set.
 */
export function parseProtoFiles(files: Readonly<Record<string, string>>): protobuf.Root {
  const root = new protobuf.Root();
  for (const [path, text] of Object.entries(files)) {
    let parsed: protobuf.IParserResult;
    try {
      parsed = protobuf.parse(text, root, { keepCase: true });
    } catch (err) {
      throw new ProtoSchemaError(path, `parse failed: ${String(err)}`, { cause: err });
    }
    for (const imp of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      if (!(imp in files)) {
        throw new ProtoSchemaError(path, `import "${imp}" is not among the embedded files`);
      }
    }
    root.files.push(path);
  }
  try {
    root.resolveAll();
  } catch (err) {
    throw new ProtoSchemaError("<root>", `resolve failed: ${String(err)}`, { cause: err });
  }
  return root;
}

/** The plugin's schema (all embedded `.proto` files), parsed once and cached. */
export function loadProtoRoot(): protobuf.Root {
  cachedRoot ??= parseProtoFiles(PROTO_FILES);
  return cachedRoot;
}

/** Looks up a message type by fully-qualified name (leading dot optional). */
export function lookupMessageType(
  name: string,
  root: protobuf.Root = loadProtoRoot(),
): protobuf.Type {
  const found = root.lookup(name.replace(/^\./, ""));
  if (!(found instanceof protobuf.Type)) {
    throw new ProtoSchemaError(name, "no such message type");
  }
  return found;
}

/** Looks up a service by fully-qualified name, e.g. `hashicorp.nomad.plugins.drivers.proto.Driver`. */
export function lookupService(
  name: string,
  root: protobuf.Root = loadProtoRoot(),
): protobuf.Service {
  const found = root.lookup(name.replace(/^\./, ""));
  if (!(found instanceof protobuf.Service)) {
    throw new ProtoSchemaError(name, "no such service");
  }
  return found;
}

/** Encodes a plain object (any subset of fields) as the given message type. */
export function encodeMessage(type: protobuf.Type, value: ProtoMessage): Uint8Array {
  try {
    return type.encode(type.fromObject(value)).finish();
  } catch (err) {
    throw new ProtoCodecError(type.fullName.slice(1), `encode (${String(err)})`, { cause: err });
  }
}

/** Decodes bytes as the given message type into a plain object (see {@link TO_OBJECT_OPTIONS}). */
export function decodeMessage(type: protobuf.Type, bytes: Uint8Array): ProtoMessage {
  try {
    return type.toObject(type.decode(bytes), TO_OBJECT_OPTIONS);
  } catch (err) {
    throw new ProtoCodecError(type.fullName.slice(1), `decode (${String(err)})`, { cause: err });
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The full gRPC path of a method: `/<package>.<Service>/<Method>`. */
export function methodPath(method: protobuf.Method): string {
  const service = method.parent;
  if (!(service instanceof protobuf.Service)) {
    throw new ProtoSchemaError(method.name, "method has no parent service");
  }
  return `/${service.fullName.slice(1)}/${method.name}`;
}

/** Builds the grpc-js definition of one method (path, stream flags, (de)serialisers). */
export function methodDefinition(method: protobuf.Method): ProtoMethodDefinition {
  method.resolve();
  const req = method.resolvedRequestType;
  const res = method.resolvedResponseType;
  if (req === null || res === null) {
    throw new ProtoSchemaError(method.name, "request/response type did not resolve");
  }
  return {
    path: methodPath(method),
    requestStream: method.requestStream === true,
    responseStream: method.responseStream === true,
    requestSerialize: (value: ProtoMessage) => toBuffer(encodeMessage(req, value)),
    requestDeserialize: (bytes: Buffer) => decodeMessage(req, bytes),
    responseSerialize: (value: ProtoMessage) => toBuffer(encodeMessage(res, value)),
    responseDeserialize: (bytes: Buffer) => decodeMessage(res, bytes),
    originalName: method.name,
  };
}

/**
 * Builds a grpc-js `ServiceDefinition` (method name → definition) for a
 * protobufjs service or its fully-qualified name; usable with
 * `server.addService(def, impl)` and {@link clientConstructor}.
 */
export function serviceDefinition(service: protobuf.Service | string): ProtoServiceDefinition {
  const svc = typeof service === "string" ? lookupService(service) : service;
  const def: ProtoServiceDefinition = {};
  for (const method of svc.methodsArray) def[method.name] = methodDefinition(method);
  return def;
}

/**
 * A grpc-js client class for a service (`grpc.makeGenericClientConstructor`):
 * `new (clientConstructor(svc))(address, grpc.credentials.createInsecure())`.
 * Its dynamic methods are untyped; prefer {@link unaryCall}/{@link serverStreamCall}.
 */
export function clientConstructor(
  service: protobuf.Service | string,
): grpc.ServiceClientConstructor {
  const svc = typeof service === "string" ? lookupService(service) : service;
  return grpc.makeGenericClientConstructor(serviceDefinition(svc), svc.fullName.slice(1));
}

/** Performs a unary call with any grpc-js client; rejects with the `grpc.ServiceError`. */
export function unaryCall(
  client: grpc.Client,
  method: ProtoMethodDefinition,
  request: ProtoMessage,
  options: grpc.CallOptions = {},
  metadata: grpc.Metadata = new grpc.Metadata(),
): Promise<ProtoMessage> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      metadata,
      options,
      (err: grpc.ServiceError | null, value?: ProtoMessage) => {
        if (err !== null) reject(err);
        else resolve(value ?? {});
      },
    );
  });
}

/** Starts a server-streaming call with any grpc-js client. */
export function serverStreamCall(
  client: grpc.Client,
  method: ProtoMethodDefinition,
  request: ProtoMessage,
  options: grpc.CallOptions = {},
  metadata: grpc.Metadata = new grpc.Metadata(),
): grpc.ClientReadableStream<ProtoMessage> {
  return client.makeServerStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    request,
    metadata,
    options,
  );
}

/** Starts a bidirectional-streaming call with any grpc-js client. */
export function bidiStreamCall(
  client: grpc.Client,
  method: ProtoMethodDefinition,
  options: grpc.CallOptions = {},
  metadata: grpc.Metadata = new grpc.Metadata(),
): grpc.ClientDuplexStream<ProtoMessage, ProtoMessage> {
  return client.makeBidiStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    metadata,
    options,
  );
}
