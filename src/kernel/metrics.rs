//! Prometheus metrics: request counts and latency histograms by route and status, pool usage,
//! the replicas' state, the background jobs' last success and failures, webhook delivery
//! outcomes, the process's memory and open files, and (given by the caller, read from the
//! database at most every 10 seconds) the backlogs an operator watches. `deploy/prometheus/` alerts on
//! them.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
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

/// Background work whose health the operator watches.
#[derive(Clone, Copy, Debug)]
pub enum Job {
    AuditSeal,
    AuditWitness,
    RetentionPurge,
    RequestScheduler,
    Statistics,
    /// Private screening's tags and sets (every second, when a key is configured).
    PrivateScreening,
    /// Private screening's snapshots of whole sets (every ten seconds, when a key is configured).
    PrivateScreeningSnapshots,
}

impl Job {
    const ALL: [Job; 7] = [
        Job::AuditSeal,
        Job::AuditWitness,
        Job::RetentionPurge,
        Job::RequestScheduler,
        Job::Statistics,
        Job::PrivateScreening,
        Job::PrivateScreeningSnapshots,
    ];

    fn name(self) -> &'static str {
        match self {
            Job::AuditSeal => "audit_seal",
            Job::AuditWitness => "audit_witness",
            Job::RetentionPurge => "retention_purge",
            Job::RequestScheduler => "request_scheduler",
            Job::Statistics => "statistics",
            Job::PrivateScreening => "private_screening",
            Job::PrivateScreeningSnapshots => "private_screening_snapshots",
        }
    }
}

#[derive(Default)]
struct JobHealth {
    /// Unix seconds of the last success; 0 before the first.
    last_success: AtomicI64,
    failures: AtomicU64,
}

/// What a webhook delivery attempt came to.
#[derive(Clone, Copy, Debug)]
pub enum Delivery {
    Delivered,
    /// Failed; another attempt is scheduled.
    Retrying,
    /// Failed for the last time (24 hours of retries).
    GaveUp,
}

/// Figures read from the database for a scrape, reused for `BACKLOGS_FRESH` (the same on every
/// instance).
#[derive(Debug, Default, Clone)]
pub struct Backlogs {
    /// Data requests out with their addressee, unanswered: past their deadline, due within
    /// 4 hours, due within 24 hours.
    pub requests_overdue: i64,
    pub requests_due_4h: i64,
    pub requests_due_24h: i64,
    pub webhook_pending: i64,
    pub webhook_oldest_pending_seconds: f64,
    pub audit_unsealed: i64,
    pub audit_oldest_unsealed_seconds: f64,
}

#[derive(Default)]
pub struct Metrics {
    // (method, route pattern, status)
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
    jobs: [JobHealth; Job::ALL.len()],
    deliveries: [AtomicU64; 3],
    /// The backlogs last read, and when: scrapes in between reuse them.
    backlogs: Mutex<Option<(std::time::Instant, Backlogs)>>,
}

/// How long backlog figures read from the database are reused.
pub const BACKLOGS_FRESH: Duration = Duration::from_secs(10);

impl Metrics {
    /// The backlogs read within `BACKLOGS_FRESH`, if any.
    pub fn fresh_backlogs(&self) -> Option<Backlogs> {
        let held = self.backlogs.lock().ok()?;
        held.as_ref().filter(|(at, _)| at.elapsed() < BACKLOGS_FRESH).map(|(_, b)| b.clone())
    }

    pub fn keep_backlogs(&self, backlogs: &Backlogs) {
        if let Ok(mut held) = self.backlogs.lock() {
            *held = Some((std::time::Instant::now(), backlogs.clone()));
        }
    }

