// Preloaded into a server under test (NODE_OPTIONS=--import=…/el-probe.mjs, EL_PROBE_OUT=file): the event loop's delay
// histogram (perf_hooks.monitorEventLoopDelay, 10 ms resolution), written as JSON when the process is told to stop.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const out = process.env.EL_PROBE_OUT;
if (out) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const write = () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    writeFileSync(out, JSON.stringify({ p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max), meanMs: ms(h.mean) }));
  };
  process.on('SIGUSR2', () => {
    write();
    h.reset();
  });
  process.on('exit', write);
}
