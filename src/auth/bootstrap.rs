//! First start: the platform organisation and its first admin.

use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::audit::Entry;
use crate::auth::{password, tokens, RequestMeta};
use crate::db::Conn;
use crate::error::ApiResult;
use crate::organizations::model::NewOrg;
use crate::users::model::NewUser;

/// Creates the platform organisation and an org_admin in it when there is none yet. Returns the
/// admin's generated password when none was given (to be shown once).
pub async fn ensure_platform_admin(
    conn: &mut Conn,
    name: &str,
    country: &str,
    email: &str,
    given: Option<&str>,
) -> ApiResult<Option<String>> {
    let generated = if given.is_none() { Some(tokens::random_token()[..24].to_string()) } else { None };
    let secret = given.map(str::to_string).or_else(|| generated.clone()).unwrap_or_default();
    let hash = password::hash(secret).await?;
    let created = conn
        .transaction(async |c| {
            // Several instances may start at once: one creates, the others see it.
            crate::db::lock_until_commit(c, crate::db::locks::BOOTSTRAP).await?;
            if crate::organizations::store::platform(c).await?.is_some() {
                return Ok::<_, crate::error::ApiError>(false);
            }
            let org = crate::organizations::store::insert(
                c,
                &NewOrg {
                    id: Uuid::now_v7(),
                    name: name.to_string(),
                    kind: "platform".into(),
                    country: country.to_string(),
                    contact_name: "Platform operations".into(),
                    contact_email: email.to_lowercase(),
                    contact_phone: String::new(),
                },
            )
            .await?;
            let user = crate::users::store::insert(
                c,
                &NewUser {
                    id: Uuid::now_v7(),
                    organization_id: org.id,
                    email: email.to_lowercase(),
                    name: "Platform administrator".into(),
                    role: "org_admin".into(),
                    password_hash: hash,
                },
            )
            .await?;
            let mut entry = Entry::anonymous(&RequestMeta::default(), "platform.bootstrap").object("user", user.id);
            entry.organization_id = Some(org.id);
            entry.write(c).await?;
            Ok(true)
        })
        .await?;
    Ok(if created { generated } else { None })
}
