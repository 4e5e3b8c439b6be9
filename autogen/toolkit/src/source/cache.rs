//! A content-addressed cache of materialized entity schemas (and of SQLite
//! live schemas, keyed by their catalog rows).
//!
//! The key hashes everything the result depends on (the DDL, the backend and
//! server version, and the source of the code that turns a catalog into a
//! schema: the model, the introspectors, the entity side), so an entry can
//! never be stale: a changed entity, server or toolkit is a different key.
//! An entry carries its key and a checksum of its value; one that does not
//! match (a truncated write, a file copied from elsewhere) is discarded and
//! recomputed. Entries live in the directory set by
//! [`set_dir`], else `AUTOGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/autogen`,
//! else `~/.cache/autogen`. Any failure to read or write is a cache miss,
//! never an error.
//!
//! Keys never repeat once their inputs change (a new toolkit build, an
//! edited entity, a schema change), so old entries are never read again:
//! the directory is kept under [`budget`] (512 MiB, `AUTOGEN_CACHE_MAX_MB`)
//! by a sweep that a write starts at most once an hour, removing the
//! entries used longest ago (a hit older than a day refreshes its entry's
//! time). A removed entry is a miss, recomputed.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

/// Bumped when the entry layout changes.
const FORMAT: &str = "schema-v5";

/// The code a cached schema depends on, by content: a build with other
/// introspection, normalization or model code never reads this one's entries
/// (the crate version alone says nothing between releases).
const CODE: u64 = fnv_const(&[
    include_str!("../schema.rs"),
    include_str!("../schema/types.rs"),
    include_str!("database/mod.rs"),
    include_str!("database/postgres.rs"),
    include_str!("database/postgres/defaults.rs"),
    include_str!("database/postgres/rows.rs"),
    include_str!("database/postgres/digest.rs"),
    include_str!("database/sqlite.rs"),
    include_str!("database/mysql.rs"),
    include_str!("database/mysql/spelling.rs"),
    include_str!("entities.rs"),
    include_str!("entities/ddl.rs"),
    include_str!("entities/postgres.rs"),
    include_str!("entities/mysql.rs"),
    include_str!("entities/sqlite.rs"),
    include_str!("incremental.rs"),
    include_str!("../recorder.rs"),
    // SQLite's CHECK and AUTOINCREMENT reading, used by its introspector.
    include_str!("../../../runtime/src/sqlite.rs"),
    include_str!("../../../runtime/src/sqlite/sql_text.rs"),
]);

/// FNV-1a over `texts`, at compile time.
pub(crate) const fn fnv_const(texts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut t = 0;
    while t < texts.len() {
        let bytes = texts[t].as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            hash ^= bytes[i] as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
            i += 1;
        }
        t += 1;
    }
    hash
}

/// The directory chosen by the embedding program, over the environment.
static DIR: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Keep the cache in `dir` from now on (`None`: back to the environment's
/// choice). For a program or a test that wants a cache of its own without
/// changing the process environment.
pub fn set_dir(dir: Option<PathBuf>) {
    *DIR.write().unwrap_or_else(|p| p.into_inner()) = dir;
}

fn dir() -> Option<PathBuf> {
    if let Some(d) = DIR.read().unwrap_or_else(|p| p.into_inner()).clone() {
        return Some(d);
    }
    if let Some(d) = std::env::var_os("AUTOGEN_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("autogen"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("autogen"))
}

/// A stable hex key of `parts`: two 64-bit FNV-1a hashes side by side (two
/// offset bases, the second also hashing lengths), 128 bits of key.
pub fn key(parts: &[&str]) -> String {
    let mut a = Fnv(0xcbf2_9ce4_8422_2325);
    let mut b = Fnv(0x8422_2325_cbf2_9ce4);
    let code = format!("{CODE:016x}");
    for part in [FORMAT, env!("CARGO_PKG_VERSION"), code.as_str()]
        .iter()
        .chain(parts)
    {
        part.hash(&mut a);
        part.len().hash(&mut b);
        part.hash(&mut b);
    }
    format!("{:016x}{:016x}", a.finish(), b.finish())
}

/// An entry on disk: the value with its key and a checksum of its text.
/// The value is embedded as JSON, not as a string of JSON: a load parses it
/// once, without first unescaping a copy of it.
#[derive(Serialize, serde::Deserialize)]
struct Entry<'a> {
    key: String,
    check: String,
    #[serde(borrow)]
    value: &'a RawValue,
}

fn checksum(text: &str) -> String {
    format!("{:016x}", fnv_const(&[text]))
}

/// The entry stored under `key`: a whole schema, or one table of it. An
/// entry that is not whole (unreadable, another key's, a checksum that
/// does not match, a value that does not parse) is removed: a miss.
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    let path = dir()?.join(format!("{key}.json"));
    let mut file = std::fs::File::open(&path).ok()?;
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut text).ok()?;
    let value = serde_json::from_slice::<Entry>(&text)
        .ok()
        .filter(|e| e.key == key && e.check == checksum(e.value.get()))
        .and_then(|e| serde_json::from_str(e.value.get()).ok());
    if value.is_none() {
        tracing::debug!("discarding the cache entry {}", path.display());
        let _ = std::fs::remove_file(&path);
    } else {
        refresh(&file);
    }
    value
}

