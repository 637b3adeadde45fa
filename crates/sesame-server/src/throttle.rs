//! Throttling of credential guessing: the rule, its thresholds and the
//! keys of its counters. The counters themselves live in the [`Store`]
//! (so that every instance sees the same ones); this file decides, from a
//! counter and `now` alone, whether an attempt must wait and for how long.
//!
//! Counted per username and per client address at the login page, per
//! `client_id` and per client address at `/token`, `/introspect` and
//! `/revoke` (see [`ThrottleConfig`]). Each counter gives
//! [`Limit::free_failures`] failures that are answered as usual (401);
//! after those, every attempt waits [`ThrottleConfig::first_delay`] after
//! the latest failure, doubling with each further failure up to
//! [`ThrottleConfig::max_delay`], and is answered `429 Too Many Requests`
//! with `Retry-After` while it must wait — whether the credentials are
//! right or not, and whether the username exists or not. A counter is
//! forgotten [`Limit::window`] after its first failure: nothing is ever
//! locked for good. A successful sign-in clears its username's counter.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, SystemTime};

use sesame_core::Secret;

use crate::store::{Failures, Store, StoreError};

/// The address a request came from, for the per-address counters: an
/// adapter puts it in the request's extensions before calling
/// [`AuthServerService::handle`](crate::AuthServerService::handle).
///
/// It must be the address the server itself saw (the TCP peer), or one
/// taken from a forwarding header **that your own proxy sets** — never a
/// header a client can choose, or each request could claim a fresh
/// address. Without it the per-address counters are skipped (the
/// per-username and per-client ones still apply).
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// let mut request = http::Request::new(Vec::<u8>::new());
/// request
///     .extensions_mut()
///     .insert(sesame_server::ClientAddr(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The address of `request`, if its adapter gave one.
    pub(crate) fn of<B>(request: &http::Request<B>) -> Option<IpAddr> {
        request.extensions().get::<ClientAddr>().map(|a| a.0)
    }
}

/// The address as it is counted: an IPv4 address (IPv4-mapped IPv6
/// included) as itself, an IPv6 address by its /64 network — one
/// subscriber usually holds a whole /64, and counting its addresses one by
/// one would give it 2⁶⁴ counters.
pub(crate) fn counted_address(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
        },
    }
}

/// The thresholds of one kind of counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limit {
    /// Failures answered as usual before attempts must wait.
    pub free_failures: u32,
    /// How long a counter lives, from its first failure (a fixed window:
    /// later failures do not extend it).
    pub window: Duration,
}

impl Limit {
    /// `free_failures` failures per `window`.
    pub const fn new(free_failures: u32, window: Duration) -> Self {
        Self {
            free_failures,
            window,
        }
    }

    /// No throttling for this counter (nothing is stored for it either).
    pub const fn off() -> Self {
        Self {
            free_failures: u32::MAX,
            window: Duration::ZERO,
        }
    }

    /// Whether this counter is switched off.
    pub fn is_off(&self) -> bool {
        self.free_failures == u32::MAX || self.window.is_zero()
    }
}

