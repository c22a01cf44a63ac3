// The plugin's own logger (hclog JSON lines on stderr); task log collection is src/logs/.
export { hclogTimestamp, Logger, rootLogger, StderrSink } from "./logger.ts";
export type { LogFields, LogLevel, LogSink } from "./logger.ts";
