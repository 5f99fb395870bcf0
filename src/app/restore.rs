//! `cyberbridge admin verify-restore`: whether a restored database still holds the evidence it
//! held, checked against what lives outside it, and said in a report a court clerk can file.
//!
//! - The audit chain, recomputed from its anchor (or genesis) row by row: a row whose content
//!   no longer gives its sealed hash is named (changed, or rows before it missing), and every
//!   head in the witness file whose signature verifies under the audit key must match the row it
//!   names. A witnessed row the database lacks is named as missing. Heads signed after the point
//!   the operator says was restored to (`--until`) are counted, not checked: from there the
//!   database went another way.
//! - Every signed document (orders, decisions, responses) against the published keys (a JWKS
//!   saved from `/api/v1/signing-keys`, or the keys this configuration publishes).
//! - Every response file: its chunks, in order, against the SHA-256 and size recorded when it
//!   was received; missing chunks are named.
//!
//! Nothing is written: a verification does not change what it verifies.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::model::AuditHead;
use crate::kernel::audit::signer;
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::{signing, Config};

#[derive(clap::Args, Debug, Clone)]
pub struct Options {
    /// The audit witness file (the signed heads shipped off the machine); default
    /// `CYBERBRIDGE_AUDIT_WITNESS_FILE`.
    #[arg(long)]
    pub witness: Option<PathBuf>,
    /// The audit head's public key (PEM from `GET /api/v1/audit/public-key`, or base64),
    /// repeatable for keys used before rotations; default: the configured audit signing key.
    #[arg(long = "audit-public-key")]
    pub audit_public_keys: Vec<PathBuf>,
    /// A JWKS saved from `GET /api/v1/signing-keys`; default: the keys this configuration
    /// publishes (`CYBERBRIDGE_SIGNING_KEY` and `CYBERBRIDGE_SIGNING_PREVIOUS_KEYS`).
    #[arg(long)]
    pub jwks: Option<PathBuf>,
    /// The point in time the database was restored to (RFC 3339): heads witnessed after it
    /// may name rows the restore does not hold.
    #[arg(long)]
    pub until: Option<DateTime<Utc>>,
}

/// The report, and whether everything held.
pub struct Report {
    pub text: String,
    pub intact: bool,
}

const PAGE: i64 = 5000;
const FILE_PAGE: i64 = 20;

