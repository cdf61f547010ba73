//! Understanding a message: which intent it expresses and which entities it contains.
//!
//! The classifier and the entity extractor are trained once when the project loads; this
//! module only adapts the project's definitions to the NLU crate and cleans the text first.

use super::cues::Cues;
use serde_json::{Map, Value};
use switchboard_config::Project;
use switchboard_config::model::EntityKind;
use switchboard_nlu::{
    Builtin, Classifier, EntityDef, EntityExtractor, EntityMatch, LanguageDetector, LookupValue,
    Prediction, ValueShape,
};

/// The trained models of a project.
pub struct Understanding {
    classifier: Classifier,
    extractor: EntityExtractor,
    languages: LanguageDetector,
    cues: Cues,
    threshold: f32,
}

/// What was understood from one message.
#[derive(Debug, Clone)]
pub struct Understood {
    /// Every intent with its confidence, best first.
    pub prediction: Prediction,
    /// The accepted intent, `None` when out of scope.
    pub intent: Option<(String, f32)>,
    /// Entities found.
    pub entities: Vec<EntityMatch>,
    /// Whether the language model chose the intent (`understand` mode).
    pub by_model: bool,
    /// Slot values the model found, by slot name.
    pub model_slots: Map<String, Value>,
}

impl Understood {
    /// Takes the model's choice over the classifier's: its intent (or none, out of scope)
    /// and its slot values; the classifier's confidences stay for the record.
    pub fn adopt(&mut self, choice: crate::llm::understand::ModelChoice) {
        self.intent = choice.intent.map(|name| {
            let c = self.confidence_of(&name);
            (name, c)
        });
        self.model_slots = choice.slots;
        self.by_model = true;
    }

    /// The first value found for an entity.
    pub fn entity(&self, name: &str) -> Option<&Value> {
        self.entities
            .iter()
            .find(|m| m.entity == name)
            .map(|m| &m.value)
    }

    /// The classifier's confidence in one intent.
    pub fn confidence_of(&self, intent: &str) -> f32 {
        self.prediction
            .ranking
            .iter()
            .find(|s| s.intent == intent)
            .map_or(0.0, |s| s.confidence)
    }
}

impl std::fmt::Debug for Understanding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Understanding")
            .field("threshold", &self.threshold)
            .finish()
    }
}

/// Why the models could not be built.
#[derive(Debug, thiserror::Error)]
#[error("entities: {0}")]
pub struct UnderstandingError(String);

impl Understanding {
    /// Trains the classifier on every intent's examples and compiles the entities.
    pub fn train(project: &Project) -> Result<Understanding, UnderstandingError> {
        let training = training(project);
        let classifier = Classifier::train_with_negatives(&training, &project.bot.out_of_scope);
        let languages = LanguageDetector::learn(project.intents.values().flat_map(|i| {
            i.example_languages
                .iter()
                .zip(&i.examples)
                .filter_map(|(l, e)| Some((l.as_deref()?, e.as_str())))
        }));
        let mut defs = Vec::new();
        for e in project.entities.values() {
            defs.push((e.name.clone(), entity_def(&e.kind)));
        }
        // A project's own entity of a built-in's name takes its place (LATER_BUILTINS).
        for name in switchboard_config::model::BUILTIN_ENTITIES {
            if let Ok(b) = name.parse::<Builtin>()
                && !project.entities.contains_key(name)
            {
                defs.push((name.to_string(), EntityDef::Builtin(b)));
            }
        }
        let extractor =
            EntityExtractor::new(defs).map_err(|e| UnderstandingError(e.to_string()))?;
        let threshold = project
            .bot
            .confidence_threshold
            .unwrap_or(switchboard_nlu::DEFAULT_THRESHOLD);
        let cues = Cues::learn(project, &extractor, chrono::Utc::now().date_naive());
        Ok(Understanding {
            classifier,
            extractor,
            languages,
            cues,
            threshold,
        })
    }

    /// Classifies a message and extracts its entities.
    pub fn understand(&self, text: &str, today: chrono::NaiveDate) -> Understood {
        let prediction = self.classifier.classify(text);
        let intent = prediction
            .accept(self.threshold)
            .map(|s| (s.intent.clone(), s.confidence));
        let entities = self.extractor.extract(text, today);
        Understood {
            prediction,
            intent,
            entities,
            by_model: false,
            model_slots: Map::new(),
        }
    }

    /// The words that introduce each slot's value (see `cues.rs`).
    pub(crate) fn cues(&self) -> &Cues {
        &self.cues
    }

    /// The first value of `entity` in `text`.
    pub fn find(&self, entity: &str, text: &str, today: chrono::NaiveDate) -> Option<Value> {
        self.extractor
            .extract(text, today)
            .into_iter()
            .find(|m| m.entity == entity)
            .map(|m| m.value)
    }

    /// The language `text` is written in among the project's example languages, or `None`
    /// when the message does not tell (then `previous`, the conversation's, stands).
    pub fn language(&self, text: &str, previous: Option<&str>) -> Option<String> {
        if self.languages.is_empty() {
            return None;
        }
        self.languages.detect(text, previous)
    }

    /// The out-of-scope threshold in force.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// The classifier, for evaluation.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// The compiled entities, for `switchboard eval`'s entity figures.
    pub fn extractor(&self) -> &EntityExtractor {
        &self.extractor
    }
}

/// What a project's classifier is trained on: each intent's examples, with the built-in small
/// talk teaching the project's intents of its kinds or standing in for them. `switchboard
/// eval` calibrates on the same.
pub fn training(project: &Project) -> Vec<(String, Vec<String>)> {
    let mut training: Vec<(String, Vec<String>)> = project
        .intents
        .values()
        .map(|i| (i.name.clone(), i.examples.clone()))
        .collect();
    if project.bot.small_talk {
        switchboard_nlu::teach_small_talk(&mut training);
    }
    training
}

fn entity_def(kind: &EntityKind) -> EntityDef {
    match kind {
        EntityKind::Pattern {
            regex,
            upper,
            strip,
        } => EntityDef::Pattern {
            regex: regex.clone(),
            shape: ValueShape {
                upper: *upper,
                strip: strip.clone(),
            },
        },
        EntityKind::Lookup(values) => EntityDef::Lookup {
            values: values
                .iter()
                .map(|v| LookupValue {
                    value: v.value.clone(),
                    synonyms: v.synonyms.clone(),
                })
                .collect(),
        },
        EntityKind::Builtin(name) => name
            .parse()
            .map_or(EntityDef::Lookup { values: Vec::new() }, EntityDef::Builtin),
    }
}

/// Removes control characters (keeping line breaks and tabs as spaces) and trims, so that
/// what is classified, stored and echoed is plain text.
pub fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\n' || c == '\t' || c == '\r' {
            out.push(' ');
        } else if !c.is_control() {
            out.push(c);
        }
    }
    out.trim().to_string()
}
