//! A private PostgreSQL cluster run from the machine's own PostgreSQL binaries: the embedded
//! default of `serve` and the fallback of the test harness. initdb refuses to run as root, so
//! under root every PostgreSQL command runs as the `postgres` OS user through `runuser`.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A running private cluster.
pub struct LocalCluster {
    data_dir: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<String>,
    port: u16,
}

const INSTALL_HINT: &str = "no PostgreSQL server binaries (initdb, pg_ctl) were found on PATH or in \
/usr/lib/postgresql/*/bin. Install PostgreSQL 15 or newer (Debian/Ubuntu: `apt-get install postgresql`), \
or point DATABASE_URL at a running server, e.g. DATABASE_URL=postgres://user:pass@host:5432/cyberbridge";

impl LocalCluster {
    /// Starts the cluster in `data_dir`, creating it with initdb when the folder holds none.
    /// `durable = false` skips fsync (test clusters).
    pub async fn start(data_dir: &Path, durable: bool) -> Result<Self, String> {
        let data_dir = absolute(data_dir)?;
        tokio::task::spawn_blocking(move || Self::start_blocking(data_dir, durable)).await.map_err(|e| e.to_string())?
    }

    fn start_blocking(data_dir: PathBuf, durable: bool) -> Result<Self, String> {
        let bin_dir = find_bin_dir().ok_or_else(|| INSTALL_HINT.to_string())?;
        let run_as = if running_as_root() {
            if !user_exists("postgres") {
                return Err("running as root, and initdb refuses root: create an unprivileged `postgres` \
                    user (the PostgreSQL packages do), run as another user, or set DATABASE_URL"
                    .into());
            }
            Some("postgres".to_string())
        } else {
            None
        };
        let data_dir = match &run_as {
            Some(user) => reachable_dir(&data_dir, user)?,
            None => data_dir,
        };
        let port = free_port()?;
        let cluster = LocalCluster { data_dir, bin_dir, run_as, port };
        if !cluster.data_dir.join("PG_VERSION").exists() {
            cluster.init(durable)?;
        } else if cluster.pg_ctl(&["status"]).map(|o| o.status.success()).unwrap_or(false) {
            // Left running by a process that was killed: take it over cleanly.
            tracing::warn!("a previous private cluster is still running; restarting it");
            cluster.pg_ctl(&["stop", "-m", "fast", "-w"])?;
        }
        let fsync = if durable { "on" } else { "off" };
        // Test clusters keep 256 MB of WAL: a replica being made (`pg_basebackup -X stream`
        // starts streaming after the backup began) or following one must not find the segments
        // it needs recycled by a checkpoint of a busy test run (measured: "requested WAL segment
        // has already been removed" with four test processes at once).
        let keep = if durable { "" } else { " -c wal_keep_size=256MB" };
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync={fsync} \
             -c synchronous_commit={fsync} -c full_page_writes={fsync} -c max_connections=300{keep}"
        );
        let log = cluster.data_dir.join("postgresql.log");
        let out = cluster.pg_ctl(&["start", "-w", "-t", "60", "-l", &log.to_string_lossy(), "-o", &options])?;
        if !out.status.success() {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: String =
                tail.lines().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
            return Err(format!(
                "pg_ctl start failed: {}{}\n{tail}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        tracing::info!(port, dir = %cluster.data_dir.display(), "private PostgreSQL cluster started");
        Ok(cluster)
    }

    /// Starts a streaming replica of this cluster in `data_dir` (`pg_basebackup -R`: a hot
    /// standby that follows this one), on a port of its own.
    pub async fn start_replica(&self, data_dir: &Path) -> Result<LocalCluster, String> {
        let primary = self.handle();
        let data_dir = absolute(data_dir)?;
        tokio::task::spawn_blocking(move || {
            let data_dir = match &primary.run_as {
                Some(user) => reachable_dir(&data_dir, user)?,
                None => data_dir,
            };
            primary.make_dir(&data_dir)?;
            let (dir, port) = (data_dir.to_string_lossy().to_string(), primary.port.to_string());
            let args = [
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                &dir,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "-N",
            ];
            let out = primary.command("pg_basebackup", &args).output().map_err(|e| format!("pg_basebackup: {e}"))?;
            if !out.status.success() {
                return Err(format!("pg_basebackup failed: {}", String::from_utf8_lossy(&out.stderr)));
            }
            Self::start_blocking(data_dir, false)
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// Stops the cluster at once, as a crash would (`-m immediate`).
    pub async fn kill(&self) {
        let cluster = self.handle();
        let _ = tokio::task::spawn_blocking(move || cluster.pg_ctl(&["stop", "-m", "immediate", "-w"])).await;
    }

    fn handle(&self) -> LocalCluster {
        LocalCluster {
            data_dir: self.data_dir.clone(),
            bin_dir: self.bin_dir.clone(),
            run_as: self.run_as.clone(),
            port: self.port,
        }
    }

    /// Creates `dir` with mode 0700, owned by the user the cluster runs as.
    fn make_dir(&self, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        set_mode_0700(dir)?;
        if let Some(user) = &self.run_as {
            let status =
                Command::new("chown").arg(format!("{user}:")).arg(dir).status().map_err(|e| format!("chown: {e}"))?;
            if !status.success() {
                return Err(format!("chown of {} to {user} failed", dir.display()));
            }
        }
        Ok(())
    }

    fn init(&self, durable: bool) -> Result<(), String> {
        self.make_dir(&self.data_dir)?;
        let mut args = vec![
            "-D",
            self.data_dir.to_str().unwrap_or_default(),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
        ];
        if !durable {
            args.push("--no-sync");
        }
        let out = self.command("initdb", &args).output().map_err(|e| format!("initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let path = self.bin_dir.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&path);
                c
            }
            None => Command::new(&path),
        };
        cmd.args(args);
        // The cluster must not die with our process group on Ctrl-C before we stop it.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<std::process::Output, String> {
        let data = self.data_dir.to_string_lossy().to_string();
        let mut full = vec!["-D", data.as_str()];
        full.extend_from_slice(args);
        self.command("pg_ctl", &full).output().map_err(|e| format!("pg_ctl: {e}"))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A connection URL for `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Stops the cluster (fast shutdown: open sessions are ended).
    pub async fn stop(&self) {
        let cluster = self.handle();
        let result = tokio::task::spawn_blocking(move || cluster.pg_ctl(&["stop", "-m", "fast", "-w"])).await;
        match result {
            Ok(Ok(out)) if out.status.success() => tracing::info!("private PostgreSQL cluster stopped"),
            other => tracing::warn!(?other, "stopping the private PostgreSQL cluster failed"),
        }
    }

    /// Arranges for the cluster to be stopped and its folder removed once process `pid` has
    /// exited: for test clusters, whose owner has no exit hook.
    pub fn stop_and_remove_after_exit_of(&self, pid: u32) -> Result<(), String> {
        let pg_ctl = self.bin_dir.join("pg_ctl");
        let data = self.data_dir.display().to_string();
        let prefix = match &self.run_as {
            Some(user) => format!("runuser -u {user} -- "),
            None => String::new(),
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {prefix}'{}' -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{data}'",
            pg_ctl.display()
        );
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &script])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd.spawn().map(|_| ()).map_err(|e| format!("cannot spawn the cluster watchdog: {e}"))
    }
}

fn absolute(path: &Path) -> Result<PathBuf, String> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        std::env::current_dir().map(|d| d.join(path)).map_err(|e| e.to_string())
    }
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

fn user_exists(user: &str) -> bool {
    Command::new("id").arg("-u").arg(user).output().map(|o| o.status.success()).unwrap_or(false)
}

/// (uid, gid) of an OS user.
fn ids_of(user: &str) -> Option<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").arg(flag).arg(user).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

/// Whether `uid`/`gid` may enter every existing folder on the way to `path`.
fn traversable(path: &Path, uid: u32, gid: u32) -> bool {
    path.ancestors().skip(1).filter_map(|a| std::fs::metadata(a).ok()).all(|m| {
        let mode = m.mode();
        if m.uid() == uid {
            mode & 0o100 != 0
        } else if m.gid() == gid {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        }
    })
}

/// Where a cluster run as `user` can live: `wanted` when that user can reach it; otherwise
/// (a checkout in root's home, or under any mode-700 folder) a folder of its own under
/// `/var/lib/cyberbridge`, named after `wanted` so the same checkout finds it again.
fn reachable_dir(wanted: &Path, user: &str) -> Result<PathBuf, String> {
    let (uid, gid) = ids_of(user).ok_or_else(|| format!("cannot read the ids of the `{user}` user"))?;
    if traversable(wanted, uid, gid) {
        return Ok(wanted.to_path_buf());
    }
    use sha2::{Digest, Sha256};
    let tag = hex::encode(&Sha256::digest(wanted.to_string_lossy().as_bytes())[..6]);
    let base = PathBuf::from("/var/lib/cyberbridge");
    std::fs::create_dir_all(&base).map_err(|e| format!("cannot create {}: {e}", base.display()))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    }
    let dir = base.join(tag).join("postgres");
    tracing::warn!(
        wanted = %wanted.display(),
        dir = %dir.display(),
        "the `{user}` user cannot reach the data directory (a parent folder is closed to it); the private cluster lives in {}",
        dir.display()
    );
    Ok(dir)
}

fn set_mode_0700(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| e.to_string())
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// The folder holding initdb and pg_ctl (where links on PATH lead): PATH first, then the newest
/// /usr/lib/postgresql/*/bin.
pub fn find_bin_dir() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(path) = std::env::var_os("PATH") {
        if let Some(dir) = std::env::split_paths(&path).find(|d| has_tools(d)) {
            // Where a link on PATH leads: the installation's own folder, with its other tools
            // (pg_basebackup) that were not linked.
            let real = std::fs::canonicalize(dir.join("initdb")).ok().and_then(|p| p.parent().map(Path::to_path_buf));
            return Some(real.filter(|d| has_tools(d)).unwrap_or(dir));
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_tools(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}
