//! Report writers. All of them render the one [`model::RunReport`].

pub mod model;
