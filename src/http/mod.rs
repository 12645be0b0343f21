//! The HTTP engine: reqwest underneath, one [`record::Exchange`] per logical request.

pub mod record;
