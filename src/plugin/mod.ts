/**
 * The public face of src/plugin/: what other folders may import.
 *
 * @module
 */
export {
  brokerService,
  controllerService,
  healthService,
  stdioService,
} from "./go_plugin_services.ts";
export { hasMagicCookie, NOT_A_PLUGIN_MESSAGE } from "./handshake.ts";
export { servePlugin } from "./serve.ts";