/// The thresholds of the throttling (on [`ServerConfig::throttle`](crate::ServerConfig::throttle)).
///
/// | counter | default | counts |
/// |---|---|---|
/// | [`username`](Self::username) | 5 per day | wrong passwords for one username (known or not; case and surrounding spaces ignored) |
/// | [`login_address`](Self::login_address) | 30 per hour | wrong passwords from one address, across usernames |
/// | [`client`](Self::client) | 10 per hour | failed client authentications for one `client_id` |
/// | [`client_address`](Self::client_address) | 30 per hour | failed client authentications from one address, across clients |
///
/// Waits start at [`first_delay`](Self::first_delay) (1 s) and double with
/// each failure beyond the free ones, up to [`max_delay`](Self::max_delay)
/// (15 min). A guesser who waits out every delay thus gets about a hundred
/// guesses per username and day (5 free, 10 while the waits grow to 15
/// min, then one per 15 min), the bound NIST SP 800-63B §5.2.2 sets; a
/// successful sign-in clears its username's counter, so a user who
/// mistyped starts afresh. Counters per address and per client live an
/// hour: an address is shared by many people, and a client's counter is
/// not cleared by its successes (a busy client would otherwise clear it
/// for a guesser between every two guesses).
///
/// At the login page every attempt is counted **before** its password is
/// checked (and taken back if it succeeds), so that guesses sent at the
/// same moment cannot all pass together; an attempt refused while waiting
/// stays counted — knocking makes the wait longer — and the `Retry-After`
/// answered is the wait the knock leaves. Client authentication, on the
/// token endpoint's hot path, only **reads** its counters before the
/// secret is checked and counts the failures after: a good request costs
/// one read and no write, and requests refused while waiting are not
/// counted. The price is that client-secret guesses sent in the very same
/// instant are all checked before any is counted — one more reason to
/// [generate](crate::RegisteredClient::generate_secret) client secrets.
///
/// The debug output shows no [`hash_key`](Self::hash_key).
///
/// ```
/// use std::time::Duration;
/// use sesame_server::{Limit, ThrottleConfig};
/// let throttle = ThrottleConfig::default()
///     .username(Limit::new(3, Duration::from_secs(600)))
///     .delays(Duration::from_secs(2), Duration::from_secs(300));
/// assert_eq!(throttle.delay(0), Duration::from_secs(2));
/// assert_eq!(throttle.delay(20), Duration::from_secs(300));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThrottleConfig {
    /// Wrong passwords per username at the login page.
    pub username: Limit,
    /// Wrong passwords per client address at the login page (password
    /// spraying: one password tried on many usernames).
    pub login_address: Limit,
    /// Failed client authentications per `client_id`. A `client_id` is
    /// public: whoever knows it can make its client wait. Lower this, or
    /// switch it off ([`Limit::off`]) and keep the per-address counter,
    /// if your clients' secrets are generated
    /// ([`RegisteredClient::generate_secret`](crate::RegisteredClient::generate_secret)).
    pub client: Limit,
    /// Failed client authentications per client address.
    pub client_address: Limit,
    /// The first wait, after the free failures.
    pub first_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
    /// Keys the hashes the counters are stored under (HMAC-SHA256), with
    /// the same secret on every instance. Without it they are SHA-256 of
    /// the issuer and the value: no username or address appears in the
    /// store, but a dictionary finds them again (IPv4 has only 2³²
    /// addresses).
    pub hash_key: Option<Secret>,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        const HOUR: Duration = Duration::from_secs(3600);
        Self {
            username: Limit::new(5, Duration::from_secs(24 * 3600)),
            login_address: Limit::new(30, HOUR),
            client: Limit::new(10, HOUR),
            client_address: Limit::new(30, HOUR),
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(15 * 60),
            hash_key: None,
        }
    }
}

impl ThrottleConfig {
    /// No throttling at all (nothing is stored for it).
    pub fn off() -> Self {
        Self {
            username: Limit::off(),
            login_address: Limit::off(),
            client: Limit::off(),
            client_address: Limit::off(),
            ..Self::default()
        }
    }

    /// Sets the per-username limit.
    pub fn username(mut self, limit: Limit) -> Self {
        self.username = limit;
        self
    }

    /// Sets the per-address limit of the login page.
    pub fn login_address(mut self, limit: Limit) -> Self {
        self.login_address = limit;
        self
    }

    /// Sets the per-`client_id` limit.
    pub fn client(mut self, limit: Limit) -> Self {
        self.client = limit;
        self
    }

    /// Sets the per-address limit of client authentication.
    pub fn client_address(mut self, limit: Limit) -> Self {
        self.client_address = limit;
        self
    }

    /// Sets the first and the longest wait.
    pub fn delays(mut self, first: Duration, max: Duration) -> Self {
        self.first_delay = first;
        self.max_delay = max;
        self
    }

    /// Keys the counters' hashes with `secret` (the same on every instance).
    pub fn hash_key(mut self, secret: Secret) -> Self {
        self.hash_key = Some(secret);
        self
    }

