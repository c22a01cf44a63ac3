/**
 * The public face of src/grpc/: what other folders may import.
 *
 * @module
 */
export { basePluginService } from "./base_service.ts";
export { driverService } from "./driver_service.ts";
export { serviceDefinition } from "./proto_root.ts";
