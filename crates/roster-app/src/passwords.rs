//! Password hashing, shared by the areas that set passwords (admin, and
//! SCIM's password sync) and check them (sign-in). Stored as Argon2id PHC
//! strings; the clear password is never stored or shown.
//!
//! Argon2 is slow on purpose (tens of milliseconds of CPU and some MiB of
//! memory per call), so it never runs on the async workers: [`Passwords`]
//! runs it on tokio's blocking threads, at most a few at a time. A burst of
//! password changes or sign-ins then waits for a permit instead of
//! occupying every worker, and SCIM and HTTP handling go on (issue 16 §3).

use std::sync::Arc;

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use rand::Rng;
use roster_domain::Secret;
use tokio::sync::Semaphore;

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Argon2 refused the input (only far beyond the longest password any
    /// caller accepts).
    #[error("the password cannot be hashed: {0}")]
    Hash(argon2::password_hash::Error),
    /// The blocking task did not finish: the runtime is shutting down, or
    /// the hashing panicked.
    #[error("password hashing did not finish: {0}")]
    Worker(String),
}

/// The Argon2 work of the application: on blocking threads, bounded.
#[derive(Debug, Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
}

impl Passwords {
    /// At most `concurrency` hashes at once (at least one).
    pub fn new(concurrency: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(concurrency.max(1))) }
    }

    /// Half the machine's cores, between one and four: enough for sign-in
    /// bursts, while leaving cores to everything else.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self::new((cores / 2).clamp(1, 4))
    }

    /// Runs `work` on a blocking thread once a permit is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        // The semaphore is never closed, so a permit always comes.
        let _permit =
            self.permits.acquire().await.map_err(|err| PasswordError::Worker(err.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|err| PasswordError::Worker(err.to_string()))
    }

    /// The Argon2id PHC string of `password` with a fresh random salt.
    pub async fn hash(&self, password: Secret) -> Result<String, PasswordError> {
        self.run(move || hash_password(password.expose())).await?.map_err(PasswordError::Hash)
    }

    /// Whether `password` matches the stored PHC string. A task that did
    /// not finish is no match.
    pub async fn verify(&self, password: Secret, stored: String) -> bool {
        self.run(move || verify_password(password.expose(), &stored)).await.unwrap_or(false)
    }

    /// [`Self::verify`] for a user who may have no password: then a real
    /// hash is checked all the same and fails, so that a refusal takes as
    /// long whoever is named.
    pub async fn verify_stored(&self, password: Secret, stored: Option<String>) -> bool {
        self.run(move || match stored {
            Some(stored) => verify_password(password.expose(), &stored),
            None => {
                verify_password(password.expose(), &NO_MATCH);
                false
            }
        })
        .await
        .unwrap_or(false)
    }
}

/// A hash of a random secret, checked for users without a password. Made
/// once, on the blocking thread of the first check that needs it.
static NO_MATCH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&crate::secrets::generate("")).unwrap_or_default());

/// The Argon2id PHC string of `password` with a fresh random salt, on the
/// calling thread (for [`Passwords`] and for one-off hashes made outside
/// request handling). It fails only for inputs far beyond the longest
/// password accepted.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Whether `password` matches a stored PHC string, on the calling thread.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(hash, hash_password("correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn users_without_a_password_are_checked_against_a_real_hash() {
        assert!(NO_MATCH.starts_with("$argon2id$"), "a real hash, as slow as a user's");
    }

    /// The hashing runs on blocking threads: a single-threaded runtime's
    /// one worker stays free to run other tasks meanwhile.
    #[tokio::test(flavor = "current_thread")]
    async fn hashing_leaves_the_async_worker_free() {
        let passwords = Passwords::new(1);
        let ticks = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let ticker = {
            let ticks = ticks.clone();
            tokio::spawn(async move {
                loop {
                    ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
            })
        };
        let (a, b) = tokio::join!(
            passwords.hash(Secret::new("correct horse battery")),
            passwords.hash(Secret::new("another password")),
        );
        ticker.abort();
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(ticks.load(std::sync::atomic::Ordering::Relaxed) > 10, "the worker was blocked");
        assert!(passwords.verify(Secret::new("correct horse battery"), a).await);
        assert!(!passwords.verify(Secret::new("correct horse battery"), b).await);
        assert!(!passwords.verify(Secret::new("x"), "not a hash".into()).await);
        assert!(!passwords.verify_stored(Secret::new("x"), None).await);
    }
}
