//! Reading a response's multipart body: a `records` JSON array and `attachment` files, each
//! within its size limit. A file is written to PostgreSQL in chunks of 1 MiB as it arrives
//! (never held whole in memory), hashed on the way; its content type is sniffed from its
//! first bytes, never taken from the sender.

use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::store;
use crate::kernel::db::Pool;
use crate::kernel::error::{ApiError, ApiResult};

pub const MAX_ATTACHMENT: usize = 25 * 1024 * 1024;
const MAX_RECORDS: usize = 5 * 1024 * 1024;
const MAX_ATTACHMENTS: usize = 20;
/// The size of a stored chunk of a file.
pub const CHUNK: usize = 1024 * 1024;

/// A response as uploaded: its records and its files, already stored in chunks.
pub struct Upload {
    pub records: Option<serde_json::Value>,
    pub files: Vec<StoredFile>,
    /// The console's form fields (its CSRF token), when asked for.
    pub fields: Vec<(String, String)>,
}

/// The console's form: its token (the first part) and the records typed as `name: value` lines.
pub const CONSOLE_FIELDS: &[&str] = &["csrf", "records_text"];

/// What the first part must be: the console's `csrf` part carrying this session's token.
pub struct FirstPart<'a>(pub &'a str);

/// A file whose chunks are stored; its attachment row is written with the response.
#[derive(Debug)]
pub struct StoredFile {
    pub id: Uuid,
    pub filename: String,
    pub content_type: &'static str,
    pub size: i64,
    pub sha256: Vec<u8>,
}

/// Deletes the stored chunks of files whose response was not stored after all (best effort:
/// what is left is purged a day later).
pub async fn discard(pool: &Pool, ids: &[Uuid]) {
    if ids.is_empty() {
        return;
    }
    if let Ok(mut conn) = pool.get().await {
        if let Err(e) = store::delete_chunks(&mut conn, ids).await {
            tracing::warn!(error = %e, "could not delete the chunks of a refused upload; purged within a day");
        }
    }
}

/// Writes one file's chunks as its bytes arrive, hashing them on the way.
pub struct ChunkWriter<'a> {
    pool: &'a Pool,
    id: Uuid,
    seq: i32,
    buffer: Vec<u8>,
    sha256: Sha256,
    size: usize,
    content_type: Option<&'static str>,
}

impl<'a> ChunkWriter<'a> {
    pub fn new(pool: &'a Pool) -> Self {
        ChunkWriter {
            pool,
            id: Uuid::now_v7(),
            seq: 0,
            buffer: Vec::with_capacity(CHUNK),
            sha256: Sha256::new(),
            size: 0,
            content_type: None,
        }
    }

    pub async fn write(&mut self, mut bytes: &[u8]) -> ApiResult<()> {
        self.sha256.update(bytes);
        self.size += bytes.len();
        while !bytes.is_empty() {
            let take = bytes.len().min(CHUNK - self.buffer.len());
            self.buffer.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.buffer.len() == CHUNK {
                self.flush(false).await?;
            }
        }
        Ok(())
    }

    async fn flush(&mut self, last: bool) -> ApiResult<()> {
        if self.content_type.is_none() {
            self.content_type = Some(sniff(&self.buffer, last));
        }
        if self.buffer.is_empty() && self.seq > 0 {
            return Ok(());
        }
        let mut conn = self.pool.get().await?;
        store::insert_chunk(&mut conn, self.id, self.seq, &self.buffer).await?;
        self.seq += 1;
        self.buffer.clear();
        Ok(())
    }

    pub async fn finish(mut self, filename: String) -> ApiResult<StoredFile> {
        self.flush(true).await?;
        Ok(StoredFile {
            id: self.id,
            filename,
            content_type: self.content_type.unwrap_or("application/octet-stream"),
            size: self.size as i64,
            sha256: self.sha256.finalize().to_vec(),
        })
    }
}

/// Stores a file held in memory (the demo's): the same chunks as an upload.
pub async fn store_bytes(pool: &Pool, filename: &str, content: &[u8]) -> ApiResult<StoredFile> {
    let mut writer = ChunkWriter::new(pool);
    writer.write(content).await?;
    writer.finish(safe_filename(Some(filename), 0)).await
}

