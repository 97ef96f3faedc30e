/**
 * Preloaded (`node -r`) into the processes bench.js measures: at exit, writes the process's CPU time
 * (s) and peak RSS (MiB) to the file named by POLCOV_BENCH_USAGE.
 */
'use strict';
process.on('exit', () => {
  const u = process.resourceUsage();
  const usage = { cpu: (u.userCPUTime + u.systemCPUTime) / 1e6, rss: u.maxRSS / 1024 };
  require('node:fs').writeFileSync(process.env.POLCOV_BENCH_USAGE, JSON.stringify(usage));
});
