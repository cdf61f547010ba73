//! Shared pieces of the benchmark tools (`loadgen`, `baseline`, `w1`): process CPU and memory
//! readings, latency histograms, and the JSON result every tool prints.

pub mod drive;
pub mod measure;
pub mod result;
pub mod sign;
pub mod stop;
pub mod stripe;
pub mod whatsapp;
