-- wrk: fraud alerts to IBANs of a registered bank, each with its own Idempotency-Key.
local auth = os.getenv("BENCH_AUTH")
local ibans = {}
local counter = 0
local prefix = ""
function init(args)
  for line in io.lines(os.getenv("BENCH_IBANS")) do ibans[#ibans + 1] = line end
  math.randomseed(os.time() + math.random(100000))
  prefix = tostring(math.random(1, 1e9))
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
end
