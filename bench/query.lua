-- wrk: report queries with a free-text filter.
local auth = os.getenv("BENCH_AUTH")
local words = { "trading", "parcel", "romance", "crypto", "invoice", "shop", "mule", "germany", "kosovo%20wallet", "%22fake%20login%22" }
function request()
  return wrk.format("GET", "/api/v1/reports?limit=50&q=" .. words[math.random(#words)], { ["Authorization"] = auth })
end
function done(summary, latency, requests)
  io.write(string.format("p95 %.2fms\n", latency:percentile(95) / 1000))
end
