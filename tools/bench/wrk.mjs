// Runs wrk and reads its report.
import { spawn } from "node:child_process";

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/// "1.23ms" → 1.23
function toMs(text) {
  const m = text.match(/^([\d.]+)(us|ms|s|m)$/);
  if (!m) throw new Error(`wrk latency not understood: ${text}`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/// `wrk -t<threads> -c<connections> -d<seconds>s --latency [--script lua] url`, killed if
/// it runs 30 s past its duration. Resolves with requests/s, p50/p99 in ms, the count of
/// non-2xx/3xx answers and socket errors, per-status counts from a script that prints
/// "status <code> <count>", and the report itself.
export function wrk({ url, threads = 2, connections, seconds, script, env = {} }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "--latency", "--timeout", "10s"];
  if (script) args.push("--script", script);
  else args.push("-H", "Accept: text/html");
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, { env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), (seconds + 30) * 1000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(killer);
      if (code !== 0) return reject(new Error(`wrk ${args.join(" ")} exited with ${code}: ${err}${out}`));
      const number = (re) => {
        const m = out.match(re);
        return m ? m[1] : undefined;
      };
      const rps = Number(number(/Requests\/sec:\s+([\d.]+)/));
      const p50 = number(/^\s+50%\s+(\S+)$/m);
      const p99 = number(/^\s+99%\s+(\S+)$/m);
      const requests = Number(number(/(\d+) requests in/));
      const socket = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
      const statuses = {};
      for (const m of out.matchAll(/^status (\d+) (\d+)$/gm)) statuses[m[1]] = Number(m[2]);
      if (!Number.isFinite(rps) || !p50 || !p99) return reject(new Error(`wrk report not understood:\n${out}`));
      resolve({
        rps,
        p50: toMs(p50),
        p99: toMs(p99),
        requests,
        duration: Number(number(/requests in ([\d.]+)s/)) || seconds,
        bad: Number(number(/Non-2xx or 3xx responses: (\d+)/) ?? 0),
        socketErrors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
        statuses,
        report: out,
      });
    });
  });
}
