//! Text in several languages, as IATI's `narrative` elements carry it.

use serde::{Deserialize, Serialize};

/// One language version of a text: a title, a name or a description.
///
/// Records keep the text in use in their plain field (`title`, `name`,
/// `description`); when a source gives more than that one text, or says
/// which language it is in, every version is kept here, in source order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Narrative {
    /// The language, as the source writes it (an ISO 639-1 code such as
    /// `"fr"`, sometimes upper case); `None` when the source does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The text.
    pub text: String,
}

impl Narrative {
    /// A text in `lang`, or in no stated language.
    pub fn new(lang: Option<&str>, text: impl Into<String>) -> Self {
        Self {
            lang: lang.map(str::to_owned),
            text: text.into(),
        }
    }
}
