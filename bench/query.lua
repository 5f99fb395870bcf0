-- wrk: report queries with a free-text filter, as law enforcement must send them (a purpose and
-- a case reference: CYBERBRIDGE_PURPOSE_REQUIRED).
local auth = os.getenv("BENCH_AUTH")
local words = { "trading", "parcel", "romance", "crypto", "invoice", "shop", "mule", "germany", "kosovo%20wallet", "%22fake%20login%22" }
function request()
  return wrk.format("GET", "/api/v1/reports?limit=50&purpose=criminal_investigation&case_reference=BENCH-1&q=" .. words[math.random(#words)], { ["Authorization"] = auth })
end
function done(summary, latency, requests)
  io.write(string.format("p95 %.2fms\n", latency:percentile(95) / 1000))
end
