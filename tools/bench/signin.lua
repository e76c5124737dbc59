-- wrk script: sign-ins as the hydrated page posts them (a form body, a JSON answer, from
-- our own origin), cycling through the accounts in BENCH_CREDENTIALS (one
-- "email<TAB>password" a line), so every request costs one Argon2id verification.
-- Prints "status <code> <count>" for every status seen, so the caller can count the
-- sign-ins that succeeded.

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local bodies = {}
for line in (os.getenv("BENCH_CREDENTIALS") or ""):gmatch("[^\n]+") do
  local email, password = line:match("^([^\t]+)\t(.+)$")
  if email then
    bodies[#bodies + 1] = "user_id=" .. encode(email) .. "&password=" .. encode(password)
  end
end
if #bodies == 0 then
  error("BENCH_CREDENTIALS holds no email<TAB>password line")
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Sec-Fetch-Site"] = "same-origin"

local threads = {}
function setup(thread)
  thread:set("first", #threads)
  threads[#threads + 1] = thread
end

-- Globals, so that done() can read them from each thread.
counts = {}
local n = 0
function init(args)
  n = first or 0
end

function request()
  n = n % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[n])
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %d %d\n", status, count))
  end
end
