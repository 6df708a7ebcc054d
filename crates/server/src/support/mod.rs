//! Support: agents and admins (`agent`) and their invitations (`invitation`), the queue of
//! disputes and fraud reports (`queue`, over the `cases` table of `crate::cases`), one case as an
//! agent sees it (`case_detail`) and what may be done on it (`actions`), the chart of the counts
//! that show a spike (`stats`, over `crate::events`), and the audit log of every view and action
//! (`audit`) (docs/threat-model.md#t12, #t14, #t15).

pub mod actions;
pub mod agent;
pub mod audit;
pub mod case_detail;
pub mod invitation;
pub mod queue;
pub mod stats;
