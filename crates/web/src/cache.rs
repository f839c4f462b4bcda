//! What nearly every page reads and almost nothing changes: the signed-in person with their
//! memberships and organisation names, and an organisation's sites and tags in use. Each node keeps
//! them in memory, valid only at the hub's cache revision, which triggers bump in the same transaction
//! as any change to those tables (migration 0027) and which every request reads with its session.
//! So a cached value is never used after a committed change, on this node or another, and no write
//! path has to remember to invalidate anything: correctness never rests on a timeout.
//!
//! A request that read an older revision than the cache holds (it raced a change) loads afresh and
//! keeps nothing; one that read a newer revision empties the cache first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use kindling_domain::ids::{OrganisationId, UserId};
use kindling_store::orgs::Site;
use kindling_store::users::{self, User};
use kindling_store::{initiatives, orgs};

use crate::auth::Viewer;
use crate::{AppError, AppState};

/// A person as every page needs them.
#[derive(Debug)]
pub struct Person {
    pub user: User,
    /// Every organisation they belong to, with its name, by name.
    pub organisations: Vec<(OrganisationId, String)>,
}

/// An organisation's choices for filters and forms.
#[derive(Debug)]
pub struct OrganisationFacts {
    pub sites: Vec<Site>,
    /// Tags used by any of its initiatives, in order.
    pub tags: Vec<String>,
}

/// The most entries of each kind kept: far more people than sign in to one node between two changes,
/// and a bound on memory if a hub ever has more.
const MAX_ENTRIES: usize = 20_000;

#[derive(Debug, Default)]
struct Entries {
    revision: i64,
    people: HashMap<UserId, Arc<Person>>,
    organisations: HashMap<OrganisationId, Arc<OrganisationFacts>>,
}

impl Entries {
    /// Brings the cache to `revision` if it is newer (everything held is then stale); true if the
    /// cache may answer for and keep values read at `revision`.
    fn at(&mut self, revision: i64) -> bool {
        if revision > self.revision {
            self.revision = revision;
            self.people.clear();
            self.organisations.clear();
        }
        revision == self.revision
    }
}

#[derive(Debug, Default)]
pub struct PageCache(Mutex<Entries>);

impl PageCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn person(&self, id: UserId, revision: i64) -> Option<Arc<Person>> {
        let mut entries = self.lock();
        if entries.at(revision) { entries.people.get(&id).cloned() } else { None }
    }

    pub fn keep_person(&self, id: UserId, revision: i64, person: Person) -> Arc<Person> {
        self.keep(revision, |entries| &mut entries.people, id, person)
    }

    pub fn organisation(&self, id: OrganisationId, revision: i64) -> Option<Arc<OrganisationFacts>> {
        let mut entries = self.lock();
        if entries.at(revision) { entries.organisations.get(&id).cloned() } else { None }
    }

    pub fn keep_organisation(
        &self,
        id: OrganisationId,
        revision: i64,
        facts: OrganisationFacts,
    ) -> Arc<OrganisationFacts> {
        self.keep(revision, |entries| &mut entries.organisations, id, facts)
    }

    /// Keeps `value` read at `revision` in the map `which` picks, unless the cache has moved past it.
    fn keep<K: std::hash::Hash + Eq, V>(
        &self,
        revision: i64,
        which: impl FnOnce(&mut Entries) -> &mut HashMap<K, Arc<V>>,
        id: K,
        value: V,
    ) -> Arc<V> {
        let value = Arc::new(value);
        let mut entries = self.lock();
        if entries.at(revision) {
            let map = which(&mut entries);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(id, Arc::clone(&value));
        }
        value
    }
}

/// The person with `id` as read at `revision`, from the cache or the database; `None` if they no
/// longer exist.
pub async fn person(state: &AppState, id: UserId, revision: i64) -> Result<Option<Arc<Person>>, AppError> {
    if let Some(person) = state.pages().person(id, revision) {
        return Ok(Some(person));
    }
    let Some(user) = users::get(state.db(), id).await? else { return Ok(None) };
    let organisations = crate::auth::organisations_of(state, &user).await?;
    Ok(Some(state.pages().keep_person(id, revision, Person { user, organisations })))
}

/// The viewer's organisation's sites and tags in use, from the cache or the database.
pub async fn organisation_facts(state: &AppState, viewer: &Viewer) -> Result<Arc<OrganisationFacts>, AppError> {
    let (id, revision) = (viewer.organisation, viewer.cache_revision);
    if let Some(facts) = state.pages().organisation(id, revision) {
        return Ok(facts);
    }
    let sites = orgs::sites(state.db(), id).await?;
    let tags = initiatives::tags_in_use(state.db(), id).await?;
    Ok(state.pages().keep_organisation(id, revision, OrganisationFacts { sites, tags }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(tag: &str) -> OrganisationFacts {
        OrganisationFacts { sites: Vec::new(), tags: vec![tag.to_owned()] }
    }

    #[test]
    fn a_value_is_answered_only_at_the_revision_it_was_read() {
        let cache = PageCache::default();
        let org = OrganisationId::new(1);
        cache.keep_organisation(org, 5, facts("falls"));
        assert_eq!(cache.organisation(org, 5).map(|f| f.tags.clone()), Some(vec!["falls".to_owned()]));
        // A change bumped the revision: the old value is gone for good, even for a late reader of 5.
        assert!(cache.organisation(org, 6).is_none());
        assert!(cache.organisation(org, 5).is_none());
        // A request that read the old revision after the change loads afresh and keeps nothing.
        let loaded = cache.keep_organisation(org, 5, facts("stale"));
        assert_eq!(loaded.tags, ["stale"]);
        assert!(cache.organisation(org, 6).is_none());
        cache.keep_organisation(org, 6, facts("fresh"));
        assert_eq!(cache.organisation(org, 6).map(|f| f.tags.clone()), Some(vec!["fresh".to_owned()]));
    }
}
