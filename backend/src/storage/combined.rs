//! [`Storage`]: every kind of data at once, the one bound the server and its handlers hold
//! (`Arc<dyn Storage>`). Each kind has its own trait; a store that implements them all is a
//! `Storage` without writing anything more.

use super::accounts::AccountStore;
use super::bundles::BundleStore;
use super::lines::LineStore;
use super::mailboxes::MailboxStore;
use super::pairing::PairingStore;
use super::reports::ReportStore;
use super::requests::RequestStore;
use super::retention::RetentionStore;
use super::secrets::SecretStore;

/// The backend's state. Implementations are cheap to share (`Arc<dyn Storage>`).
pub trait Storage:
    AccountStore
    + RequestStore
    + ReportStore
    + PairingStore
    + MailboxStore
    + BundleStore
    + SecretStore
    + RetentionStore
    + LineStore
{
}

impl<T> Storage for T where
    T: AccountStore
        + RequestStore
        + ReportStore
        + PairingStore
        + MailboxStore
        + BundleStore
        + SecretStore
        + RetentionStore
        + LineStore
        + ?Sized
{
}