/// A hit's entry gets the time of its use (at most once a day), so that
/// the sweep removes the entries used longest ago.
fn refresh(file: &std::fs::File) {
    let now = SystemTime::now();
    let stale = file
        .metadata()
        .and_then(|m| m.modified())
        .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > REFRESH_AFTER);
    if stale {
        let _ = file.set_modified(now);
    }
}

/// How often a hit refreshes its entry's time.
const REFRESH_AFTER: Duration = Duration::from_secs(24 * 3600);

/// How often a write sweeps the directory.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// The size the directory is kept under: `AUTOGEN_CACHE_MAX_MB` (MiB), else
/// 512 MiB (about 100 whole PostgreSQL schemas of 1 000 tables with their
/// per-table entries).
pub fn budget() -> u64 {
    std::env::var("AUTOGEN_CACHE_MAX_MB")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(512)
        .saturating_mul(1024 * 1024)
}

/// Whether this process has looked at the sweep marker: once is enough
/// (a cold run stores a thousand entries).
static SWEEP_LOOKED: AtomicBool = AtomicBool::new(false);

/// The first write of a process sweeps `dir` when the last sweep is older
/// than [`SWEEP_EVERY`].
fn sweep_once(dir: &Path) {
    if !SWEEP_LOOKED.swap(true, Ordering::Relaxed) {
        sweep_if_due(dir);
    }
}

/// Sweep `dir` when its last sweep is older than [`SWEEP_EVERY`] (the
/// `.swept` file's time, set first, so that concurrent writers do not all
/// sweep).
fn sweep_if_due(dir: &Path) {
    let marker = dir.join(".swept");
    let now = SystemTime::now();
    let due = std::fs::metadata(&marker)
        .and_then(|m| m.modified())
        .map_or(true, |t| {
            now.duration_since(t).unwrap_or_default() > SWEEP_EVERY
        });
    if !due {
        return;
    }
    if std::fs::write(&marker, b"").is_err() {
        return;
    }
    let removed = sweep(dir, budget(), now);
    if removed > 0 {
        tracing::debug!(
            "cache sweep of {}: {removed} entries removed",
            dir.display()
        );
    }
}

/// Remove from `dir` the leftovers of interrupted writes (`*.tmp` older than
/// an hour) and, when its entries (`*.json`) take more than `budget` bytes,
/// the entries used longest ago until they take at most three quarters of
/// it. How many files were removed.
fn sweep(dir: &Path, budget: u64, now: SystemTime) -> usize {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    let mut entries: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
    for item in listing.flatten() {
        let path = item.path();
        let Ok(meta) = item.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let modified = meta.modified().unwrap_or(now);
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => entries.push((modified, meta.len(), path)),
            Some("tmp")
                if now.duration_since(modified).unwrap_or_default() > SWEEP_EVERY
                    && std::fs::remove_file(&path).is_ok() =>
            {
                removed += 1;
            }
            _ => {}
        }
    }
    let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
    if total <= budget {
        return removed;
    }
    entries.sort();
    let target = budget / 4 * 3;
    for (_, len, path) in entries {
        if total <= target {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            removed += 1;
            total = total.saturating_sub(len);
        }
    }
    removed
}

/// [`load`] on tokio's blocking pool. Parsing a whole schema is CPU work
/// (about 25 ms at 1 000 tables): there it runs beside the other side of a
/// comparison (the catalog being read) instead of stalling their task.
pub async fn load_blocking<T: DeserializeOwned + Send + 'static>(key: &str) -> Option<T> {
    let key = key.to_owned();
    tokio::task::spawn_blocking(move || load(&key))
        .await
        .ok()
        .flatten()
}

