#!/usr/bin/env bash
# The first `./dev run` as on a fresh machine with only rustup and cargo: a fresh clone of
# HEAD, an empty CARGO_HOME (no registry, no cargo-leptos, no wasm-bindgen) and a PATH
# with rustup's proxies only. Prints the seconds until /login answers on port 3000 (which
# must be free), the steps' times, and what the watch still compiled after `./dev`'s
# prebuild. The rustup toolchain and its wasm32 target are kept (adding the target takes
# seconds); system packages are as they are.
# Usage: tools/bench/cold-run.sh [WORK_DIR]   (default /tmp/regain-cold, removed first)
set -euo pipefail
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=${1:-/tmp/regain-cold}
rustup_bin=$(command -v rustup)
rm -rf "$work"
mkdir -p "$work/bin" "$work/cargo-home"
for t in cargo rustc rustup rustdoc cargo-clippy clippy-driver rustfmt cargo-fmt; do
  ln -s "$rustup_bin" "$work/bin/$t"
done
git clone -q "$top" "$work/repo"
cd "$work/repo"
export CARGO_HOME="$work/cargo-home" PATH="$work/bin:/usr/local/bin:/usr/bin:/bin"
if command -v cargo-leptos >/dev/null || command -v wasm-bindgen >/dev/null; then
  echo "cargo-leptos or wasm-bindgen is on this PATH: not a cold run"
  exit 1
fi
start=$(date +%s)
setsid ./dev run >"$work/run.log" 2>&1 &
pid=$!
trap 'kill -- -$pid 2>/dev/null || true' EXIT
until curl -fsS -o /dev/null http://127.0.0.1:3000/login 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "./dev run exited"
    tail -n 30 "$work/run.log"
    exit 1
  fi
  sleep 2
done
echo "cold ./dev run served /login after $(( $(date +%s) - start )) s"
grep -E '^(==>|<==)| built in ' "$work/run.log" || true
after=$(sed -n '/==> Starting Regain/,$p' "$work/run.log" | grep 'Compiling ' || true)
echo "crates the watch compiled after the prebuild: $(printf '%s' "$after" | grep -c . || true)"
printf '%s\n' "$after" | head -n 20
