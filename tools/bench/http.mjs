// A keep-alive HTTP/1.1 client for the requests the benchmark makes itself.
import http from "node:http";

export class Client {
  /// `sockets`: connections kept open to the server at most.
  constructor(base, sockets) {
    this.base = new URL(base);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  /// One request; resolves with status, headers, body and the milliseconds from sending
  /// to the last byte. Gives up after `timeoutMs` without an answer.
  request(method, path, headers = {}, body = undefined, timeoutMs = 15_000) {
    return new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const req = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers: body === undefined ? headers : { ...headers, "content-length": Buffer.byteLength(body) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode,
              headers: res.headers,
              body: Buffer.concat(chunks).toString("utf8"),
              ms: Number(process.hrtime.bigint() - started) / 1e6,
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
      req.on("error", reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /// A server function called as a page calls it: a form body, from our own origin
  /// (the same-origin guard refuses other mutations). `accept` is `application/json`
  /// for the hydrated page, `text/html` for a form posted without JavaScript.
  postForm(endpoint, fields, accept) {
    return this.request(
      "POST",
      `/api/${endpoint}`,
      {
        "content-type": "application/x-www-form-urlencoded",
        accept,
        "sec-fetch-site": "same-origin",
        referer: new URL("/recover", this.base).href,
      },
      new URLSearchParams(fields).toString(),
    );
  }

  close() {
    this.agent.destroy();
  }
}

/// Runs `task(i)` for i in 0..count with at most `concurrency` at once; resolves with the
/// results in order.
export async function pool(count, concurrency, task) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
