//! Evidence a customer keeps: screenshots checked by decoding and stored by content, fraud
//! reports that freeze the wallet (through `wallet::freeze`) and seal its history into a hash
//! chain, and the bundle that takes all of it away as one ZIP.

pub mod bundle;
pub mod chain;
pub mod disputes;
pub mod image_check;
pub mod incoming;
pub mod reports;
pub mod store;
pub mod uploads;
pub mod zip;
