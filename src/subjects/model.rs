use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Bool, Nullable, SmallInt, Text, Timestamptz, Uuid as SqlUuid};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::alerts::model::MuleAccount;
use crate::domain::{IndicatorType, PurposeReason};
use crate::holds::model::LegalHold;

/// What `GET /subject-access` looks for.
#[derive(Deserialize, IntoParams, Debug)]
#[into_params(parameter_in = Query)]
pub struct SubjectQuery {
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = IndicatorType)]
    pub type_: String,
    /// The identifier, in any accepted form (normalised as a look-up does).
    pub value: String,
}

/// The request a subject-access export answers (both required: 422 without).
#[derive(Deserialize, IntoParams, Debug)]
#[into_params(parameter_in = Query)]
pub struct SubjectPurpose {
    /// Why: `data_subject_request` for a data subject's request.
    #[param(value_type = crate::domain::PurposeReason, required = true)]
    pub purpose: Option<String>,
    /// The request's number (up to 100 characters).
    #[param(required = true)]
    pub case_reference: Option<String>,
}

impl SubjectPurpose {
    pub fn params(&self) -> crate::domain::PurposeParams {
        crate::domain::PurposeParams { purpose: self.purpose.clone(), case_reference: self.case_reference.clone() }
    }
}

/// A report naming the identifier, with the reporter named (anonymous or not: the operator
/// answers for the platform) and the report's link to the value.
#[derive(Serialize, ToSchema, diesel::QueryableByName, Debug)]
pub struct SubjectReport {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = SqlUuid)]
    pub reporter_id: Uuid,
    #[diesel(sql_type = Text)]
    pub reporter: String,
    #[diesel(sql_type = Bool)]
    pub anonymous: bool,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = Text)]
    pub tlp: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub role: Option<String>,
    #[diesel(sql_type = SmallInt)]
    pub confidence: i16,
    #[diesel(sql_type = Timestamptz)]
    pub valid_until: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub withdrawn_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub withdrawn_reason: Option<String>,
}

/// A fraud alert naming the identifier as victim or beneficiary account.
#[derive(Serialize, ToSchema, diesel::QueryableByName, Debug)]
pub struct SubjectAlert {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub trace_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub hop: i32,
    /// `victim` or `beneficiary`.
    #[diesel(sql_type = Text)]
    pub named_as: String,
    #[diesel(sql_type = SqlUuid)]
    pub sender_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub receiver_id: Option<Uuid>,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Timestamptz)]
    pub executed_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// When its sender withdrew it from the account's mule flag.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub mule_flag_withdrawn_at: Option<DateTime<Utc>>,
}

/// A data request naming the identifier.
#[derive(Serialize, ToSchema, diesel::QueryableByName, Debug)]
pub struct SubjectRequest {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[serde(rename = "type")]
    #[diesel(sql_type = Text)]
    pub type_: String,
    #[diesel(sql_type = SqlUuid)]
    pub issuer_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub addressee_id: Uuid,
    #[diesel(sql_type = Text)]
    pub case_reference: String,
    #[diesel(sql_type = Text)]
    pub legal_provision: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    pub responses: i64,
}

/// A watchlist that holds the identifier.
#[derive(Serialize, ToSchema, diesel::QueryableByName, Debug)]
pub struct SubjectWatch {
    #[diesel(sql_type = SqlUuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub watchlist_id: Uuid,
    #[diesel(sql_type = Text)]
    pub watchlist: String,
    /// The entry: the value, or the network that holds the address.
    #[diesel(sql_type = Text)]
    pub item: String,
}

/// A consultation of the identifier (look-up, correlation, query naming it).
#[derive(Serialize, ToSchema, diesel::QueryableByName, Debug)]
pub struct Consultation {
    #[diesel(sql_type = BigInt)]
    pub audit_id: i64,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub organization_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub user_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub api_key_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub case_reference: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub purpose: Option<PurposeReason>,
}

/// `GET /subject-access`: everything held about one identifier.
#[derive(Serialize, ToSchema, Debug)]
pub struct SubjectExport {
    #[serde(rename = "type")]
    pub type_: IndicatorType,
    /// The normalised identifier.
    pub value: String,
    pub generated_at: DateTime<Utc>,
    pub reports: Vec<SubjectReport>,
    pub alerts: Vec<SubjectAlert>,
    /// For an IBAN named by alerts: its mule-flag figures and latest contest.
    pub mule_account: Option<MuleAccount>,
    pub data_requests: Vec<SubjectRequest>,
    pub watchlists: Vec<SubjectWatch>,
    /// Legal holds on any of the objects above.
    pub legal_holds: Vec<LegalHold>,
    /// Who consulted it, when, and why (newest first, up to 10,000).
    pub consultations: Vec<Consultation>,
}
