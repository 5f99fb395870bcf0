//! Notices by e-mail (SMTP, `CYBERBRIDGE_SMTP_URL`): a loop takes due notices from the outbox
//! (`notices::store::claim`, leased so that instances do not share one), writes each in its
//! person's language, and sends it; a failure is tried again later (30 s doubling to an hour,
//! ten times). A notice says what happened, the reference and the deadline, and links to the
//! console; never case content. People who opted out get none but emergencies and security
//! notices. Without SMTP the loop does not run: the log says e-mail is off, and the console
//! lists the notices.

use std::time::Duration;

use actix_web::web;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::i18n::{Locale, Tr};
use crate::kernel::AppState;
use crate::notices::store::{self, Due};

/// A notice as e-mail: its subject and plain-text body.
pub fn compose(tr: &Tr, due: &Due, origin: &str) -> (String, String) {
    let reference = due.reference.clone().unwrap_or_default();
    let subject = tr.arg(&format!("mail-{}-subject", due.kind), "reference", &reference);
    let mut body = tr.arg(&format!("mail-{}-body", due.kind), "reference", &reference);
    if let Some(deadline) = &due.deadline {
        body.push_str("\n\n");
        body.push_str(&tr.arg("mail-deadline", "when", tr.when(deadline)));
    }
    let link = format!("{origin}{}", crate::notices::console_path(&due.kind, due.request_id, due.alert_id));
    body.push_str("\n\n");
    body.push_str(&tr.arg("mail-link", "link", link));
    body.push_str("\n\n-- \n");
    body.push_str(&tr.get("mail-footer"));
    (subject, body)
}

/// Starts the sender, or says e-mail is off.
pub fn spawn(state: web::Data<AppState>) -> Option<tokio::task::JoinHandle<()>> {
    let Some(url) = state.config.smtp_url.as_ref().map(|u| u.expose_secret().to_string()) else {
        tracing::warn!("no CYBERBRIDGE_SMTP_URL: e-mail notices are off; the console lists them");
        return None;
    };
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(&url) {
        Ok(builder) => builder.timeout(Some(Duration::from_secs(20))).build(),
        Err(e) => {
            tracing::error!(error = %e, "CYBERBRIDGE_SMTP_URL cannot be used: e-mail notices are off");
            return None;
        }
    };
    let from = match state.config.smtp_from.parse() {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "CYBERBRIDGE_SMTP_FROM is not an address: e-mail notices are off");
            return None;
        }
    };
    Some(tokio::spawn(async move {
        loop {
            match round(&state, &transport, &from).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "e-mail notice round failed"),
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }))
}

/// Sends what is due; returns how many were handled.
pub async fn round(
    state: &AppState,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &lettre::message::Mailbox,
) -> Result<usize, String> {
    let origin = state.config.public_origin()?;
    let mut conn = state.pool.get().await.map_err(|e| e.to_string())?;
    let due = store::claim(&mut conn, 50).await.map_err(|e| e.to_string())?;
    for notice in &due {
        if notice.opted_out && !notice.always {
            store::done(&mut conn, notice.id).await.map_err(|e| e.to_string())?;
            continue;
        }
        let locale = notice.locale.as_deref().and_then(|l| l.parse::<Locale>().ok()).unwrap_or(Locale::En);
        let zone = notice.time_zone.as_deref().and_then(|z| z.parse().ok()).unwrap_or(state.config.time_zone);
        let tr = Tr::in_zone(locale, zone);
        let (subject, body) = compose(&tr, notice, &origin);
        let sent = match notice.email.parse() {
            Ok(to) => match Message::builder()
                .from(from.clone())
                .to(to)
                .subject(subject)
                .header(ContentType::TEXT_PLAIN)
                .body(body)
            {
                Ok(message) => transport.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(format!("address: {e}")),
        };
        match sent {
            Ok(()) => store::done(&mut conn, notice.id).await.map_err(|e| e.to_string())?,
            Err(why) => {
                tracing::warn!(notice = %notice.id, error = %why, "sending an e-mail notice failed; will retry");
                let retry = (30i64 << notice.attempts.clamp(0, 7)).min(3600);
                store::failed(&mut conn, notice.id, &why, retry).await.map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(due.len())
}