    /// A background job's round: its last success, or one more failure.
    pub fn job(&self, job: Job, ok: bool) {
        let health = &self.jobs[job as usize];
        if ok {
            health.last_success.store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
        } else {
            health.failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn delivery(&self, outcome: Delivery) {
        self.deliveries[outcome as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// The jobs, deliveries, process and backlog figures (`render` gives the rest).
    pub fn render_operations(&self, backlogs: Option<&Backlogs>, intervals: &[(&str, u64)]) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP cyberbridge_job_last_success_timestamp_seconds When a background job last succeeded (0: not yet, on this instance).\n\
             # TYPE cyberbridge_job_last_success_timestamp_seconds gauge\n",
        );
        for job in Job::ALL {
            let at = self.jobs[job as usize].last_success.load(Ordering::Relaxed);
            let _ = writeln!(out, "cyberbridge_job_last_success_timestamp_seconds{{job=\"{}\"}} {at}", job.name());
        }
        out.push_str(
            "# HELP cyberbridge_job_failures_total Rounds of a background job that failed.\n\
             # TYPE cyberbridge_job_failures_total counter\n",
        );
        for job in Job::ALL {
            let n = self.jobs[job as usize].failures.load(Ordering::Relaxed);
            let _ = writeln!(out, "cyberbridge_job_failures_total{{job=\"{}\"}} {n}", job.name());
        }
        out.push_str(
            "# HELP cyberbridge_job_interval_seconds How often a background job runs (0: never, as configured).\n\
             # TYPE cyberbridge_job_interval_seconds gauge\n",
        );
        for (job, secs) in intervals {
            let _ = writeln!(out, "cyberbridge_job_interval_seconds{{job=\"{job}\"}} {secs}");
        }
        out.push_str(
            "# HELP cyberbridge_webhook_deliveries_total Webhook delivery attempts by what they came to.\n\
             # TYPE cyberbridge_webhook_deliveries_total counter\n",
        );
        for (i, result) in ["delivered", "retrying", "gave_up"].iter().enumerate() {
            let _ = writeln!(
                out,
                "cyberbridge_webhook_deliveries_total{{result=\"{result}\"}} {}",
                self.deliveries[i].load(Ordering::Relaxed)
            );
        }
        let (resident, fds) = process_figures();
        let _ = write!(
            out,
            "# HELP process_resident_memory_bytes Resident memory.\n# TYPE process_resident_memory_bytes gauge\n\
             process_resident_memory_bytes {resident}\n\
             # HELP process_open_fds Open file descriptors (sockets included).\n# TYPE process_open_fds gauge\n\
             process_open_fds {fds}\n"
        );
        match backlogs {
            Some(b) => {
                let _ = write!(
                    out,
                    "# HELP cyberbridge_requests_unanswered Data requests out with their addressee and unanswered, by how due they are.\n\
                     # TYPE cyberbridge_requests_unanswered gauge\n\
                     cyberbridge_requests_unanswered{{due=\"overdue\"}} {}\n\
                     cyberbridge_requests_unanswered{{due=\"within_4h\"}} {}\n\
                     cyberbridge_requests_unanswered{{due=\"within_24h\"}} {}\n\
                     # HELP cyberbridge_webhook_backlog Webhook deliveries waiting (first attempt or retry).\n\
                     # TYPE cyberbridge_webhook_backlog gauge\n\
                     cyberbridge_webhook_backlog {}\n\
                     # HELP cyberbridge_webhook_oldest_pending_seconds Age of the oldest waiting delivery.\n\
                     # TYPE cyberbridge_webhook_oldest_pending_seconds gauge\n\
                     cyberbridge_webhook_oldest_pending_seconds {}\n\
                     # HELP cyberbridge_audit_unsealed_rows Audit rows not yet sealed into the hash chain.\n\
                     # TYPE cyberbridge_audit_unsealed_rows gauge\n\
                     cyberbridge_audit_unsealed_rows {}\n\
                     # HELP cyberbridge_audit_oldest_unsealed_seconds Age of the oldest audit row not yet sealed.\n\
                     # TYPE cyberbridge_audit_oldest_unsealed_seconds gauge\n\
                     cyberbridge_audit_oldest_unsealed_seconds {}\n\
                     # HELP cyberbridge_metrics_database_up Whether the backlog figures could be read (1) or not (0).\n\
                     # TYPE cyberbridge_metrics_database_up gauge\n\
                     cyberbridge_metrics_database_up 1\n",
                    b.requests_overdue,
                    b.requests_due_4h,
                    b.requests_due_24h,
                    b.webhook_pending,
                    b.webhook_oldest_pending_seconds,
                    b.audit_unsealed,
                    b.audit_oldest_unsealed_seconds
                );
            }
            None => out.push_str(
                "# HELP cyberbridge_metrics_database_up Whether the backlog figures could be read (1) or not (0).\n\
                 # TYPE cyberbridge_metrics_database_up gauge\n\
                 cyberbridge_metrics_database_up 0\n",
            ),
        }
        out
    }
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

/// Resident bytes and open descriptors, from /proc (zeros elsewhere).
fn process_figures() -> (u64, u64) {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .unwrap_or(0);
    let fds = std::fs::read_dir("/proc/self/fd").map(|d| d.count() as u64).unwrap_or(0);
    // Linux's page on the architectures this runs on.
    (pages * 4096, fds)
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
