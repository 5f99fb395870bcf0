//! First start: the platform organisation and its first admin.

use diesel_async::AsyncConnection;

use crate::domain::{Country, Email, OrgId, OrgKind, Role, UserId};
use crate::kernel::audit::Entry;
use crate::kernel::db::{self, Conn};
use crate::kernel::error::ApiResult;
use crate::kernel::http::RequestMeta;
use crate::kernel::tokens;
use crate::organizations::model::NewOrg;
use crate::users::model::NewUser;
use crate::{access, organizations, users};

/// Creates the platform organisation and an org_admin in it when there is none yet. Returns the
/// admin's generated password when none was given (to be shown once).
pub async fn ensure_platform_admin(
    conn: &mut Conn,
    name: &str,
    country: &Country,
    email: &Email,
    given: Option<&str>,
) -> ApiResult<Option<String>> {
    let generated = if given.is_none() { Some(tokens::random_token()[..24].to_string()) } else { None };
    let secret = given.map(str::to_string).or_else(|| generated.clone()).unwrap_or_default();
    let hash = access::password::hash_offline(secret).await?;
    let created = conn
        .transaction(async |c| {
            // Several instances may start at once: one creates, the others see it.
            db::lock_until_commit(c, db::locks::BOOTSTRAP).await?;
            if organizations::store::platform(c).await?.is_some() {
                return Ok::<_, crate::kernel::error::ApiError>(false);
            }
            let org = organizations::store::insert(
                c,
                &NewOrg {
                    id: OrgId::new(),
                    name: name.to_string(),
                    kind: OrgKind::Platform,
                    country: country.clone(),
                    contact_name: "Platform operations".into(),
                    contact_email: email.clone(),
                    contact_phone: String::new(),
                },
            )
            .await?;
            let user = users::store::insert(
                c,
                &NewUser {
                    id: UserId::new(),
                    organization_id: org.id,
                    email: email.clone(),
                    name: "Platform administrator".into(),
                    role: Role::OrgAdmin,
                    password_hash: hash,
                    password_change_required: generated.is_some(),
                },
            )
            .await?;
            Entry::anonymous(&RequestMeta::default(), "platform.bootstrap")
                .object("user", user.id)
                .by_user(user.id.0, Some(org.id.0))
                .write(c)
                .await?;
            Ok(true)
        })
        .await?;
    Ok(if created { generated } else { None })
}
