//! Support: agents and admins, the queue of disputes and fraud reports, a case and what may be
//! done on it, the counts that show a spike, and the audit log of every view and action
//! (docs/threat-model.md#t12, #t14, #t15).

pub mod actions;
pub mod agent;
pub mod audit;
pub mod case;
pub mod cases;
pub mod invitation;
pub mod queue;
pub mod stats;
