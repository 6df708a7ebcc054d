//! The support console's API: the queue of disputes and fraud reports, a case with everything
//! about it, what an agent may do on it, the counts that show a spike, and the audit log.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::evidence::Screenshot;
use crate::money::Money;
use crate::wallet::{free_text, DisputeReason, DisputeStatus, Transaction};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// Longest internal note, request for information or reason for declining, in characters.
pub const CASE_TEXT_MAX_CHARS: usize = 4_000;
/// Most cases one page of the queue returns.
pub const QUEUE_PAGE_MAX: u32 = 100;
/// Most audit entries one page returns.
pub const AUDIT_PAGE_MAX: u32 = 500;
/// Hours the case chart covers.
pub const STATS_HOURS: usize = 7 * 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Customer,
    /// Works the queue, after enrolling two-step verification.
    Agent,
    /// An agent who may also read and export the audit log.
    Admin,
}

impl Role {
    pub fn is_staff(self) -> bool {
        self != Role::Customer
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    Dispute,
    FraudReport,
}

/// Which cases the queue lists by status: `open` (the default) is submitted, under review or
/// waiting for the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatusFilter {
    #[default]
    Open,
    Closed,
    Any,
    Submitted,
    UnderReview,
    MoreInfoNeeded,
    Refunded,
    Declined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseSort {
    /// Oldest first: the one waiting longest on top (the default).
    #[default]
    Oldest,
    Newest,
    LargestAmount,
    SmallestAmount,
}

/// The queue's filters and page (query string of `agent_list_cases`). Bounds are inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    pub kind: Option<CaseKind>,
    pub status: Option<CaseStatusFilter>,
    /// `me`, `none`, or an agent's account id.
    pub assignee: Option<String>,
    /// Cases at least this many hours old (at most ten years).
    #[cfg_attr(feature = "openapi", param(maximum = 87_840))]
    pub min_age_hours: Option<u32>,
    /// Cases at most this many hours old (at most ten years).
    #[cfg_attr(feature = "openapi", param(maximum = 87_840))]
    pub max_age_hours: Option<u32>,
    /// Bounds on the amount in question, in minor units.
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub min_minor: Option<i64>,
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub max_minor: Option<i64>,
    pub sort: Option<CaseSort>,
    /// `next_cursor` of the previous page, with the same filters and sort.
    pub cursor: Option<String>,
    /// 1 to 100, default 50.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
}

/// An agent as other agents see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AgentRef {
    pub id: String,
    pub email: String,
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaseSummary {
    /// `D-…` for a dispute, `F-…` for a fraud report: the number the customer quotes.
    pub id: String,
    pub kind: CaseKind,
    pub status: DisputeStatus,
    pub customer_email: String,
    /// The disputed row's size, or the reported rows' together.
    pub amount: Money,
    pub assignee: Option<AgentRef>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Open for longer than the service-level target.
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    /// Absent on the last page.
    pub next_cursor: Option<String>,
    /// The service-level target: an open case older than this is overdue (seconds).
    pub target_seconds: i64,
    /// The server's clock when the page was read (seconds since the epoch), for ages.
    pub now: i64,
}

/// New cases in one hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HourCount {
    /// The hour's first second (UTC, seconds since the epoch).
    pub hour: i64,
    pub disputes: u64,
    pub fraud_reports: u64,
    pub sign_in_failures: u64,
    pub new_device_sign_ins: u64,
    pub password_resets: u64,
    pub top_ups: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaseStats {
    /// The last 7 days by the hour, oldest first; the last is the current hour so far.
    pub hours: Vec<HourCount>,
    /// New cases per hour over the 7 days before the current hour (the mean).
    pub usual_per_hour: f64,
    /// The current hour already has well above the usual number of new cases.
    pub spike: bool,
    /// Open cases now.
    pub open: u64,
    /// Open cases past the service-level target.
    pub overdue: u64,
}

/// The customer a case is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaseCustomer {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub created_at: i64,
    pub totp_enabled: bool,
    /// Present while money cannot leave the wallet.
    pub freeze: Option<crate::evidence::Freeze>,
    pub balance: Money,
}

/// One step of the case as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TimelineEntry {
    pub at: i64,
    pub status: DisputeStatus,
    /// What happened (`submitted`, `status_changed`, `evidence_added`, `freeze_lifted`, …).
    pub event: String,
    /// `customer` or `support`.
    pub by: String,
    /// What the customer or support wrote with it.
    pub note: Option<String>,
}

/// An agent's note on a case; the customer never sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InternalNote {
    pub id: String,
    pub author: AgentRef,
    pub text: String,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    /// Above the four-eyes amount: waiting for a second agent.
    AwaitingApproval,
    /// In the customer's wallet.
    Posted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaseRefund {
    pub id: String,
    pub amount: Money,
    pub state: RefundState,
    pub requested_by: AgentRef,
    pub requested_at: i64,
    pub approved_by: Option<AgentRef>,
    pub posted_at: Option<i64>,
}

/// Everything about one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaseDetail {
    pub summary: CaseSummary,
    pub customer: CaseCustomer,
    /// A dispute's reason; absent for a fraud report.
    pub reason: Option<DisputeReason>,
    /// The dispute's details or the report's description, exactly as typed.
    pub text: String,
    /// The disputed row, or the reported rows.
    pub transactions: Vec<Transaction>,
    /// A fraud report's sealed snapshot of the history, as it was when reported (newest first).
    pub snapshot: Option<Vec<Transaction>>,
    /// Each `url` opens the image through `agent_get_case_file`.
    pub screenshots: Vec<Screenshot>,
    pub timeline: Vec<TimelineEntry>,
    pub notes: Vec<InternalNote>,
    pub refund: Option<CaseRefund>,
    /// Refunds up to this amount post at once; above it a second agent approves.
    pub four_eyes_above: Money,
}

/// Text an agent writes: any Unicode, line breaks included, up to 4,000 characters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CaseTextRequest {
    pub text: String,
}

impl CaseTextRequest {
    pub fn parse(&self) -> Result<String, FieldError> {
        free_text(&self.text, CASE_TEXT_MAX_CHARS, "text")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// At most the amount in question, in its currency.
    pub amount: Money,
}

/// The audit log's filters and page (query string of `admin_audit_log`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries about this customer only.
    pub customer: Option<String>,
    /// Entries after this `seq` (the last one seen), oldest first.
    pub after: Option<i64>,
    /// 1 to 500, default 100.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<u32>,
    /// `json` (the default), or `csv` for a download of every matching entry (`after` and
    /// `limit` then refused).
    #[cfg_attr(feature = "openapi", param(pattern = "^(json|csv)$"))]
    pub format: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor_id: String,
    pub actor_email: String,
    /// e.g. `list_cases`, `view_case`, `view_file`, `refund`.
    pub action: String,
    pub customer_id: Option<String>,
    pub case_id: Option<String>,
    pub ip: String,
    pub user_agent: Option<String>,
    /// What else the action carried (amount, filters, the note's length), as JSON text.
    pub detail: String,
    pub prev_sha256: Option<String>,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Give back as `after` for the next page; absent on the last.
    pub next_after: Option<i64>,
}
