-- wrk: a flood of logins with unknown e-mails. With BENCH_SPOOF=1 each request claims a new
-- client address in X-Forwarded-For (the server is started trusting that header), as a
-- flood from many machines would look; otherwise every login comes from this machine.
-- Each thread has its own prefix, so no two requests (in any thread) share an e-mail.
local counter = 0
local prefix = "t"
local spoof = os.getenv("BENCH_SPOOF") == "1"
statuses = {}
local threads = {}

function setup(thread)
  thread:set("prefix", "t" .. (#threads + 1))
  table.insert(threads, thread)
end

function init(args)
  prefix = wrk.thread:get("prefix") or prefix
  statuses = {}
end

function request()
  counter = counter + 1
  local headers = { ["Content-Type"] = "application/json" }
  if spoof then
    headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", (counter / 65536) % 256, (counter / 256) % 256, counter % 256)
  end
  local body = string.format('{"email":"nobody-%s-%d@flood.test","password":"wrong password %d"}', prefix, counter, counter)
  return wrk.format("POST", "/api/v1/auth/login", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do total[code] = (total[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(total) do parts[#parts + 1] = code .. ":" .. n end
  table.sort(parts)
  io.write("flood statuses " .. table.concat(parts, " ") .. "\n")
end
