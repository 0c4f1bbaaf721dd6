//! What operator tools (the `childsafe` CLI) need from the facade beyond what a phone app calls:
//! opening a device that was set up without a country, and reading back its registration. A
//! tool that acts as a phone still goes through [`ChildSafe`] for everything else, so that it
//! decides, files and syncs exactly as the phone does.

use std::sync::Arc;

use super::{ChildSafe, ChildSafeConfig, EventListener, Logger, NoLine, SdkError};
use crate::store::KeyStore;
use crate::sync::identity::{self, Registration};
use crate::time::SystemClock;

impl ChildSafe {
    /// [`ChildSafe::open`] for a device whose country is not known: set up the first time with
    /// none, `config.country` is not read. Such a device shows the numbers that work everywhere
    /// on SOS, and cannot register with a backend (which routes reports by country). A phone
    /// always knows its country: this is for tools that set devices up by hand.
    pub fn open_without_country(
        mut config: ChildSafeConfig,
        key_store: &dyn KeyStore,
        logger: Arc<dyn Logger>,
        listener: Arc<dyn EventListener>,
    ) -> Result<Self, SdkError> {
        config.country = String::new();
        Self::open_in(
            config,
            None,
            key_store,
            logger,
            listener,
            Arc::new(SystemClock),
            Arc::new(NoLine),
        )
    }

    /// The device's registration with its backend, if it has registered: the backend's URL and
    /// the id it knows the device by. [`ChildSafe::register`] treats a second registration as
    /// done; a tool reads this to say so instead.
    pub fn registration(&self) -> Result<Option<Registration>, SdkError> {
        Ok(identity::registration(&*self.store)?)
    }
}