pub fn store<T: Serialize>(key: &str, value: &T) {
    let Some(dir) = dir() else { return };
    let Ok(value) = serde_json::value::to_raw_value(value) else {
        return;
    };
    let entry = Entry {
        key: key.to_owned(),
        check: checksum(value.get()),
        value: &value,
    };
    let Ok(text) = serde_json::to_vec(&entry) else {
        return;
    };
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let tmp = dir.join(format!("{key}.{}.tmp", std::process::id()));
    if std::fs::write(&tmp, text).is_ok()
        && std::fs::rename(&tmp, dir.join(format!("{key}.json"))).is_err()
    {
        let _ = std::fs::remove_file(&tmp);
    }
    sweep_once(&dir);
}

/// FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_entry_is_a_miss_and_is_removed() {
        let dir = std::env::temp_dir().join(format!("autogen-cache-test-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        set_dir(Some(dir.clone()));
        let k = key(&["damaged"]);
        store(&k, &vec![1, 2, 3]);
        assert_eq!(load::<Vec<i32>>(&k), Some(vec![1, 2, 3]));
        let path = dir.join(format!("{k}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        std::fs::write(&path, text.replace("[1,2,3]", "[1,2,4]")).ok();
        assert_eq!(load::<Vec<i32>>(&k), None, "checksum mismatch");
        assert!(!path.exists(), "the damaged entry is removed");
        store(&k, &vec![5]);
        std::fs::rename(&path, dir.join("elsewhere.json")).ok();
        std::fs::rename(
            dir.join("elsewhere.json"),
            dir.join(format!("{}.json", key(&["other"]))),
        )
        .ok();
        assert_eq!(
            load::<Vec<i32>>(&key(&["other"])),
            None,
            "another key's entry"
        );
        set_dir(None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_sweep_removes_the_entries_used_longest_ago_down_to_three_quarters_of_the_budget() {
        let dir = std::env::temp_dir().join(format!("autogen-cache-sweep-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a directory");
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);
        // Ten entries of 1 000 bytes, entry i used i hours ago.
        for i in 0..10u32 {
            let path = dir.join(format!("e{i}.json"));
            std::fs::write(&path, vec![b'x'; 1000]).expect("write");
            let file = std::fs::File::options()
                .write(true)
                .open(&path)
                .expect("open");
            file.set_modified(now - hour * i).expect("set the time");
        }
        // A write interrupted two hours ago, and one under way.
        for (name, age) in [("old.1.tmp", 2), ("new.2.tmp", 0)] {
            let path = dir.join(name);
            std::fs::write(&path, b"partial").expect("write");
            let file = std::fs::File::options()
                .write(true)
                .open(&path)
                .expect("open");
            file.set_modified(now - hour * age).expect("set the time");
        }
        std::fs::write(dir.join("notes.txt"), b"not ours").expect("write");

        assert_eq!(
            sweep(&dir, 10_000, now),
            1,
            "under budget: only the stale .tmp"
        );
        // 8 000 bytes allowed: down to 6 000, the four used longest ago go.
        assert_eq!(sweep(&dir, 8_000, now), 4);
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .expect("list")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "e0.json",
                "e1.json",
                "e2.json",
                "e3.json",
                "e4.json",
                "e5.json",
                "new.2.tmp",
                "notes.txt"
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_hit_refreshes_an_old_entry_and_a_due_write_sweeps() {
        let dir =
            std::env::temp_dir().join(format!("autogen-cache-refresh-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a directory");
        let path = dir.join("e.json");
        std::fs::write(&path, b"{}").expect("write");
        let old = SystemTime::now() - Duration::from_secs(3 * 24 * 3600);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(old))
            .expect("set the time");
        refresh(&std::fs::File::open(&path).expect("open"));
        let modified = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .expect("time");
        assert!(modified > old + Duration::from_secs(24 * 3600), "refreshed");

        let marker = dir.join(".swept");
        sweep_if_due(&dir);
        let first = std::fs::metadata(&marker)
            .and_then(|m| m.modified())
            .expect("swept");
        std::fs::write(dir.join("x.tmp"), b"").expect("write");
        std::fs::File::options()
            .write(true)
            .open(dir.join("x.tmp"))
            .and_then(|f| f.set_modified(old))
            .expect("set the time");
        sweep_if_due(&dir);
        assert!(dir.join("x.tmp").exists(), "not due again within the hour");
        assert_eq!(
            std::fs::metadata(&marker)
                .and_then(|m| m.modified())
                .expect("swept"),
            first
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn keys_are_stable_and_distinct() {
        assert_eq!(key(&["a", "b"]), key(&["a", "b"]));
        assert_ne!(key(&["a", "b"]), key(&["ab", ""]));
        assert_ne!(key(&["a"]), key(&["b"]));
    }
}
