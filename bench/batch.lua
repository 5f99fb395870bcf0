-- wrk: batch look-ups of 1,000 IBANs each, drawn from $BENCH_IBANS.
local auth = os.getenv("BENCH_AUTH")
local bodies = {}
function init(args)
  local ibans = {}
  for line in io.lines(os.getenv("BENCH_IBANS")) do ibans[#ibans + 1] = line end
  math.randomseed(os.time() + math.random(1000))
  for b = 1, 8 do
    local items = {}
    for i = 1, 1000 do items[i] = '{"type":"iban","value":"' .. ibans[math.random(#ibans)] .. '"}' end
    bodies[b] = '{"items":[' .. table.concat(items, ",") .. ']}'
  end
end
function request()
  return wrk.format("POST", "/api/v1/indicators/lookup",
    { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, bodies[math.random(#bodies)])
end
function done(summary, latency, requests)
  io.write(string.format("p95 %.2fms\n", latency:percentile(95) / 1000))
end