    /// The `n`-th wait (from 0): `first_delay · 2ⁿ`, at most `max_delay`.
    pub fn delay(&self, n: u32) -> Duration {
        let factor = 1u32.checked_shl(n).unwrap_or(u32::MAX);
        self.first_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// How long an attempt at `now` must wait, given the failures already
    /// counted (`None`: it may go ahead). After `free_failures` failures
    /// each attempt waits [`delay`](Self::delay)`(count − free_failures)`
    /// from the latest failure.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sesame_server::{Failures, ThrottleConfig};
    /// let t = ThrottleConfig::default(); // 5 free failures per username, then 1 s, 2 s, 4 s…
    /// let at = UNIX_EPOCH + Duration::from_secs(1_000);
    /// let four = Failures { count: 4, latest: Some(at) };
    /// assert_eq!(t.wait(&t.username, four, at), None);
    /// let seven = Failures { count: 7, latest: Some(at) };
    /// assert_eq!(t.wait(&t.username, seven, at + Duration::from_secs(1)), Some(Duration::from_secs(3)));
    /// assert_eq!(t.wait(&t.username, seven, at + Duration::from_secs(4)), None);
    /// ```
    pub fn wait(&self, limit: &Limit, failures: Failures, now: SystemTime) -> Option<Duration> {
        if limit.is_off() || failures.count < limit.free_failures {
            return None;
        }
        let latest = failures.latest?;
        let until = latest + self.delay(failures.count - limit.free_failures);
        until.duration_since(now).ok().filter(|d| !d.is_zero())
    }

    /// The wait a failure at `now` earns for its answer, given the
    /// counter before it: `None` for the free failures (answered 401),
    /// else the wait of the counter it leaves (answered 429).
    pub fn wait_after_failure(
        &self,
        limit: &Limit,
        before: Failures,
        now: SystemTime,
    ) -> Option<Duration> {
        let after = Failures {
            count: before.count.saturating_add(1),
            latest: Some(before.latest.map_or(now, |l| l.max(now))),
        };
        if after.count <= limit.free_failures {
            return None;
        }
        self.wait(limit, after, now)
    }

    /// The store key of the counter `scope` for `value`: a hash, never the
    /// value itself.
    pub(crate) fn key(&self, issuer: &str, scope: &str, value: &str) -> String {
        let mut input = Vec::with_capacity(issuer.len() + scope.len() + value.len() + 24);
        for part in ["sesame/throttle/v1", issuer, scope, value] {
            input.extend_from_slice(&(part.len() as u64).to_be_bytes());
            input.extend_from_slice(part.as_bytes());
        }
        let digest = match &self.hash_key {
            Some(secret) => sesame_core::crypto::hmac_sha256(secret.expose().as_bytes(), &input),
            None => sesame_core::crypto::sha256(&input),
        };
        format!("{scope}:{}", sesame_core::base64url::encode(digest))
    }
}

/// A username as it is counted: trimmed and lowercased, so that `Alice `
/// and `alice` share one counter.
pub(crate) fn counted_username(username: &str) -> String {
    username.trim().to_lowercase()
}

/// `Retry-After` in whole seconds, rounded up, at least 1.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

/// Adds `Retry-After` to a response.
pub(crate) fn set_retry_after(resp: &mut http::Response<Vec<u8>>, wait: Duration) {
    if let Ok(v) = http::HeaderValue::from_str(&retry_after_secs(wait).to_string()) {
        resp.headers_mut().insert(http::header::RETRY_AFTER, v);
    }
}

/// One counter of a request: its store key and its limit.
pub(crate) struct Counted<'a> {
    pub(crate) key: String,
    pub(crate) limit: &'a Limit,
}

/// The longest of some waits.
pub(crate) fn longest(waits: impl IntoIterator<Item = Option<Duration>>) -> Option<Duration> {
    waits.into_iter().flatten().max()
}

