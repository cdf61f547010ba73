//! What a template may read from the steps beside it: each step's name and, when the operation
//! it calls declares `extract`, the keys its result has (`steps.NAME.KEY` with any other key
//! is a typo that would render as nothing at run time).

use crate::model::{Connector, OperationRef};
use crate::raw::{RawStep, Spanned};
use indexmap::IndexMap;

/// The steps of one intent or webhook route.
#[derive(Default)]
pub(crate) struct StepFields {
    /// Step names in order, with the extract keys of the operation each calls (`None` when
    /// the result is the whole body, or the operation is unknown).
    steps: Vec<(String, Option<Vec<String>>)>,
}

impl StepFields {
    /// The steps as written, looked up in the compiled connectors. Unknown operations are
    /// reported where the step is compiled; here they only mean "no keys known".
    pub fn new(
        connectors: &IndexMap<String, Connector>,
        raw: &IndexMap<Spanned<String>, Spanned<RawStep>>,
    ) -> Self {
        let steps = raw
            .iter()
            .map(|(name, step)| {
                let keys = OperationRef::parse(step.value.call.value.trim())
                    .and_then(|r| connectors.get(&r.connector)?.operations.get(&r.operation))
                    .filter(|op| !op.response.extract.is_empty())
                    .map(|op| op.response.extract.keys().cloned().collect());
                (name.value.clone(), keys)
            })
            .collect();
        StepFields { steps }
    }

    /// The step names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().map(|(n, _)| n.as_str())
    }

    /// Whether a step of this name exists.
    pub fn has(&self, name: &str) -> bool {
        self.names().any(|n| n == name)
    }

    /// The keys a step's result has, when its operation declares `extract`.
    pub fn keys(&self, name: &str) -> Option<&[String]> {
        self.steps
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, k)| k.as_deref())
    }
}