pub async fn verify(conn: &mut Conn, url: &str, config: &Config, opts: &Options) -> ApiResult<Report> {
    let setup = |m: String| ApiError::field("verify-restore", m);
    let keys = config.key_values().map_err(setup)?;
    let audit_keys: Vec<Vec<u8>> = if opts.audit_public_keys.is_empty() {
        match keys.audit_signing.as_deref() {
            Some(key) => vec![signer::AuditSigner::new(Some(key)).map_err(setup)?.public_key().to_vec()],
            None => Vec::new(),
        }
    } else {
        opts.audit_public_keys
            .iter()
            .map(|p| read(p).and_then(|t| signer::public_key_from_text(&t)).map_err(setup))
            .collect::<ApiResult<_>>()?
    };
    let (jwks, jwks_from) = match &opts.jwks {
        Some(path) => {
            let text = read(path).map_err(setup)?;
            let doc: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| setup(format!("{} is not JSON: {e}", path.display())))?;
            let keys =
                doc["keys"].as_array().cloned().ok_or_else(|| setup(format!("{} has no keys", path.display())))?;
            (keys, format!("the JWKS in {}", path.display()))
        }
        None => {
            let current = signing::DocumentSigner::new(keys.signing.as_deref()).map_err(setup)?;
            if current.ephemeral {
                return Err(setup(
                    "no signing key is configured: give --jwks (saved from /api/v1/signing-keys) or CYBERBRIDGE_SIGNING_KEY".into(),
                ));
            }
            let published = signing::published(&current, &config.signing_previous_keys).map_err(setup)?;
            (published, "the keys this configuration publishes".into())
        }
    };
    let witness_path = opts.witness.clone().or_else(|| config.audit_witness_file.clone());

    let mut out = Out::default();
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let _ = writeln!(out, "CYBERBRIDGE RESTORE VERIFICATION\n");
    let _ = writeln!(out, "Performed:     {now}, cyberbridge {} (admin verify-restore)", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "Database:      {}", crate::kernel::db::redact(url));
    let _ = writeln!(
        out,
        "Restored to:   {}",
        opts.until.map_or("not stated".into(), |t| format!("{} (as stated by the operator)", stamp(t)))
    );
    let _ = writeln!(
        out,
        "Audit keys:    {}",
        if audit_keys.is_empty() { "none given".into() } else { ids(audit_keys.iter().map(|k| signer::key_id(k))) }
    );
    let _ = writeln!(
        out,
        "Signing keys:  {} ({jwks_from})",
        ids(jwks.iter().filter_map(|k| k["kid"].as_str().map(String::from)))
    );

    // 1. The witness file.
    let _ = writeln!(out, "\n1. AUDIT TRAIL");
    let mut heads: BTreeMap<i64, AuditHead> = BTreeMap::new();
    let mut later_heads = 0usize;
    match &witness_path {
        None => {
            out.finding(format_args!("no witness file given: the chain is checked against itself only"));
        }
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| setup(format!("reading {}: {e}", path.display())))?;
            let _ = writeln!(
                out,
                "   Witness file: {} ({} lines, SHA-256 {})",
                path.display(),
                text.lines().filter(|l| !l.trim().is_empty()).count(),
                hex::encode(Sha256::digest(text.as_bytes()))
            );
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let head: AuditHead = match serde_json::from_str(line) {
                    Ok(h) => h,
                    Err(_) => {
                        out.finding(format_args!("witness line {} is not a signed head", n + 1));
                        continue;
                    }
                };
                let hash = hex::decode(&head.hash).unwrap_or_default();
                let valid =
                    audit_keys.iter().any(|k| signer::verify(k, head.id, &hash, head.signed_at, &head.signature));
                if !valid {
                    out.finding(format_args!(
                        "witness line {} (row #{}, signed {}) does not verify under the audit keys",
                        n + 1,
                        head.id,
                        stamp(head.signed_at)
                    ));
                    continue;
                }
                // Signed after the point restored to (the time is kept in whole seconds): the
                // database went on another way from there; such a head is not checked.
                if opts.until.is_some_and(|until| head.signed_at + chrono::Duration::seconds(1) > until) {
                    later_heads += 1;
                    continue;
                }
                if let Some(earlier) = heads.get(&head.id).filter(|h| h.hash != head.hash) {
                    out.finding(format_args!("witness lines signed {} and {} give row #{} two hashes: the database was restored or rewritten in between",
                        stamp(earlier.signed_at),
                        stamp(head.signed_at),
                        head.id
                    ));
                }
                heads.insert(head.id, head);
            }
        }
    }

    // 2. The chain, row by row.
    let anchor = crate::audit::store::anchor(conn).await?;
    let anchor_id = anchor.as_ref().map_or(0, |(id, _)| *id);
    let (mut after, mut previous) = anchor.clone().unwrap_or((0, crate::audit::store::GENESIS.to_vec()));
    let _ = writeln!(
        out,
        "   Chain starts: {}",
        anchor.as_ref().map_or("at the genesis (no row purged)".into(), |(id, _)| format!(
            "after row #{id} (the anchor left by the retention purge)"
        ))
    );
    // Heads at or before the anchor name rows the retention purge removed: the one at the
    // anchor must hold its hash; the others cannot be compared.
    let mut before_anchor = 0usize;
    for head in heads.values().filter(|h| h.id <= anchor_id) {
        match &anchor {
            Some((id, hash)) if *id == head.id && head.hash != hex::encode(hash) => {
                out.finding(format_args!(
                    "the anchor #{id} does not hold the hash witnessed at {}: the chain's start was replaced",
                    stamp(head.signed_at)
                ));
            }
            // The retention purge keeps audit rows 365 days at least (the database enforces it):
            // a row witnessed more recently cannot have been purged.
            _ if head.signed_at > Utc::now() - chrono::Duration::days(365) => {
                out.finding(format_args!("row #{} was witnessed at {}, less than a year ago, yet the chain starts after row #{anchor_id}: rows were cut by someone else",
                    head.id,
                    stamp(head.signed_at)
                ));
            }
            _ => before_anchor += 1,
        }
    }
    let (mut checked, mut unsealed, mut first, mut last_sealed) = (0i64, 0i64, None, None);
    // Sealed rows after the newest head that matched so far.
    let mut since_match = 0i64;
    let mut matched_heads = Vec::new();
    let mut compared = std::collections::BTreeSet::new();
    // The audit row the retention purge wrote when it left the anchor, if the chain holds it.
    let mut anchor_recorded_at: Option<i64> = None;
    loop {
        let rows = crate::audit::store::rows_after(conn, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        let page_last = last.id;
        for row in rows {
            first.get_or_insert(row.id);
            let Some(stored) = row.hash.clone() else {
                unsealed += 1;
                continue;
            };
            checked += 1;
            since_match += 1;
            if unsealed > 0 {
                out.finding(format_args!("row #{} is sealed after rows that are not", row.id));
            }
            let expected = crate::audit::store::chain_hash(&previous, &row);
            if stored != expected {
                let gap = if row.id > after + 1 {
                    format!(", or rows #{}–#{} are missing", after + 1, row.id - 1)
                } else {
                    String::new()
                };
                out.finding(format_args!(
                    "row #{} ({} at {}) does not chain: it was changed after it was sealed{gap}",
                    row.id,
                    row.action,
                    stamp(row.at)
                ));
            }
            if row.action == "retention.purge" && row.details["anchor_id"].as_i64() == Some(anchor_id) {
                anchor_recorded_at.get_or_insert(row.id);
            }
            if let Some(head) = heads.get(&row.id) {
                compared.insert(row.id);
                if head.hash != hex::encode(&stored) {
                    out.finding(format_args!(
                        "row #{} does not hold the hash witnessed at {}: the chain was rewritten",
                        row.id,
                        stamp(head.signed_at)
                    ));
                } else {
                    matched_heads.push(row.id);
                    since_match = 0;
                }
            }
            // On from what is stored: each later break is named on its own.
            previous = stored;
            last_sealed = Some(row.id);
            after = row.id;
        }
        after = page_last;
    }
    let present = last_sealed.unwrap_or(anchor_id);
    // An anchor is the retention purge's, recorded by its own row in the witnessed chain;
    // otherwise the rows before it were cut by someone else.
    if anchor_id > 0 {
        let witnessed = matched_heads.last().copied().unwrap_or(0);
        match anchor_recorded_at {
            Some(at) if at <= witnessed => {}
            Some(at) => {
                out.finding(format_args!(
                    "the anchor #{anchor_id} is recorded by row #{at}, which no witnessed head covers yet"
                ));
            }
            None => {
                out.finding(format_args!("the chain starts after row #{anchor_id}, and no retention.purge row of the chain records that cut: rows #1–#{anchor_id} were removed by someone else"
                ));
            }
        }
    }
    let mut missing_heads = 0;
    for head in heads.values().filter(|h| h.id > anchor_id && !compared.contains(&h.id)) {
        missing_heads += 1;
        if head.id > present {
            out.finding(format_args!(
                "rows up to #{} were witnessed at {}; the restored chain ends at #{present}: rows #{}–#{} are missing",
                head.id,
                stamp(head.signed_at),
                present + 1,
                head.id
            ));
        } else {
            out.finding(format_args!(
                "row #{}, witnessed at {}, is missing or no longer sealed (the rows after it were chained again)",
                head.id,
                stamp(head.signed_at)
            ));
        }
    }
    let _ = writeln!(
        out,
        "   Rows:         {checked} sealed rows recomputed{}; {unsealed} not yet sealed",
        first.map_or(String::new(), |f| format!(" (#{f}–#{present})"))
    );
    let newest = matched_heads.last().and_then(|id| heads.get(id));
    let _ = writeln!(
        out,
        "   Witnessed:    {} heads with valid signatures; {} match their rows{}{}{}",
        heads.len(),
        matched_heads.len(),
        if before_anchor > 0 {
            format!("; {before_anchor} name rows the retention purge removed")
        } else {
            String::new()
        },
        if later_heads > 0 {
            format!("; {later_heads} signed after the restore point, not checked")
        } else {
            String::new()
        },
        if missing_heads > 0 { format!("; {missing_heads} name rows the database lacks") } else { String::new() },
    );
    match newest {
        Some(head) => {
            let _ = writeln!(
                out,
                "   Newest head:  row #{} signed {} matches; {} sealed rows after it are not yet witnessed",
                head.id,
                stamp(head.signed_at),
                since_match
            );
        }
        None if witness_path.is_some() => {
            out.finding(format_args!("no witnessed head matches a restored row"));
        }
        None => {}
    }

    // 3. Signed documents: each against the keys, its text against its row, and one for every
    // order that went out and every response.
    let _ = writeln!(out, "\n2. SIGNED DOCUMENTS (orders, validation decisions, responses)");
    let (mut documents, mut by_kid) = (0usize, BTreeMap::<String, usize>::new());
    // The files each verified response lists: id -> (SHA-256 hex, size, request reference).
    let mut signed_files: BTreeMap<String, (String, i64, String)> = BTreeMap::new();
    let mut after_doc = Uuid::nil();
    loop {
        let page = crate::requests::store::signed_page(conn, after_doc, None, PAGE).await?;
        let Some((last, _, _)) = page.last() else { break };
        after_doc = last.id;
        for (doc, reference, request_id) in page {
            documents += 1;
            let mut finding = |why: String| {
                out.finding(format_args!(
                    "{} {} of request {reference}, signed {} with key {}: {why}",
                    doc.kind,
                    doc.id,
                    stamp(doc.created_at),
                    doc.kid
                ));
            };
            let kid = match signing::verify_detached(&jwks, &doc.payload, &doc.jws) {
                Ok(kid) => kid,
                Err(why) => {
                    finding(why.to_string());
                    continue;
                }
            };
            let text: serde_json::Value = serde_json::from_str(&doc.payload).unwrap_or_default();
            let kind = format!("cyberbridge.{}/v1", doc.kind);
            if text["type"] != kind.as_str() || text["request_id"] != request_id.to_string().as_str() {
                finding(format!(
                    "its signed text is a {} of request {}: moved or relabelled",
                    text["type"], text["request_id"]
                ));
                continue;
            }
            if doc.kind == crate::requests::signed::RESPONSE {
                if text["response_id"] != doc.object_id.map(|id| id.to_string()).unwrap_or_default().as_str() {
                    finding(format!("its signed text is of response {}", text["response_id"]));
                    continue;
                }
                for file in text["attachments"].as_array().into_iter().flatten() {
                    let id = file["id"].as_str().unwrap_or_default().to_string();
                    let sha = file["sha256"].as_str().unwrap_or_default().to_string();
                    signed_files.insert(id, (sha, file["size"].as_i64().unwrap_or(-1), reference.clone()));
                }
            }
            *by_kid.entry(kid).or_default() += 1;
        }
    }
    for reference in crate::requests::store::unsigned_orders(conn).await? {
        out.finding(format_args!("request {reference} went out, and its signed order is missing"));
    }
    for (reference, response) in crate::requests::store::unsigned_responses(conn).await? {
        out.finding(format_args!("response {response} of request {reference} has no signed document"));
    }
    let per_key: Vec<String> = by_kid.iter().map(|(k, n)| format!("{n} under {k}")).collect();
    let _ = writeln!(
        out,
        "   Checked:      {documents} documents; {} verify{}",
        by_kid.values().sum::<usize>(),
        if per_key.is_empty() { String::new() } else { format!(" ({})", per_key.join(", ")) }
    );

    // 4. Response files: each against the SHA-256 and size its signed response gives (the
    // database's own record of them is checked too).
    let _ = writeln!(out, "\n3. RESPONSE FILES");
    let (mut files, mut bytes) = (0usize, 0i64);
    let mut after_file = Uuid::nil();
    loop {
        let page = crate::requests::store::stored_files(conn, after_file, FILE_PAGE).await?;
        let Some(last) = page.last() else { break };
        after_file = last.id;
        for file in page {
            files += 1;
            bytes += file.stored_size;
            let signed = signed_files.remove(&file.id.to_string());
            // Files are stored in chunks of a fixed size: the recorded size says how many.
            let expected = (file.size.max(1) as usize).div_ceil(crate::requests::upload::CHUNK) as i32;
            let last = file.seqs.last().map_or(0, |m| m + 1).max(expected);
            let missing: Vec<i32> = (0..last).filter(|s| !file.seqs.contains(s)).collect();
            let mut why = Vec::new();
            match &signed {
                None => why.push("no signed response lists it".to_string()),
                Some((sha, size, _)) if *sha != hex::encode(&file.sha256) || *size != file.size => why.push(format!(
                    "its recorded hash or size differs from its signed response's ({sha}, {size} bytes)"
                )),
                Some(_) => {}
            }
            if !missing.is_empty() {
                why.push(format!("chunk(s) {} missing", list(&missing)));
            }
            if file.stored_size != file.size {
                why.push(format!("{} of {} bytes stored", file.stored_size, file.size));
            }
            let signed_sha = signed.as_ref().map_or_else(|| hex::encode(&file.sha256), |(sha, _, _)| sha.clone());
            if why.is_empty() && hex::encode(&file.stored_sha256) != signed_sha {
                why.push("its content has changed".into());
            }
            if why.is_empty() {
                continue;
            }
            out.finding(format_args!(
                "file {} \"{}\" of request {}: {}; signed SHA-256 {signed_sha}, stored {}",
                file.id,
                file.filename.replace(['\n', '\r'], " "),
                file.reference,
                why.join(", "),
                hex::encode(&file.stored_sha256)
            ));
        }
    }
    for (id, (sha, size, reference)) in &signed_files {
        out.finding(format_args!(
            "file {id} ({size} bytes, SHA-256 {sha}), listed in a signed response of request {reference}, is missing"
        ));
    }
    let _ = writeln!(
        out,
        "   Checked:      {files} files, {bytes} bytes, each against the SHA-256 and size its signed response gives"
    );

    let (intact, findings) = (out.findings == 0, out.findings);
    let _ = writeln!(
        out,
        "\nVERDICT: {}",
        if intact {
            "INTACT. The audit chain, every signed document and every file verify.".to_string()
        } else {
            format!("NOT INTACT. {findings} finding(s), each named above.")
        }
    );
    Ok(Report { text: out.text, intact })
}

/// The report being written, and how many findings it names.
#[derive(Default)]
struct Out {
    text: String,
    findings: usize,
}

impl Out {
    fn finding(&mut self, what: std::fmt::Arguments) {
        self.findings += 1;
        let _ = writeln!(self.text, "   FINDING: {what}");
    }
}

impl Write for Out {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.text.write_str(s)
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn ids(ids: impl Iterator<Item = String>) -> String {
    ids.collect::<Vec<_>>().join(", ")
}

fn list(seqs: &[i32]) -> String {
    seqs.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
}
