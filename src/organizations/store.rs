//! Organisation queries.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::model::{BankId, BankIdRow, DirectoryFilter, NewOrg, OrgChanges, OrgRow};
use crate::domain::{OrgId, OrgKind};
use crate::kernel::db::schema::{bank_identifiers, organizations};
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

pub async fn insert(conn: &mut Conn, org: &NewOrg) -> ApiResult<OrgRow> {
    Ok(diesel::insert_into(organizations::table).values(org).returning(OrgRow::as_returning()).get_result(conn).await?)
}

/// Replaces the bank identifiers of `org`.
pub async fn set_bank_identifiers(conn: &mut Conn, org: OrgId, list: &[BankId]) -> ApiResult<Vec<BankIdRow>> {
    diesel::delete(bank_identifiers::table.filter(bank_identifiers::organization_id.eq(org))).execute(conn).await?;
    let rows: Vec<BankIdRow> = list
        .iter()
        .map(|b| BankIdRow {
            id: Uuid::now_v7(),
            organization_id: org,
            bic: b.bic.clone(),
            country: b.country.clone(),
            bank_code: b.bank_code.clone(),
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(bank_identifiers::table).values(&rows).execute(conn).await?;
    }
    Ok(rows)
}

pub async fn get(conn: &mut Conn, id: OrgId) -> ApiResult<Option<OrgRow>> {
    Ok(organizations::table.find(id).select(OrgRow::as_select()).first(conn).await.optional()?)
}

pub async fn bank_identifiers_of(conn: &mut Conn, orgs: &[OrgId]) -> ApiResult<Vec<BankIdRow>> {
    Ok(bank_identifiers::table
        .filter(bank_identifiers::organization_id.eq_any(orgs))
        .order((bank_identifiers::country, bank_identifiers::bank_code, bank_identifiers::bic))
        .select(BankIdRow::as_select())
        .load(conn)
        .await?)
}

/// The directory, by name, after the cursor position (lower(name), id).
pub async fn list(
    conn: &mut Conn,
    include_inactive: bool,
    f: &DirectoryFilter,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> ApiResult<Vec<OrgRow>> {
    let mut q = organizations::table.select(OrgRow::as_select()).into_boxed();
    if !include_inactive {
        q = q.filter(organizations::active.eq(true));
    }
    if let Some(kind) = f.kind {
        q = q.filter(organizations::kind.eq(kind));
    }
    if let Some(country) = &f.country {
        q = q.filter(organizations::country.eq(country.clone()));
    }
    if let Some((name, id)) = after {
        q = q.filter(
            sql::<Bool>("(lower(name), id) > (").bind::<Text, _>(name).sql(", ").bind::<SqlUuid, _>(id).sql(")"),
        );
    }
    Ok(q.order((sql::<Text>("lower(name)"), organizations::id)).limit(limit + 1).load(conn).await?)
}

/// Reads the organisation and locks its row until the transaction ends (read-modify-write).
pub async fn lock(conn: &mut Conn, id: OrgId) -> ApiResult<Option<OrgRow>> {
    Ok(organizations::table.find(id).for_update().select(OrgRow::as_select()).first(conn).await.optional()?)
}

/// Applies `changes` and bumps the version.
pub async fn update(conn: &mut Conn, id: OrgId, changes: &OrgChanges) -> ApiResult<OrgRow> {
    Ok(diesel::update(organizations::table.find(id))
        .set((
            changes,
            organizations::version.eq(organizations::version + 1),
            organizations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(OrgRow::as_returning())
        .get_result(conn)
        .await?)
}

/// The platform operator's organisation.
pub async fn platform(conn: &mut Conn) -> ApiResult<Option<OrgRow>> {
    Ok(organizations::table
        .filter(organizations::kind.eq(OrgKind::Platform))
        .select(OrgRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// An organisation by exact name (case-insensitive), for the CLI.
pub async fn by_name(conn: &mut Conn, name: &str) -> ApiResult<Option<OrgRow>> {
    Ok(organizations::table
        .filter(sql::<Bool>("lower(name) = lower(").bind::<Text, _>(name).sql(")"))
        .select(OrgRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Which of `ids` are active organisations.
pub async fn active_among(conn: &mut Conn, ids: &[Uuid]) -> ApiResult<Vec<Uuid>> {
    Ok(organizations::table
        .filter(organizations::id.eq_any(ids))
        .filter(organizations::active.eq(true))
        .select(organizations::id)
        .load::<OrgId>(conn)
        .await?
        .into_iter()
        .map(|id| id.0)
        .collect())
}

/// (id, name, kind) of organisations.
pub async fn summaries(conn: &mut Conn, ids: &[OrgId]) -> ApiResult<Vec<(OrgId, String, OrgKind)>> {
    Ok(organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::name, organizations::kind))
        .load(conn)
        .await?)
}

/// The names of every organisation (the demo checks what a database holds).
pub async fn list_all_names(conn: &mut Conn) -> ApiResult<Vec<String>> {
    Ok(organizations::table.select(organizations::name).load(conn).await?)
}
