//! The vocabulary of safety information: who a text is for, what a section is about, a section,
//! and the whole as the phone shows it.

use serde::{Deserialize, Serialize};

use crate::reports::directory::EmergencyContacts;

/// Who a text is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "kebab-case")]
pub enum SafetyAudience {
    /// The child, in words a child of the band reads (with a parent, for the youngest).
    Child,
    /// A parent: the risks, the signs to watch for, and what the phone does and does not do.
    Parent,
}

impl SafetyAudience {
    /// Both audiences.
    pub const ALL: [SafetyAudience; 2] = [SafetyAudience::Child, SafetyAudience::Parent];

    /// The name used in data files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SafetyAudience::Child => "child",
            SafetyAudience::Parent => "parent",
        }
    }
}

impl std::str::FromStr for SafetyAudience {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        SafetyAudience::ALL
            .into_iter()
            .find(|audience| audience.name() == text.trim())
            .ok_or("the audience is child or parent")
    }
}

/// What a section of the safety information is about. Every pack has one section per topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "kebab-case")]
pub enum SafetyTopic {
    /// Someone online asking for secrets, pictures, a meeting, or offering gifts.
    Grooming,
    /// Bullying, online and off.
    Bullying,
    /// Sharing images, of oneself included, and what to do when one is shared.
    SharingImages,
    /// People met online.
    Strangers,
    /// The four report buttons and what each does.
    ReportButtons,
    /// Where to get help: the helpline and emergency numbers shown with the information.
    GettingHelp,
}

impl SafetyTopic {
    /// Every topic, in the order the SDK's own packs present them.
    pub const ALL: [SafetyTopic; 6] = [
        SafetyTopic::Grooming,
        SafetyTopic::Bullying,
        SafetyTopic::SharingImages,
        SafetyTopic::Strangers,
        SafetyTopic::ReportButtons,
        SafetyTopic::GettingHelp,
    ];
}

/// One section: a heading and its paragraphs, plain text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct SafetySection {
    /// What it is about.
    pub topic: SafetyTopic,
    /// Its heading.
    pub title: String,
    /// Its paragraphs, in order.
    pub paragraphs: Vec<String>,
}

/// The safety information for one audience, ready to show, with the numbers to call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SafetyInformation {
    /// Who it is written for.
    pub audience: SafetyAudience,
    /// The age band it is written for (`"6-8"`).
    pub band: String,
    /// Its language (`"fr"`).
    pub language: String,
    /// `"childsafe"` for the SDK's own texts, else the id of the carrier whose pack it is.
    pub source: String,
    /// The version of the texts: `BUILT_IN_VERSION`, or the carrier pack's.
    pub version: u64,
    /// The heading of the whole.
    pub title: String,
    /// One section per topic.
    pub sections: Vec<SafetySection>,
    /// The emergency numbers and child helpline of the device's country, from the directory in
    /// force; the texts refer to them and never carry a number themselves.
    pub contacts: EmergencyContacts,
}
