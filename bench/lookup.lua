-- wrk: single look-ups of IBANs read from $BENCH_IBANS (one per line), half of them seeded.
local ibans = {}
local auth = os.getenv("BENCH_AUTH")
function init(args)
  for line in io.lines(os.getenv("BENCH_IBANS")) do ibans[#ibans + 1] = line end
  math.randomseed(os.time() + math.random(1000))
end
function request()
  local iban = ibans[math.random(#ibans)]
  return wrk.format("GET", "/api/v1/indicators/lookup?type=iban&value=" .. iban, { ["Authorization"] = auth })
end
function done(summary, latency, requests)
  io.write(string.format("p95 %.2fms\n", latency:percentile(95) / 1000))
end
