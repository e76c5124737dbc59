// Recovery starts over HTTP: the form posted without JavaScript (no proof of work), and
// the hydrated page's start with a solved ALTCHA v2 proof of work (app/src/domain/pow.rs).
import { pbkdf2Sync, randomBytes } from "node:crypto";

/// Starts a recovery for `userId` as a browser without JavaScript does. Every start
/// answers alike, found or not: a redirect to "why are you here" with the flow's cookie.
/// Anything else is the portal failing (or refusing: a limit reached).
export async function start(client, userId, pow = undefined) {
  const fields = pow === undefined ? { user_id: userId } : { user_id: userId, pow };
  const res = await client.postForm("recovery/start", fields, pow === undefined ? "text/html" : "application/json");
  const cookie = [res.headers["set-cookie"] ?? []].flat().some((c) => /^regain_recovery=/.test(c) && !/Max-Age=0/i.test(c));
  const redirected =
    pow === undefined ? /\/recover\/why$/.test(res.headers.location ?? "") : res.status < 400;
  if (!cookie || !redirected) {
    throw new Error(`recovery start for ${userId} answered ${res.status} ${res.headers.location ?? ""} ${res.body.slice(0, 200)}`);
  }
  return res.ms;
}

/// A fresh challenge from the endpoint the hydrated start form calls.
export async function challenge(client) {
  const res = await client.postForm("recovery/challenge", {}, "application/json");
  if (res.status !== 200) throw new Error(`recovery/challenge answered ${res.status}: ${res.body.slice(0, 200)}`);
  // The server function returns the challenge's JSON text as a JSON string.
  const text = JSON.parse(res.body);
  return typeof text === "string" ? JSON.parse(text) : text;
}

/// Solves a challenge as the browser does (counters from 0, PBKDF2/SHA-256 of nonce and
/// big-endian counter, until the key's hex starts with the prefix) and returns the
/// payload for the start form's `pow` field. Gives up after `maxTries`.
export function solve(challenge, maxTries = 1_000_000) {
  const p = challenge.parameters;
  if (!/^PBKDF2\/SHA-256$/i.test(p.algorithm)) throw new Error(`proof of work ${p.algorithm} not supported`);
  const nonce = Buffer.from(p.nonce, "hex");
  const salt = Buffer.from(p.salt, "hex");
  const prefix = p.keyPrefix.toLowerCase();
  const password = Buffer.alloc(nonce.length + 4);
  nonce.copy(password);
  for (let counter = 0; counter < maxTries; counter++) {
    password.writeUInt32BE(counter, nonce.length);
    const key = pbkdf2Sync(password, salt, p.cost, p.keyLength, "sha256").toString("hex");
    if (key.startsWith(prefix)) return JSON.stringify({ challenge, solution: { counter, derivedKey: key } });
  }
  throw new Error(`proof of work not solved in ${maxTries} tries`);
}

/// An address of `domain` that no account has.
export const unknownAddress = (domain) => `nobody-${randomBytes(6).toString("hex")}@${domain}`;
