//! Understanding for Switchboard: intent classification, entity extraction and evaluation.
//!
//! Everything here is pure, deterministic Rust with no I/O. At project load the intents'
//! examples become a [`Classifier`] (tens of milliseconds for a thousand examples) and the
//! entity definitions an [`EntityExtractor`]; each message is then classified and scanned for
//! entities; [`evaluate`] scores a classifier against labelled messages for `switchboard eval`.
//!
//! ```
//! use switchboard_nlu::{Classifier, DEFAULT_THRESHOLD};
//!
//! let classifier = Classifier::train(&[
//!     ("greet".to_string(), vec!["hi".to_string(), "good morning".to_string()]),
//!     ("weather".to_string(), vec!["weather in Dubai".to_string(), "will it rain".to_string()]),
//! ]);
//! let prediction = classifier.classify("hello, good morning!");
//! assert_eq!(prediction.accept(DEFAULT_THRESHOLD).map(|s| s.intent.as_str()), Some("greet"));
//! assert!(classifier.classify("who won the football").accept(DEFAULT_THRESHOLD).is_none());
//! ```
//!
//! Inputs of any size and content are accepted: only the first [`MAX_CLASSIFY_BYTES`] of a
//! message are classified and the first [`MAX_EXTRACT_BYTES`] scanned for entities.

mod classifier;
mod entities;
mod eval;
mod features;
mod language;
mod normalize;
mod small_talk;

pub use classifier::{Classifier, DEFAULT_THRESHOLD, Prediction, Scored};
pub use entities::{
    Builtin, EntityDef, EntityError, EntityExtractor, EntityMatch, LookupValue, MAX_EXTRACT_BYTES,
    ValueShape,
};
pub use eval::{
    CALIBRATION_MIN_OUT_OF_SCOPE, Calibration, Confusion, EntityMetrics, EntityMiss, EvalCase,
    EvalReport, IntentMetrics, OUT_OF_SCOPE, TagMetrics, calibrate, evaluate, near_misses, score,
    score_entities,
};
pub use language::LanguageDetector;
pub use normalize::{MAX_CLASSIFY_BYTES, fold};
pub use small_talk::{SMALL_TALK, SmallTalk};

/// Adds the built-in small talk to training data (see [`SmallTalk`]).
pub use small_talk::teach as teach_small_talk;
