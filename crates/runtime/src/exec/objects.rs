//! An instance's objects (connections, timers, a host's classes) and the rule that frees
//! them: an object that nothing can reach any more is dropped, as Blueprint's garbage
//! collector drops an unreferenced UObject. The instance finds what is reachable
//! ([`Objects::collect`]); this file keeps the arena and decides when to look.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::num::NonZeroU32;

use crate::value::Value;

/// Object ids are handed out in order and never reused, so they hash as themselves.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u32(&mut self, n: u32) {
        // Spread consecutive ids over the table's buckets (Fibonacci hashing).
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type IdMap<V> = HashMap<u32, V, BuildHasherDefault<IdHasher>>;
/// A set of object ids (what a collection found reachable).
pub(crate) type IdSet = HashSet<u32, BuildHasherDefault<IdHasher>>;

/// The fewest objects at which a collection runs.
const FIRST_COLLECTION: usize = 1024;

/// The objects of one instance, by id.
pub(crate) struct Objects {
    map: IdMap<Box<dyn Any + Send>>,
    /// The last id handed out.
    last_id: u32,
    /// Collect when this many objects are alive: twice the survivors of the last
    /// collection, so collecting costs amortised O(1) per object made.
    collect_at: usize,
    /// The most objects alive at once.
    peak: usize,
    /// Objects kept alive whatever refers to them (a connection while it connects).
    held: IdSet,
}

impl Objects {
    pub fn new() -> Objects {
        Objects {
            map: IdMap::default(),
            last_id: 0,
            collect_at: FIRST_COLLECTION,
            peak: 0,
            held: IdSet::default(),
        }
    }

    /// Stores `data` under a new id; `None` once every id has been used.
    pub fn insert(&mut self, data: Box<dyn Any + Send>) -> Option<NonZeroU32> {
        let id = NonZeroU32::new(self.last_id.checked_add(1)?)?;
        self.last_id = id.get();
        self.map.insert(id.get(), data);
        self.peak = self.peak.max(self.map.len());
        Some(id)
    }

    /// The data of object `id`, if it is alive and holds a `T`.
    pub fn get_mut<T: Any>(&mut self, id: NonZeroU32) -> Option<&mut T> {
        self.map.get_mut(&id.get())?.downcast_mut()
    }

    /// The data of object `id`, if it is alive.
    pub fn get_any_mut(&mut self, id: NonZeroU32) -> Option<&mut (dyn Any + Send)> {
        self.map.get_mut(&id.get()).map(|data| &mut **data)
    }

    /// Runs `f` on every object's data.
    pub fn for_each_mut(&mut self, mut f: impl FnMut(&mut (dyn Any + Send))) {
        for data in self.map.values_mut() {
            f(&mut **data);
        }
    }

    /// The most objects alive at once so far.
    pub fn peak(&self) -> usize {
        self.peak
    }

    /// Whether enough objects were made since the last collection to look again.
    pub fn wants_collection(&self) -> bool {
        self.map.len() >= self.collect_at
    }

    /// Keeps object `id` alive whatever refers to it (`true`), or lets it go (`false`).
    pub fn hold(&mut self, id: NonZeroU32, hold: bool) {
        if hold {
            self.held.insert(id.get());
        } else {
            self.held.remove(&id.get());
        }
    }

    /// Drops every object not in `reachable` nor held (dropping a connection closes it).
    pub fn collect(&mut self, reachable: &IdSet) {
        let held = &self.held;
        self.map.retain(|id, _| reachable.contains(id) || held.contains(id));
        self.held.retain(|id| self.map.contains_key(id));
        self.collect_at = (self.map.len() * 2).max(FIRST_COLLECTION);
    }

    /// Drops every object.
    pub fn clear(&mut self) {
        self.map.clear();
        self.held.clear();
    }
}

/// Adds the objects `value` holds to `reachable`: an Object handle, or the handles in an
/// Array or Map (whose first element tells whether any can hold one: they are typed).
pub(crate) fn mark(value: &Value, reachable: &mut IdSet) {
    match value {
        Value::Object(Some(o)) => {
            reachable.insert(o.id.get());
        }
        Value::Array(items) if items.first().is_some_and(can_hold_objects) => {
            items.iter().for_each(|v| mark(v, reachable));
        }
        Value::Map(map) if map.values().next().is_some_and(can_hold_objects) => {
            map.values().for_each(|v| mark(v, reachable));
        }
        _ => {}
    }
}

fn can_hold_objects(value: &Value) -> bool {
    matches!(value, Value::Object(_) | Value::Array(_) | Value::Map(_))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::value::ObjectRef;

    fn object(id: u32) -> Value {
        Value::Object(Some(ObjectRef {
            class: 0,
            id: NonZeroU32::new(id).unwrap(),
        }))
    }

    #[test]
    fn handles_in_arrays_and_maps_are_marked_however_deep() {
        let inner = Value::Array(Arc::new(vec![object(3), Value::Object(None)]));
        let nested = Value::Array(Arc::new(vec![Value::Array(Arc::default()), inner]));
        let map = Value::Map(Arc::new([("k".to_string(), object(5))].into_iter().collect()));
        let mut reachable = IdSet::default();
        for v in [object(1), nested, map, Value::Int(7), Value::from("2")] {
            mark(&v, &mut reachable);
        }
        let mut marked: Vec<u32> = reachable.into_iter().collect();
        marked.sort();
        assert_eq!(marked, [1, 3, 5]);
    }

    #[test]
    fn a_collection_frees_the_unreachable_and_waits_for_twice_the_survivors() {
        let mut objects = Objects::new();
        let ids: Vec<NonZeroU32> = (0..FIRST_COLLECTION)
            .map(|_| objects.insert(Box::new(())).unwrap())
            .collect();
        assert!(objects.wants_collection());
        let keep: IdSet = ids.iter().step_by(2).map(|id| id.get()).collect();
        objects.collect(&keep);
        assert!(objects.get_mut::<()>(ids[0]).is_some());
        assert!(objects.get_mut::<()>(ids[1]).is_none(), "freed");
        assert!(!objects.wants_collection());
        // The next one comes at max(1,024, twice the 512 survivors) objects alive.
        for _ in 0..FIRST_COLLECTION / 2 - 1 {
            objects.insert(Box::new(()));
        }
        assert!(!objects.wants_collection());
        let id = objects.insert(Box::new(())).unwrap();
        assert!(objects.wants_collection());
        assert_eq!(objects.peak(), FIRST_COLLECTION);
        // Ids are never reused.
        assert_eq!(id.get() as usize, FIRST_COLLECTION + FIRST_COLLECTION / 2);
    }
}