/// The content type from the content's first bytes; `complete` when they are the whole file
/// (a longer text is judged from its first chunk).
pub fn sniff(content: &[u8], complete: bool) -> &'static str {
    const MAGIC: [(&[u8], &str); 9] = [
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF8", "image/gif"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x1f\x8b", "application/gzip"),
        (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
        (b"\xd4\xc3\xb2\xa1", "application/vnd.tcpdump.pcap"),
        (b"\xa1\xb2\xc3\xd4", "application/vnd.tcpdump.pcap"),
    ];
    if let Some((_, t)) = MAGIC.iter().find(|(m, _)| content.starts_with(m)) {
        return t;
    }
    let text = match std::str::from_utf8(content) {
        Ok(text) => text,
        // A chunk may end inside a character.
        Err(e) if !complete && e.error_len().is_none() => {
            std::str::from_utf8(&content[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return "application/octet-stream",
    };
    let json = if complete {
        serde_json::from_str::<serde_json::Value>(text).is_ok()
    } else {
        text.trim_start().starts_with(['[', '{'])
    };
    if json {
        "application/json"
    } else if text.lines().next().is_some_and(|l| l.contains(',') || l.contains(';')) {
        "text/csv"
    } else {
        "text/plain"
    }
}

/// A file name without a path, quotes or control characters (a number when nothing is left).
fn safe_filename(name: Option<&str>, i: usize) -> String {
    let base = name.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(200).collect();
    if clean.trim().is_empty() {
        format!("attachment-{}", i + 1)
    } else {
        clean
    }
}

/// Reads the parts, storing files as they arrive; 413 for a part over its limit or a body over
/// `total_limit` bytes (stopped there, not read on), 422 for anything else wrong (an unknown
/// part, `records` twice, more than 20 attachments: each refused before its content is read).
/// On any error, what was stored of the body is deleted.
pub async fn read(form: actix_multipart::Multipart, total_limit: usize, pool: &Pool) -> ApiResult<Upload> {
    read_with(form, total_limit, pool, &[], None).await
}

/// The same, also taking the small text parts named in `text_parts` (each once, counted in the
/// total), and, with `first`, refusing (403) a body whose first part is not the `csrf` part
/// with that token, before anything else of it is read.
pub async fn read_with(
    form: actix_multipart::Multipart,
    total_limit: usize,
    pool: &Pool,
    text_parts: &[&str],
    first: Option<FirstPart<'_>>,
) -> ApiResult<Upload> {
    let mut started = Vec::new();
    let read = read_parts(form, total_limit, pool, &mut started, text_parts, first).await;
    if read.is_err() {
        discard(pool, &started).await;
    }
    read
}

async fn read_parts(
    mut form: actix_multipart::Multipart,
    total_limit: usize,
    pool: &Pool,
    started: &mut Vec<Uuid>,
    text_parts: &[&str],
    mut first: Option<FirstPart<'_>>,
) -> ApiResult<Upload> {
    let bad = |e: actix_multipart::MultipartError| match e {
        actix_multipart::MultipartError::ContentTypeMissing
        | actix_multipart::MultipartError::ContentTypeIncompatible
        | actix_multipart::MultipartError::BoundaryMissing => ApiError::UnsupportedMediaType(
            "send the response as multipart/form-data: a `records` part (JSON) and `attachment` parts".into(),
        ),
        e => ApiError::BadRequest(format!("cannot read the multipart body: {e}")),
    };
    let mut upload = Upload { records: None, files: Vec::new(), fields: Vec::new() };
    let mut total = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad)?;
        let name = field.name().unwrap_or("").to_string();
        let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string);
        let token = first.take();
        if token.is_some() && name != "csrf" {
            return Err(ApiError::Forbidden(
                "the form's first part must be its security token: reload the page".into(),
            ));
        }
        if text_parts.contains(&name.as_str()) {
            if upload.fields.iter().any(|(n, _)| *n == name) {
                return Err(ApiError::field(name, "sent twice; send one"));
            }
            let mut text = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(bad)?;
                total += chunk.len();
                if total > total_limit || text.len() + chunk.len() > MAX_RECORDS {
                    return Err(ApiError::PayloadTooLarge(format!("part `{name}` is too long")));
                }
                text.extend_from_slice(&chunk);
            }
            let text = String::from_utf8(text).map_err(|_| ApiError::field(name.clone(), "not UTF-8 text"))?;
            if let Some(FirstPart(expected)) = token {
                if !crate::kernel::tokens::same(expected.as_bytes(), text.trim().as_bytes()) || expected.is_empty() {
                    return Err(ApiError::Forbidden(
                        "the form's security token is not this session's: reload the page and send it again".into(),
                    ));
                }
            }
            upload.fields.push((name, text));
            continue;
        }
        // A browser's file field left empty: a part with an empty file name and no content.
        if name == "attachment" && filename.as_deref() == Some("") {
            while let Some(chunk) = field.next().await {
                if !chunk.map_err(bad)?.is_empty() {
                    return Err(ApiError::field("attachment", "a file part without a file name must be empty"));
                }
            }
            continue;
        }
        match name.as_str() {
            "records" if upload.records.is_some() => return Err(ApiError::field("records", "sent twice; send one")),
            "attachment" if upload.files.len() == MAX_ATTACHMENTS => {
                let message = format!("at most {MAX_ATTACHMENTS} attachments per response");
                return Err(ApiError::field("attachment", message));
            }
            "records" | "attachment" => {}
            other => {
                return Err(ApiError::field(other.to_string(), "unknown part; send `records` and `attachment` parts"))
            }
        }
        let limit = if name == "records" { MAX_RECORDS } else { MAX_ATTACHMENT };
        let mut records = Vec::new();
        let mut file = (name == "attachment").then(|| ChunkWriter::new(pool));
        if let Some(f) = &file {
            started.push(f.id);
        }
        let mut size = 0usize;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad)?;
            size += chunk.len();
            if size > limit {
                return Err(ApiError::PayloadTooLarge(format!("part `{name}` is over {} MiB", limit / 1024 / 1024)));
            }
            total += chunk.len();
            if total > total_limit {
                let mib = total_limit / 1024 / 1024;
                return Err(ApiError::PayloadTooLarge(format!("a response is at most {mib} MiB in all")));
            }
            match &mut file {
                Some(f) => f.write(&chunk).await?,
                None => records.extend_from_slice(&chunk),
            }
        }
        match file {
            Some(f) => {
                let filename = safe_filename(filename.as_deref(), upload.files.len());
                upload.files.push(f.finish(filename).await?);
            }
            None => {
                let value: serde_json::Value = serde_json::from_slice(&records)
                    .map_err(|e| ApiError::field("records", format!("not JSON: {e}")))?;
                if !value.is_array() {
                    return Err(ApiError::field("records", "must be a JSON array"));
                }
                upload.records = Some(value);
            }
        }
    }
    if let Some((_, text)) = upload.fields.iter().find(|(n, t)| n == "records_text" && !t.trim().is_empty()) {
        upload.records = Some(records_from_lines(text)?);
    }
    if upload.records.is_none() && upload.files.is_empty() {
        return Err(ApiError::field("records", "send records, attachments, or both"));
    }
    Ok(upload)
}

