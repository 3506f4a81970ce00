-- Prints wrk's summary as one JSON line for bench.py. Errors: HTTP status >= 400, plus
-- connect, read, write and timeout errors.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, ' ..
    '"p50": %d, "p95": %d, "p99": %d, "bytes": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.bytes))
end
