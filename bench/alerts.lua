-- wrk: fraud alerts to IBANs of a registered bank, each with its own Idempotency-Key. Every wrk
-- thread gets its own key prefix from setup(): LuaJIT seeds each thread's generator alike, so
-- a prefix drawn from math.random would repeat across threads and turn half the requests into
-- idempotent replays.
local auth = os.getenv("BENCH_AUTH")
local ibans = {}
local counter = 0
local prefix = ""
local threads = 0
local run = tostring(os.time())

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_IBANS")) do ibans[#ibans + 1] = line end
  math.randomseed(os.time() * 1000 + thread_number)
  prefix = run .. "-t" .. thread_number
end

function request()
  counter = counter + 1
  local body = '{"victim_account":{"iban":"XK051212012345678906"},"beneficiary_account":{"iban":"'
    .. ibans[math.random(#ibans)] .. '"},"beneficiary_name":"J. Doe","amount":{"amount_minor":'
    .. math.random(100, 1000000) .. ',"currency":"EUR"},"executed_at":"2026-11-28T09:30:00+01:00",'
    .. '"payment_reference":"INV ' .. counter .. '","category":"investment_fraud","bank_case_reference":"BENCH-' .. counter .. '"}'
  return wrk.format("POST", "/api/v1/fraud-alerts", {
    ["Authorization"] = auth, ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = prefix .. "-" .. counter }, body)
end

function done(summary, latency, requests)
  io.write(string.format("p95 %.2fms\n", latency:percentile(95) / 1000))
  -- What was sent, for the script to compare with what was stored (nothing de-duplicated).
  local out = os.getenv("BENCH_SENT")
  if out then
    local f = io.open(out, "a")
    f:write(summary.requests .. " " .. summary.errors.status .. "\n")
    f:close()
  end
end
