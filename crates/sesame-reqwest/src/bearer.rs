use std::sync::Arc;
use std::time::SystemTime;

use sesame_core::resource::{
    extract_bearer, AccessClaims, BearerError, BearerValidator, Guard, Introspector, KeySource,
    TrustedIssuer, VerifiedTokenCache,
};

use crate::{Error, Sesame};

/// Bearer-token protection for an API: the core's validator plus the
/// driver's JWKS cache (rotation handled with one refetch).
#[derive(Debug, Clone)]
pub struct BearerAuth {
    validator: Arc<BearerValidator>,
    sesame: Arc<Sesame>,
    realm: String,
    cache: Option<Arc<VerifiedTokenCache>>,
    introspector: Option<Arc<Introspector>>,
}

impl BearerAuth {
    /// Protection with this validator, fetching keys through `sesame`.
    pub fn new(validator: BearerValidator, sesame: Arc<Sesame>) -> Self {
        Self {
            validator: Arc::new(validator),
            sesame,
            realm: "api".into(),
            cache: None,
            introspector: None,
        }
    }

    /// Remembers up to `capacity` verified tokens (see
    /// [`VerifiedTokenCache`]: never past a token's `exp`, never after its
    /// key leaves the issuer's JWKS).
    pub fn with_verified_token_cache(mut self, capacity: usize) -> Self {
        self.cache = Some(Arc::new(VerifiedTokenCache::new(capacity)));
        self
    }

    /// Introspects tokens that are not JWTs from a trusted issuer (opaque
    /// tokens), through `introspector` and its short cache.
    pub fn with_introspection(mut self, introspector: Introspector) -> Self {
        self.introspector = Some(Arc::new(introspector));
        self
    }

    async fn introspect(
        &self,
        introspector: &Introspector,
        token: &str,
    ) -> Result<AccessClaims, BearerError> {
        if let Some(cached) = introspector.cached(token, SystemTime::now()) {
            return cached;
        }
        let resp = self
            .sesame
            .http()
            .execute(introspector.request(token))
            .await
            .map_err(|_| BearerError::InvalidToken("introspection unavailable"))?;
        introspector.on_response(token, &resp, SystemTime::now())
    }

    fn check(
        &self,
        token: &str,
        keys: &sesame_core::jose::JwkSet,
    ) -> Result<AccessClaims, BearerError> {
        match &self.cache {
            Some(cache) => cache.validate(&self.validator, token, keys, SystemTime::now()),
            None => self.validator.validate(token, keys, SystemTime::now()),
        }
    }

    /// Sets the realm named in `WWW-Authenticate`.
    pub fn realm(mut self, realm: &str) -> Self {
        self.realm = realm.to_owned();
        self
    }

    /// The realm.
    pub fn realm_name(&self) -> &str {
        &self.realm
    }

    /// Validates the request's bearer token and checks `guard`.
    pub async fn authenticate(
        &self,
        headers: &http::HeaderMap,
        guard: &Guard,
    ) -> Result<AccessClaims, BearerError> {
        let token = extract_bearer(headers)?;
        if let Some(introspector) = &self.introspector {
            if !self.validator.trusts(token) {
                let claims = self.introspect(introspector, token).await?;
                guard.check(&claims)?;
                return Ok(claims);
            }
        }
        let claims = match self.validator.keys_for(token)? {
            KeySource::Static(keys) => self.check(token, keys),
            KeySource::Fetch(mut request) => {
                let keys = self
                    .sesame
                    .keys(&request)
                    .await
                    .map_err(|_| BearerError::InvalidToken("keys unavailable"))?;
                match self.check(token, &keys) {
                    Err(e) if e.wants_refetch() => {
                        request.refresh = true;
                        let keys = self
                            .sesame
                            .keys(&request)
                            .await
                            .map_err(|_| BearerError::InvalidToken("keys unavailable"))?;
                        self.check(token, &keys)
                    }
                    other => other,
                }
            }
        }
        .map_err(|e| {
            // Still unknown after the one refetch, or outside a static set.
            if e.wants_refetch() {
                BearerError::InvalidToken("unknown key")
            } else {
                e
            }
        })?;
        guard.check(&claims)?;
        Ok(claims)
    }

    /// The RFC 6750 answer for a refusal.
    pub fn refusal(&self, error: &BearerError) -> http::Response<Vec<u8>> {
        error.to_response(&self.realm)
    }
}

impl Sesame {
    /// A trusted issuer from its issuer URL: discovery (cached) gives the JWKS URI.
    pub async fn trusted_issuer(
        &self,
        issuer: &str,
        audience: &str,
    ) -> Result<TrustedIssuer, Error> {
        let meta = self.discover(issuer).await?;
        let jwks = meta
            .jwks_uri
            .clone()
            .ok_or(Error::Unavailable("jwks_uri"))?;
        Ok(TrustedIssuer::new(issuer, jwks, audience))
    }
}
