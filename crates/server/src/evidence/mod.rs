//! Evidence a customer keeps: screenshots checked by decoding and stored by content, fraud
//! reports that freeze the wallet and seal its history into a hash chain, and the bundle that
//! takes all of it away as one ZIP.

pub mod freeze;
pub mod store;
pub mod zip;
