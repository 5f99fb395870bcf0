//! Raw SQL kept prepared per connection.
//!
//! `diesel::sql_query` marks itself never to be cached, so a hot query written with it is
//! parsed, planned and described again on every call (an extra round trip each). A
//! [`PreparedSql`] is keyed by its text and kept prepared like diesel's own query builder output.
//!
//! Why this module leans on an unstable diesel API: binding a value to a raw text needs
//! `AstPass::push_bind_param_value_only`, which diesel makes public only behind the
//! `i-implement-a-third-party-backend-and-opt-into-breaking-changes` feature, an API diesel may
//! change in any release. `Cargo.toml` therefore pins diesel exactly (`=2.3.14`);
//! upgrading diesel means checking this module against the new `AstPass` first (the look-up
//! tests and `bench/lookup.lua` exercise it).

use diesel::QueryResult;

/// A fixed SQL text with binds (`.bind::<T, _>(v)`), as `diesel::sql_query` but kept prepared
/// per connection, keyed by its text: `sql_query` marks itself never to be cached, so a hot
/// query written with it is parsed, planned and described again on every call (an extra round
/// trip each). For texts that do not vary with the data.
#[derive(Debug, Clone)]
pub struct PreparedSql(String);

pub fn prepared_sql(sql: impl Into<String>) -> PreparedSql {
    PreparedSql(sql.into())
}

/// A [`PreparedSql`] and its binds so far; `ST` is the SQL type of the last one.
#[derive(Debug, Clone)]
pub struct Bound<Q, V, ST> {
    query: Q,
    value: V,
    _type: std::marker::PhantomData<ST>,
}

/// Adding a bind to a prepared text or to one with binds already.
pub trait BindMore: Sized {
    fn bind<ST, V>(self, value: V) -> Bound<Self, V, ST> {
        Bound { query: self, value, _type: std::marker::PhantomData }
    }
}
impl BindMore for PreparedSql {}
impl<Q, V, ST> BindMore for Bound<Q, V, ST> {}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for PreparedSql {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        out.push_sql(&self.0);
        Ok(())
    }
}

impl<Q, V, ST> diesel::query_builder::QueryFragment<diesel::pg::Pg> for Bound<Q, V, ST>
where
    Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
    V: diesel::serialize::ToSql<ST, diesel::pg::Pg>,
    diesel::pg::Pg: diesel::sql_types::HasSqlType<ST>,
{
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_bind_param_value_only(&self.value)
    }
}

impl diesel::query_builder::QueryId for PreparedSql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, V, ST> diesel::query_builder::QueryId for Bound<Q, V, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for PreparedSql {
    type SqlType = diesel::sql_types::Untyped;
}

impl<Q, V, ST> diesel::query_builder::Query for Bound<Q, V, ST> {
    type SqlType = diesel::sql_types::Untyped;
}
