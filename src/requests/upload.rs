//! Reading a response's multipart body: a `records` JSON array and `attachment` files, each
//! within its size limit; the content type of a file is sniffed, never taken from the sender.

use futures_util::StreamExt;

use super::service::Upload;
use crate::kernel::error::{ApiError, ApiResult};

pub const MAX_ATTACHMENT: usize = 25 * 1024 * 1024;
const MAX_RECORDS: usize = 5 * 1024 * 1024;
const MAX_ATTACHMENTS: usize = 20;

/// The content type from the content's first bytes.
pub fn sniff(content: &[u8]) -> &'static str {
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
    match std::str::from_utf8(content) {
        Ok(text) if serde_json::from_str::<serde_json::Value>(text).is_ok() => "application/json",
        Ok(text) if text.lines().next().is_some_and(|l| l.contains(',') || l.contains(';')) => "text/csv",
        Ok(_) => "text/plain",
        Err(_) => "application/octet-stream",
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

/// Reads the parts; 413 for a part over its limit or a body over `total_limit` bytes (stopped
/// there, not read on), 422 for anything else wrong (an unknown part, `records` twice, more
/// than 20 attachments: each refused before its content is read).
pub async fn read(mut form: actix_multipart::Multipart, total_limit: usize) -> ApiResult<Upload> {
    let bad = |e: actix_multipart::MultipartError| ApiError::BadRequest(format!("cannot read the multipart body: {e}"));
    let mut upload = Upload { records: None, files: Vec::new() };
    let mut total = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad)?;
        let name = field.name().unwrap_or("").to_string();
        let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string);
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
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad)?;
            if data.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(format!("part `{name}` is over {} MiB", limit / 1024 / 1024)));
            }
            total += chunk.len();
            if total > total_limit {
                let mib = total_limit / 1024 / 1024;
                return Err(ApiError::PayloadTooLarge(format!("a response is at most {mib} MiB in all")));
            }
            data.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "records" => {
                let value: serde_json::Value =
                    serde_json::from_slice(&data).map_err(|e| ApiError::field("records", format!("not JSON: {e}")))?;
                if !value.is_array() {
                    return Err(ApiError::field("records", "must be a JSON array"));
                }
                upload.records = Some(value);
            }
            _ => upload.files.push((safe_filename(filename.as_deref(), upload.files.len()), data)),
        }
    }
    if upload.records.is_none() && upload.files.is_empty() {
        return Err(ApiError::field("records", "send records, attachments, or both"));
    }
    Ok(upload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_come_from_the_bytes_and_names_lose_their_paths() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), "application/pdf");
        assert_eq!(sniff(b"[{\"subscriber\": \"x\"}]"), "application/json");
        assert_eq!(sniff(b"ip,from,to\n192.0.2.1,a,b"), "text/csv");
        assert_eq!(sniff(&[0xff, 0x00, 0xfe]), "application/octet-stream");
        assert_eq!(safe_filename(Some("../../etc/\"passwd\""), 0), "passwd");
        assert_eq!(safe_filename(None, 2), "attachment-3");
    }
}
