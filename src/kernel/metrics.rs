//! Prometheus metrics: request counts and latency histograms by route and status, pool usage,
//! the replicas' state.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    // (method, route pattern, status)
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let Ok(mut map) = self.requests.lock() else { return };
        let series = map.entry((method.to_string(), route.to_string(), status)).or_default();
        series.count += 1;
        series.sum += secs;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                series.buckets[i] += 1;
            }
        }
    }

    /// The Prometheus text exposition of every series, plus the pool and replica figures given.
    pub fn render(&self, pools: &[deadpool::Status], replicas: &[crate::kernel::db::ReplicaStatus]) -> String {
        let sum = |f: fn(&deadpool::Status) -> usize| pools.iter().map(f).sum::<usize>();
        let mut out = String::new();
        out.push_str("# HELP cyberbridge_http_requests_total HTTP requests answered.\n# TYPE cyberbridge_http_requests_total counter\n");
        let map = match self.requests.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        for ((method, route, status), s) in map.iter() {
            let _ = writeln!(
                out,
                "cyberbridge_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                s.count
            );
        }
        out.push_str("# HELP cyberbridge_http_request_duration_seconds Time to answer a request.\n# TYPE cyberbridge_http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in map.iter() {
            let labels = format!("method=\"{method}\",route=\"{}\",status=\"{status}\"", escape(route));
            for (bound, n) in BUCKETS.iter().zip(s.buckets.iter()) {
                let _ =
                    writeln!(out, "cyberbridge_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}");
            }
            let _ =
                writeln!(out, "cyberbridge_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "cyberbridge_http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "cyberbridge_http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
        let _ = write!(
            out,
            "# HELP cyberbridge_db_pool_connections Database connections held by the pool.\n# TYPE cyberbridge_db_pool_connections gauge\n\
             cyberbridge_db_pool_connections {}\n\
             # HELP cyberbridge_db_pool_idle Idle pooled connections.\n# TYPE cyberbridge_db_pool_idle gauge\n\
             cyberbridge_db_pool_idle {}\n\
             # HELP cyberbridge_db_pool_max Pool capacity.\n# TYPE cyberbridge_db_pool_max gauge\n\
             cyberbridge_db_pool_max {}\n\
             # HELP cyberbridge_db_pool_waiting Requests waiting for a connection.\n# TYPE cyberbridge_db_pool_waiting gauge\n\
             cyberbridge_db_pool_waiting {}\n",
            sum(|p| p.size),
            sum(|p| p.available),
            sum(|p| p.max_size),
            sum(|p| p.waiting)
        );
        if !replicas.is_empty() {
            out.push_str(
                "# HELP cyberbridge_replica_usable Whether a replica serves reads (1) or is skipped (0).\n\
                 # TYPE cyberbridge_replica_usable gauge\n",
            );
            for r in replicas {
                let _ = writeln!(
                    out,
                    "cyberbridge_replica_usable{{replica=\"{}\"}} {}",
                    escape(&r.name),
                    u8::from(r.usable)
                );
            }
            out.push_str(
                "# HELP cyberbridge_replica_reads_total Reads a replica answered.\n\
                 # TYPE cyberbridge_replica_reads_total counter\n",
            );
            for r in replicas {
                let _ = writeln!(out, "cyberbridge_replica_reads_total{{replica=\"{}\"}} {}", escape(&r.name), r.reads);
            }
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
