//! First start: the platform organisation and its first admin.

use diesel_async::AsyncConnection;

use crate::domain::{Country, Email, OrgId, OrgKind, Role, UserId};
use crate::kernel::audit::Entry;
use crate::kernel::db::{self, Conn};
use crate::kernel::error::ApiResult;
use crate::kernel::http::RequestMeta;
use crate::organizations::model::NewOrg;
use crate::users::model::NewUser;
use crate::{access, organizations, users};

/// Whether the platform organisation (and so its first admin) exists already.
pub async fn has_platform(conn: &mut Conn) -> ApiResult<bool> {
    Ok(organizations::store::platform(conn).await?.is_some())
}

/// Creates the platform organisation and an org_admin in it with `password` when there is none
/// yet (`must_change`: a generated one, changed at the first login). Returns whether it made
/// them (several instances may start at once: one does).
pub async fn ensure_platform_admin(
    conn: &mut Conn,
    name: &str,
    country: &Country,
    email: &Email,
    password: &str,
    must_change: bool,
) -> ApiResult<bool> {
    let hash = access::password::hash_offline(password.to_string()).await?;
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
                    password_change_required: must_change,
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
    Ok(created)
}