/// Records typed in the console: a JSON array as the API takes it, or `name: value` lines making
/// one record (a blank line starts the next).
pub fn records_from_lines(text: &str) -> ApiResult<serde_json::Value> {
    if text.trim_start().starts_with('[') {
        let value: serde_json::Value =
            serde_json::from_str(text.trim()).map_err(|e| ApiError::field("records_text", format!("not JSON: {e}")))?;
        return Ok(value);
    }
    let mut records = Vec::new();
    let mut current = serde_json::Map::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                records.push(serde_json::Value::Object(std::mem::take(&mut current)));
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ApiError::field("records_text", format!("line {} is not `name: value`", i + 1)));
        };
        current.insert(name.trim().to_string(), value.trim().into());
    }
    if !current.is_empty() {
        records.push(serde_json::Value::Object(current));
    }
    Ok(serde_json::Value::Array(records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_records_become_objects() {
        let r = records_from_lines("subscriber: Jane Roe\naddress: Prishtina\n\nsubscriber: John\n").unwrap();
        assert_eq!(r, serde_json::json!([{"subscriber": "Jane Roe", "address": "Prishtina"}, {"subscriber": "John"}]));
        assert!(records_from_lines("no colon here").is_err());
        assert_eq!(records_from_lines("[{\"a\": 1}]").unwrap(), serde_json::json!([{"a": 1}]));
    }

    #[test]
    fn content_types_come_from_the_bytes_and_names_lose_their_paths() {
        assert_eq!(sniff(b"%PDF-1.7 ...", false), "application/pdf");
        assert_eq!(sniff(b"[{\"subscriber\": \"x\"}]", true), "application/json");
        assert_eq!(sniff(b"[{\"subscriber\": \"x\"", false), "application/json", "the first chunk of a long JSON file");
        assert_eq!(sniff(b"[{\"subscriber\": \"x\"", true), "text/plain", "a whole file that is not JSON");
        assert_eq!(sniff(b"ip,from,to\n192.0.2.1,a,b", true), "text/csv");
        assert_eq!(sniff(&[0xff, 0x00, 0xfe], true), "application/octet-stream");
        assert_eq!(
            sniff("name\nJos\u{e9}".as_bytes().split_last().unwrap().1, false),
            "text/plain",
            "a chunk cut inside a character"
        );
        assert_eq!(safe_filename(Some("../../etc/\"passwd\""), 0), "passwd");
        assert_eq!(safe_filename(None, 2), "attachment-3");
    }
}
