/**
 * OpenTelemetry traces and metrics for schedkit runners and fleet runners.
 * @since 0.3.0
 */
export { type Instrumentable, type InstrumentOptions, instrument } from "./instrument.js";
export { attr as attributeNames, BUCKETS_MS, metric as metricNames } from "./internal/names.js";