/// A boxed store call (what `async_trait` methods return).
pub(crate) type StoreCall<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Runs store calls concurrently (their round trips overlap) and collects
/// their results in order; the first error wins.
pub(crate) async fn all<T>(calls: Vec<StoreCall<'_, T>>) -> Result<Vec<T>, StoreError> {
    let mut slots: Vec<_> = calls.into_iter().map(|c| (c, None)).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (call, out) in slots.iter_mut() {
            if out.is_none() {
                match call.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    slots
        .into_iter()
        .map(|(_, out)| out.unwrap_or(Err(StoreError)))
        .collect()
}

/// Reads the counters and answers the longest wait they impose now.
pub(crate) async fn current_wait(
    config: &ThrottleConfig,
    store: &dyn Store,
    counted: &[Counted<'_>],
    now: SystemTime,
) -> Result<Option<Duration>, StoreError> {
    let states = all(counted
        .iter()
        .map(|c| store.failures(&c.key, now))
        .collect())
    .await?;
    Ok(longest(
        counted
            .iter()
            .zip(states)
            .map(|(c, s)| config.wait(c.limit, s, now)),
    ))
}

/// Counts a failure on each counter and answers the longest wait it earns
/// (`None`: the failure is among the free ones everywhere).
pub(crate) async fn count_failure(
    config: &ThrottleConfig,
    store: &dyn Store,
    counted: &[Counted<'_>],
    now: SystemTime,
) -> Result<Option<Duration>, StoreError> {
    let before = all(counted
        .iter()
        .map(|c| store.record_failure(&c.key, c.limit.window, now))
        .collect())
    .await?;
    Ok(longest(
        counted
            .iter()
            .zip(before)
            .map(|(c, b)| config.wait_after_failure(c.limit, b, now)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};
    use std::time::UNIX_EPOCH;

    fn t0() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn counted(count: u32, latest: SystemTime) -> Failures {
        Failures {
            count,
            latest: Some(latest),
        }
    }

    #[test]
    fn the_free_failures_never_wait() {
        let t = ThrottleConfig::default();
        for count in 0..5 {
            assert_eq!(t.wait(&t.username, counted(count, t0()), t0()), None);
        }
        assert_eq!(t.wait(&t.username, Failures::default(), t0()), None);
    }

    #[test]
    fn waits_double_from_the_latest_failure_up_to_the_cap() {
        let t = ThrottleConfig::default();
        let expected = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900];
        for (i, want) in expected.iter().enumerate() {
            let count = 5 + u32::try_from(i).unwrap();
            assert_eq!(
                t.wait(&t.username, counted(count, t0()), t0()),
                Some(secs(*want)),
                "after {count} failures"
            );
        }
        // Counted from the latest failure: time passing shortens it, and it ends.
        let seven = counted(7, t0());
        assert_eq!(t.wait(&t.username, seven, t0() + secs(3)), Some(secs(1)));
        assert_eq!(t.wait(&t.username, seven, t0() + secs(4)), None);
        assert_eq!(t.wait(&t.username, seven, t0() + secs(400)), None);
        // A huge count neither overflows nor exceeds the cap.
        assert_eq!(
            t.wait(&t.username, counted(u32::MAX - 1, t0()), t0()),
            Some(secs(900))
        );
        assert_eq!(t.delay(u32::MAX), secs(900));
    }

    #[test]
    fn the_answer_to_a_failure_is_401_for_the_free_ones_then_429() {
        let t = ThrottleConfig::default();
        for before in 0..5 {
            assert_eq!(
                t.wait_after_failure(&t.username, counted(before, t0()), t0()),
                None,
                "failure {}",
                before + 1
            );
        }
        // The sixth failure leaves 6 counted: wait delay(1) = 2 s.
        assert_eq!(
            t.wait_after_failure(&t.username, counted(5, t0()), t0() + secs(1)),
            Some(secs(2))
        );
        assert_eq!(
            t.wait_after_failure(&t.username, Failures::default(), t0()),
            None
        );
        // A latest failure in the future (another instance's clock) is kept.
        assert_eq!(
            t.wait_after_failure(&t.username, counted(5, t0() + secs(10)), t0()),
            Some(secs(12))
        );
    }

    #[test]
    fn a_limit_that_is_off_never_waits() {
        let t = ThrottleConfig::off();
        assert!(t.username.is_off() && t.client.is_off());
        assert_eq!(t.wait(&t.username, counted(u32::MAX, t0()), t0()), None);
        assert_eq!(
            t.wait_after_failure(&t.client, counted(1_000, t0()), t0()),
            None
        );
        assert!(!ThrottleConfig::default().username.is_off());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(secs(900)), 900);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }

    #[test]
    fn keys_are_hashes_scoped_by_issuer_and_kind() {
        let t = ThrottleConfig::default();
        let k = t.key("https://as.example", "login-user", "alice");
        assert!(k.starts_with("login-user:") && !k.contains("alice"), "{k}");
        assert_eq!(k, t.key("https://as.example", "login-user", "alice"));
        assert_ne!(k, t.key("https://other.example", "login-user", "alice"));
        assert_ne!(
            t.key("i", "client", "alice")[7..],
            t.key("i", "login-user", "alice")[11..]
        );
        // Length-prefixed parts: no two splits of one string collide.
        assert_ne!(t.key("ab", "s", "c"), t.key("a", "s", "bc"));
        let keyed = t.clone().hash_key(Secret::new("pepper"));
        assert_ne!(
            keyed.key("i", "login-user", "alice"),
            t.key("i", "login-user", "alice")
        );
        assert!(!format!("{keyed:?}").contains("pepper"));
    }

    #[test]
    fn usernames_and_addresses_are_counted_in_their_canonical_form() {
        assert_eq!(counted_username("  Alice "), "alice");
        let v4 = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
        assert_eq!(counted_address(v4), "203.0.113.7");
        let mapped = IpAddr::V6(Ipv4Addr::new(203, 0, 113, 7).to_ipv6_mapped());
        assert_eq!(counted_address(mapped), "203.0.113.7");
        let a: Ipv6Addr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: Ipv6Addr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let c: Ipv6Addr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(counted_address(a.into()), counted_address(b.into()));
        assert_ne!(counted_address(a.into()), counted_address(c.into()));
    }

    #[test]
    fn store_calls_run_together_and_keep_their_order() {
        let store = crate::MemoryStore::default();
        let calls: Vec<StoreCall<'_, Failures>> = (0..3)
            .map(|_| store.record_failure("k", secs(60), t0()))
            .collect();
        let mut fut = std::pin::pin!(all(calls));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let Poll::Ready(out) = fut.as_mut().poll(&mut cx) else {
            panic!("the memory store never waits")
        };
        let out = out.unwrap();
        let mut counts: Vec<u32> = out.iter().map(|f| f.count).collect();
        counts.sort_unstable();
        assert_eq!(counts, [0, 1, 2]);
    }
}
